"""Leaving with the data: a session type's exit URL and each participant's completion code.

Online studies end somewhere else: a recruitment platform's completion link (Prolific), a code
the participant pastes back (MTurk-style), a credit-granting URL (SONA), or a survey tool that
goes on (Qualtrics, LimeSurvey). A session type says where::

    SessionType(..., exit_url="https://survey.example/?pid={label}&code={completion_code}")

The placeholders are ``{label}`` (the participant label, e.g. the platform's id passed in the
room link), ``{participant_code}``, ``{session_code}``, ``{completion_code}`` and any key of
``participant.vars`` (a treatment an app chose). Each value is URL-encoded. Every participant
gets a completion code of their own when the session is created (stored and exported), unless
the session type gives one code for everyone (``completion_code="C1A2B3"``, as Prolific's study
code is).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import LabctlError

__all__ = ["BUILT_IN_NAMES", "completion_code", "exit_url", "exit_url_problem", "names_in"]

#: the placeholders every exit URL may use; any other name is looked up in participant.vars
BUILT_IN_NAMES = ("label", "participant_code", "session_code", "completion_code")

#: letters and digits a participant cannot misread when typing a code (no 0/O, 1/I/L)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: characters in a completion code: 31^10, about 50 bits, not guessable from another's code
CODE_LENGTH = 10


def completion_code() -> str:
    """A new participant completion code, easy to type back into a platform."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def names_in(template: str) -> list[str]:
    """The placeholder names of an exit URL, in order; raises ``ValueError`` for a malformed
    one (an unclosed brace, a format spec, an attribute or index)."""
    names = []
    for _text, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}} is not a plain name")
        names.append(name)
    return names


def exit_url_problem(template: object) -> str | None:
    """What is wrong with an exit URL as declared, or ``None``."""
    if not isinstance(template, str):
        return f"exit_url must be text, not {type(template).__name__}"
    if urlsplit(template).scheme not in ("http", "https"):
        return "exit_url must start with https:// (or http://)"
    try:
        names_in(template)
    except ValueError as exc:
        return f"exit_url has a placeholder that cannot be filled: {exc}"
    return None


def exit_url(template: str, builtins: Mapping[str, Any], participant_vars: Mapping[str, Any],
             session_type: str) -> str:
    """The exit URL for one participant, every value URL-encoded. A name that is neither
    built in nor in the participant's vars is refused by name: sending a participant on with
    an empty id would lose their data on the platform's side."""
    values: dict[str, str] = {}
    for name in names_in(template):
        if name in BUILT_IN_NAMES:
            value = builtins.get(name)
        elif name in participant_vars:
            value = participant_vars[name]
        else:
            raise LabctlError(
                f"exit_url of session type '{session_type}' uses {{{name}}}, which is not "
                "set for this participant",
                f"set participant.vars['{name}'] in the session's apps, or use one of "
                + ", ".join("{" + built + "}" for built in BUILT_IN_NAMES))
        values[name] = quote("" if value is None else str(value), safe="")
    return template.format_map(values)
