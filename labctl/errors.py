"""The one exception tree of labctl.

Every error a researcher can meet says what is wrong, where (file and line when known) and
what to do about it. The CLI turns any ``LabctlError`` into one red line and exit code 1;
anything else is a bug in labctl itself.

Every subclass in the package, with the module that defines it (most live here; a few live
with the code that raises them). ``tests/test_module_structure.py`` fails when a subclass is
missing here, drawn under the wrong parent or drawn in the wrong module::

    LabctlError                                     labctl.errors
    ├── ProjectError            labctl.errors               the project folder is unusable
    ├── ResearcherCodeError     labctl.errors               the researcher's code raised
    ├── ValidationFailed        labctl.errors               ``labctl validate`` found problems
    ├── ScaffoldError           labctl.errors               new-project / new-app refused
    ├── ModelError              labctl.errors               a declaration used wrongly at run time
    │   └── FieldValueError     labctl.errors               a value does not fit a field
    ├── StorageError            labctl.storage.sqlite       the database is locked, read-only, full
    ├── UnknownParticipant      labctl.engine.core          no participant has this code
    ├── SharedDataError         labctl.engine.shared_data   a shared-data change can never apply
    ├── LiveRefused             labctl.engine.live          a live message cannot be run
    ├── UnknownSeat             labctl.engine.rooms         a label that is not one of the seats
    ├── SessionFull             labctl.engine.rooms         every participant already has a seat
    ├── BotCheckFailed          labctl.bots.api             an ``expect`` in a bot did not hold
    └── BotFailure              labctl.bots.runner          a bot could not finish
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class LabctlError(Exception):
    """Base of every error labctl reports to a researcher."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ({self.hint})" if self.hint else message


class ProjectError(LabctlError):
    """The project folder cannot be used at all."""


@dataclass(frozen=True)
class SourceLocation:
    """A place in a researcher's file, for messages a researcher can act on."""

    file: Path
    line: int | None = None

    def display(self, root: Path | None = None) -> str:
        path = self.file
        if root is not None:
            try:
                path = self.file.resolve().relative_to(root.resolve())
            except ValueError:
                path = self.file
        return f"{path}:{self.line}" if self.line else str(path)


class ResearcherCodeError(LabctlError):
    """The researcher's own code failed; reported at their file and line, not ours."""

    def __init__(self, message: str, location: SourceLocation, hint: str = "") -> None:
        super().__init__(message, hint)
        self.location = location

    def __str__(self) -> str:
        return f"{self.location.display()}: {super().__str__()}"


class ValidationFailed(LabctlError):
    """Raised when a project has problems; ``problems`` holds every one of them."""

    def __init__(self, problems: list) -> None:
        count = len(problems)
        super().__init__(
            f"the project has {count} problem{'s' if count != 1 else ''}",
            "run `labctl validate` to see each with its file, line and fix",
        )
        self.problems = problems


class ScaffoldError(LabctlError):
    """new-project or new-app refused to write."""


class ModelError(LabctlError):
    """A declaration of the experiment model is used in a way it does not allow."""


class FieldValueError(ModelError):
    """A value does not fit a field; ``message`` is what the participant is shown."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name
        self.message = message
