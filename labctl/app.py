"""Apps: what a researcher declares in an app folder's ``__init__.py``.

    app = labctl.App(players_per_group=2, num_rounds=1, roles=["trustor", "trustee"])

    class Player(labctl.Player): ...
    class Group(labctl.Group): ...

    def creating_session(subsession): ...      # optional: treatments and matching

    page_sequence = [Send, WaitForTrustor, SendBack, ResultsWait, Results]

``AppSpec`` is the loaded form of that module, built by the project loader.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema

from .declarations import declaration_site
from .pages import Page, WaitPage, form_model_kind
from .records import KINDS, Group, Player, Record, Subsession

__all__ = ["APP_NAME_PATTERN", "FIELD_HOOKS", "MATCHINGS", "SHARED_STORES", "SHARED_TEMPLATES",
           "App", "AppSpec", "shared_template", "template_home"]

#: oTree's module-level field hooks, ``<field>_<suffix>``: ``def age_max(player):`` sets the
#: field's bound for that player (``choices``, ``min``, ``max``), and
#: ``def age_error_message(player, value):`` returns a message for a refused value
FIELD_HOOKS = ("choices", "min", "max", "error_message")

#: what an app (and so its folder) may be called: a Python package name, capitals allowed as
#: oTree allows them (``exit_survey_CB``), so an imported app keeps the name its data and
#: analysis scripts use; two names that differ only in case are refused (LC260: one SQLite
#: table name, one export file name on a case-insensitive disk)
APP_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

#: the shared stores an app may declare a schema for (see ``labctl.engine.shared_data``)
SHARED_STORES = ("group", "study", "batch")

#: how groups are formed in each round
MATCHINGS = {
    "fixed": "the same groups every round, in participant order",
    "random": "new random groups every round",
}


class Constants:
    """An optional base for an app's ``class C`` (oTree's ``BaseConstants``, which the import
    makes this): ``vars(C)`` then holds only the constants and ``__module__``/``__doc__``, as
    in oTree, so a page can send ``dict(vars(C))`` to its script (a plain class also carries
    Python's ``__dict__`` and ``__weakref__`` descriptors, which are no values)."""


@dataclass
class App:
    """An app's settings: group size, rounds, roles and matching."""

    #: defaults to the app folder's name; if given it must be that name
    name: str | None = None
    #: ``None`` puts every participant of the session in one group
    players_per_group: int | None = None
    num_rounds: int = 1
    #: one role name per position in the group (``id_in_group`` 1, 2, ...)
    roles: list[str] = field(default_factory=list)
    matching: str = "fixed"
    doc: str = ""
    #: what labctl does for a participant who is gone, on this app's pages
    #: (``labctl.Dropout``); None: the session type's policy, if any
    dropout: Any = None
    #: what participants' pages may write to each shared store while they play this app: a
    #: JSON Schema per store name (``"group"``, ``"study"``, ``"batch"``), e.g.
    #: ``{"group": {"type": "object", "properties": {...}}}``. A write from a page whose
    #: resulting document does not match is refused; the app's own writes are not checked.
    shared_schemas: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.defined_at: tuple[str, int] = declaration_site()


#: the project folder of templates shared by every app (oTree's ``_templates/global``)
SHARED_TEMPLATES = "_templates"


def shared_template(app_folder: Path, name: str) -> Path | None:
    """The file a template name means outside its app's own folder: ``_templates/<file>`` in
    the project, ``<app>/<file>`` of an app of the project (one with an ``__init__.py``: the
    app's own too, as oTree names templates from the project folder, e.g. a computed
    ``f"{__name__}/Decide.html"``), or oTree's ``global/Page.html``, a file of
    ``_templates/``. ``None`` for a name in the app's own folder, which wins when both exist."""
    first, _, rest = name.partition("/")
    if not rest or (app_folder / name).is_file():
        return None
    root = app_folder.parent
    if first == SHARED_TEMPLATES or (root / first / "__init__.py").is_file():
        return root / first / rest
    if (root / SHARED_TEMPLATES / name).is_file():
        return root / SHARED_TEMPLATES / name
    return None


def template_home(app_folder: Path, name: str) -> Path:
    """The folder a template name may not leave: the app's own, or the shared or app folder
    that ``shared_template`` resolves it to."""
    found = shared_template(app_folder, name)
    if found is None:
        return app_folder
    root, first = app_folder.parent, name.partition("/")[0]
    return root / first if first == SHARED_TEMPLATES or (root / first / "__init__.py"
                                                          ).is_file() else root / SHARED_TEMPLATES


@dataclass
class AppSpec:
    """An app as loaded from its folder: settings, model classes, pages and hooks."""

    name: str
    folder: Path
    module: ModuleType
    settings: App
    player_class: type[Player]
    group_class: type[Group]
    subsession_class: type[Subsession]
    page_sequence: list[type[Page] | type[WaitPage]]
    creating_session: Callable[[Subsession], Any] | None = None
    #: oTree's ``group_by_arrival_time_method(subsession, waiting_players)``: who is grouped
    #: now at the arrival page (``engine.arrival``); ``None`` groups in arrival order
    group_by_arrival_time_method: Callable[[Subsession, list[Any]], Any] | None = None
    _shared_validators: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def num_rounds(self) -> int:
        return self.settings.num_rounds

    @property
    def players_per_group(self) -> int | None:
        return self.settings.players_per_group

    @property
    def init_file(self) -> Path:
        return self.folder / "__init__.py"

    def template_path(self, page: type[Page]) -> Path:
        """Where a page's template lives: the app folder, ``<PageClass>.html`` by default;
        ``template_name = "other_app/Page.html"`` or ``"_templates/Consent.html"`` reuses a
        template of another app or of the project's shared folder (``shared_template``)."""
        return shared_template(self.folder, page.template_file()) or (
            self.folder / page.template_file())

    def record_class(self, kind: str) -> type[Record]:
        """The app's model class of a record kind (one of ``KINDS``)."""
        classes: dict[str, type[Record]] = {"player": self.player_class,
                                            "group": self.group_class,
                                            "subsession": self.subsession_class}
        return classes[kind]

    def record_classes(self) -> list[tuple[str, type[Record]]]:
        """Each record kind with the app's model class for it, in the order of ``KINDS``."""
        return [(kind, self.record_class(kind)) for kind in KINDS]

    def model_class(self, form_model: object) -> type[Record] | None:
        """The model class a form with this ``form_model`` writes to; ``None`` when it names
        no record a form can write to."""
        kind = form_model_kind(form_model)
        return self.record_class(kind) if kind is not None else None

    def shared_problem(self, scope: str, doc: Any) -> str | None:
        """Why ``doc`` may not be written to ``scope`` from a participant's page, or ``None``.

        The app's schema for the store (``App(shared_schemas=...)``), compiled once; a store
        without a schema accepts any JSON.
        """
        schema = self.settings.shared_schemas.get(scope) if isinstance(
            self.settings.shared_schemas, dict) else None
        if schema is None:
            return None
        validator = self._shared_validators.get(scope)
        if validator is None:
            validator = jsonschema.validators.validator_for(schema)(schema)
            self._shared_validators[scope] = validator
        error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
        if error is None:
            return None
        where = "/" + "/".join(str(part) for part in error.absolute_path)
        return f"at {where}: {error.message}"

    @cached_property
    def wait_templates(self) -> dict[type[WaitPage], str]:
        """The wait pages that have a template of their own, with its file name: looked up
        once, so that a wait page costs no file check per request."""
        return {page: page.wait_template_file() for page in self.page_sequence
                if isinstance(page, type) and issubclass(page, WaitPage)
                and (self.folder / page.wait_template_file()).is_file()}

    @cached_property
    def field_hooks(self) -> dict[str, dict[str, Callable[..., Any]]]:
        """The module's field hooks by field name and suffix (``{"age": {"max": age_max}}``):
        found once per app, so that a form without hooks costs no lookup per request."""
        names = {name for _kind, model in self.record_classes() for name in model.declared_fields()}
        found: dict[str, dict[str, Callable[..., Any]]] = {}
        for name in names:
            for suffix in FIELD_HOOKS:
                hook = getattr(self.module, f"{name}_{suffix}", None)
                if isinstance(hook, types.FunctionType):
                    found.setdefault(name, {})[suffix] = hook
        return found

    def constants(self) -> Any:
        """The module's ``C`` class of constants, if it declares one (offered to templates)."""
        return getattr(self.module, "C", None)
