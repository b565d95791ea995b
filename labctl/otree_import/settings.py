"""oTree's ``settings.py``, read as text where it can be, and labctl's ``sessions.py``.

``settings.py`` is read as a syntax tree: literals, ``dict(...)``, ``{**DEFAULTS, ...}`` and
names assigned earlier in the file are evaluated; anything else (``environ.get(...)``, a
helper function, a later ``.append``) is unknown. Only when a setting the import needs is
unknown is the file run, as oTree runs it (``settings_run``); what that cannot give either is
listed at its line. Amounts
become minor units: ``participation_fee=5.00`` in USD is ``fixed_pay=500``;
``real_world_currency_per_point=0.01`` becomes ``money_per_point="1"`` (minor units per point).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import LabctlError
from ..i18n.languages import LANGUAGE_PATTERN
from ..money import MINOR_UNITS
from .participant_values import Unit
from .report import CHANGE_MARK, MANUAL_MARK, Item
from .settings_run import run_settings

__all__ = ["Settings", "read_settings", "sessions_source"]

#: session config keys that are SessionType arguments (the rest become ``params``)
CONFIG_KEYS = frozenset({"name", "display_name", "app_sequence", "num_demo_participants",
                         "participation_fee", "real_world_currency_per_point", "doc"})


#: a valid session type name (LC111)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class _Unknown:
    """A value the importer cannot know without running ``settings.py``."""

    def __init__(self, line: int) -> None:
        self.line = line


@dataclass
class Settings:
    """What labctl needs from ``settings.py``."""

    configs: list[dict[str, Any]]
    currency: str = "USD"
    use_points: bool = True
    rooms: list[dict[str, Any]] = field(default_factory=list)
    participant_fields: list[str] = field(default_factory=list)
    session_fields: list[str] = field(default_factory=list)
    language: str | None = None
    #: other settings a researcher may have relied on: name -> line
    other: dict[str, int] = field(default_factory=dict)
    #: lines where a needed value could not be read
    unknown: list[Item] = field(default_factory=list)
    #: settings read by running settings.py (their text alone did not give them)
    ran_for: list[str] = field(default_factory=list)
    #: ``REAL_WORLD_CURRENCY_CODE`` as written, when it is not the ISO code used (``Rp``)
    currency_written: str | None = None

    @property
    def scale(self) -> int:
        """Minor units per unit of the currency (100 for USD)."""
        return 10 ** MINOR_UNITS.get(self.currency, 2)

    def config_units(self) -> dict[str, Unit]:
        """``"number"`` for each session config key whose values are all plain numbers
        (``Questionnaire_payoff=5``): where app code makes one an amount, oTree read it in
        units of the currency."""
        units: dict[str, Unit] = {}
        for config in self.configs:
            for key, value in config.items():
                number = isinstance(value, int | float) and not isinstance(value, bool)
                unit: Unit = "number" if number else "unknown"
                units[key] = unit if units.get(key, unit) == unit else "unknown"
        return units


#: settings the import uses or that need nothing in labctl
_READ = frozenset({"SESSION_CONFIGS", "SESSION_CONFIG_DEFAULTS", "REAL_WORLD_CURRENCY_CODE",
                   "USE_POINTS", "ROOMS", "PARTICIPANT_FIELDS", "SESSION_FIELDS",
                   "LANGUAGE_CODE", "ADMIN_USERNAME", "ADMIN_PASSWORD", "SECRET_KEY",
                   "INSTALLED_APPS", "DEMO_PAGE_INTRO_HTML", "DEMO_PAGE_TITLE", "OTREE_PRODUCTION",
                   "AUTH_LEVEL", "DEBUG", "BOTS_CHECK_HTML"})


def read_settings(path: Path) -> Settings:
    """The settings of an oTree project; ``LabctlError`` when there are none to read."""
    if not path.is_file():
        raise LabctlError(f"{path} does not exist: an oTree project has a settings.py next "
                          "to its app folders; give that folder as OTREE_PROJECT_DIR")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise LabctlError(f"{path} is not readable Python ({exc}): fix it in oTree first") \
            from exc
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            name = statement.targets[0].id
            values[name] = _evaluate(statement.value, values)
            lines[name] = statement.lineno
    for name, line in _changed_elsewhere(tree).items():
        values[name] = _Unknown(line)
        lines.setdefault(name, line)
    needed = [name for name in NEEDED if _contains_unknown(values.get(name))]
    if not needed:
        return _settings(values, lines)
    run = run_settings(path, needed)
    values.update(run.values)
    settings = _settings(values, lines, run.error)
    settings.ran_for = [name for name in needed if name in run.values]
    return settings


#: the settings the import reads
NEEDED = ("SESSION_CONFIGS", "SESSION_CONFIG_DEFAULTS", "REAL_WORLD_CURRENCY_CODE",
          "USE_POINTS", "ROOMS", "PARTICIPANT_FIELDS", "SESSION_FIELDS", "LANGUAGE_CODE")


def _changed_elsewhere(tree: ast.Module) -> dict[str, int]:
    """Needed settings that a statement other than a plain top-level assignment may set or
    change (``SESSION_CONFIGS.append(...)``, ``+=``, a loop over the configs, an assignment
    inside an ``if``, a function's ``global``): reading only the assignments could give a
    wrong value, so they count as unknown and the file is run."""
    changed: dict[str, int] = {}
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            continue
        defines = isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(statement):
            names: list[str] = []
            if isinstance(node, ast.Global):
                names = node.names
            elif isinstance(node, ast.Name) and (
                    not defines or isinstance(node.ctx, ast.Store | ast.Del)):
                names = [node.id]
            elif (defines and isinstance(node, ast.Attribute | ast.Subscript)
                  and isinstance(node.value, ast.Name)):
                names = [node.value.id]  # SESSION_CONFIGS.append(...) in a helper
            for name in names:
                if name in NEEDED:
                    changed.setdefault(name, statement.lineno)
    return changed


def _settings(values: dict[str, Any], lines: dict[str, int],
              run_error: str | None = None) -> Settings:
    unknown: list[Item] = []
    why = (f"running settings.py failed: {run_error}" if run_error
           else "running settings.py did not give a value labctl can read")

    def known(name: str, default: Any) -> Any:
        value = values.get(name, default)
        if _contains_unknown(value):
            unknown.append(Item("settings.py", lines[name], f"{name} could not be read "
                                f"({why}): set it by hand"))
            return default
        return value

    defaults = known("SESSION_CONFIG_DEFAULTS", {})
    configs = [{**defaults, **config} if isinstance(config, dict) else config
               for config in known("SESSION_CONFIGS", [])]
    written = known("REAL_WORLD_CURRENCY_CODE", "USD")
    currency = iso_currency(written)
    settings = Settings(
        configs=[config for config in configs if isinstance(config, dict)],
        currency=currency,
        currency_written=None if currency == written else str(written),
        use_points=bool(known("USE_POINTS", True)),
        rooms=[room for room in known("ROOMS", []) if isinstance(room, dict)],
        participant_fields=list(known("PARTICIPANT_FIELDS", [])),
        session_fields=list(known("SESSION_FIELDS", [])),
        language=known("LANGUAGE_CODE", None),
        other={name: line for name, line in lines.items()
               if name.isupper() and name not in _READ},
        unknown=unknown,
    )
    return settings


#: currency names and symbols oTree accepted as REAL_WORLD_CURRENCY_CODE that stand for one
#: ISO 4217 code only ("$" and "¥" stand for several and are left to the researcher)
CURRENCY_ALIASES = {"RP": "IDR", "RMB": "CNY", "NTD": "TWD", "NT$": "TWD", "€": "EUR",
                    "£": "GBP", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB", "₴": "UAH",
                    "ZŁ": "PLN", "KČ": "CZK", "₪": "ILS"}


def iso_currency(written: Any) -> Any:
    """oTree's currency code as labctl's ISO 4217 code: ``eur`` -> ``EUR``, ``Rp`` -> ``IDR``;
    anything else as written (``labctl validate`` then names it, LC116)."""
    if not isinstance(written, str):
        return written
    spelled = written.strip().upper()
    if spelled in MINOR_UNITS:
        return spelled
    return CURRENCY_ALIASES.get(spelled, written)


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, _Unknown):
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(item) for item in value)
    return False


def _evaluate(node: ast.expr, names: dict[str, Any]) -> Any:
    """A literal, ``dict(...)``, ``[...]``, ``{**x, ...}`` or an earlier name; else unknown."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_evaluate(item, names) for item in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _evaluate(node.operand, names)
        return -value if isinstance(value, int | float) else _Unknown(node.lineno)
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                spread = _evaluate(value, names)
                if not isinstance(spread, dict):
                    return _Unknown(node.lineno)
                result.update(spread)
            else:
                result[_evaluate(key, names)] = _evaluate(value, names)
        return result
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "dict" and not node.args):
        result = {}
        for keyword in node.keywords:
            value = _evaluate(keyword.value, names)
            if keyword.arg is None:
                if not isinstance(value, dict):
                    return _Unknown(node.lineno)
                result.update(value)
            else:
                result[keyword.arg] = value
        return result
    return _Unknown(getattr(node, "lineno", 0))


# -- sessions.py -----------------------------------------------------------------------------

#: what of oTree's ``settings`` an app may read once imported: these names of sessions.py
READ_SETTINGS = frozenset({"DEBUG", "LANGUAGE_CODE", "PARTICIPANT_FIELDS", "SESSION_FIELDS"})


def sessions_source(settings: Settings, read_by_apps: bool = False,
                    project: Path | None = None) -> str:
    """The text of labctl's ``sessions.py``; what it cannot carry over is written under a
    ``MANUAL_MARK`` comment, which the report lists. ``read_by_apps``: apps import oTree's
    ``settings`` (the import makes that ``sessions``), so it holds what they read of it.
    ``project``: the oTree project, where a room's labels file is looked for."""
    out = ['"""Session types imported from oTree\'s settings.py by `labctl import otree`."""',
           "", *(["import os", ""] if read_by_apps else []),
           "from labctl import Room, SessionType", "", "SESSION_TYPES = ["]
    taken = {config.get("name") for config in settings.configs
             if isinstance(config.get("name"), str) and _NAME.fullmatch(config["name"])}
    for config in settings.configs:
        out += _session_type(config, settings, taken)
    out.append("]")
    if settings.rooms:
        out += ["", "ROOMS = ["]
        rooms = {room.get("name") for room in settings.rooms
                 if isinstance(room.get("name"), str) and _NAME.fullmatch(room["name"])}
        for room in settings.rooms:
            name = room.get("name")
            if isinstance(name, str) and not _NAME.fullmatch(name):
                spelled = session_type_name(name, rooms, before_digit="room_")
                out.append(f"    {CHANGE_MARK}the room {name!r} is {spelled!r} (its URL is "
                           f"/room/{spelled}): labctl's room names are lowercase letters, "
                           "digits and _, starting with a letter")
                rooms.add(spelled)
                name = spelled
            arguments = {"name": name, "display_name": room.get("display_name")}
            spelled = "Room(" + ", ".join(f"{key}={value!r}" for key, value
                                          in arguments.items() if value is not None)
            labels = room.get("participant_label_file")
            if labels and project is not None and not (project / str(labels)).is_file():
                out += [f"    {MANUAL_MARK}room {name!r}: its labels file {labels!r} is not in "
                        "the project (oTree stopped only when the room was opened); a labctl "
                        "room is a list of seats: add the file, one label per line",
                        f"    # {spelled}, labels_file={labels!r}),"]
            elif labels:
                out.append(f"    {spelled}, labels_file={labels!r}),")
            else:  # labctl's rooms are seats: one without labels cannot be declared
                out += [f"    {MANUAL_MARK}room {room.get('name')!r} has no participant "
                        "labels; a labctl room is a list of seats: add labels=[...] or "
                        "labels_file=...", f"    # {spelled}),"]
        out.append("]")
    language = labctl_language(settings.language)
    if language and language != "en":
        out += ["", "# oTree's LANGUAGE_CODE: every session type's participants read this language",
                f"LANGUAGE = {language!r}"]
    for name, owner, declared in (
            ("PARTICIPANT_FIELDS", "participant", settings.participant_fields),
            ("SESSION_FIELDS", "session", settings.session_fields)):
        renamed = [declared_name(owner, field) for field in declared]
        if not declared and not read_by_apps:
            continue
        out.append("")
        if renamed != declared:
            changes = ", ".join(f"'{old}' is '{new}'" for old, new
                                in zip(declared, renamed, strict=True) if old != new)
            out.append(f"{CHANGE_MARK}{changes}, in every app too: labctl's {owner} has an "
                       "attribute of that name")
        out.append(f"{name} = {renamed!r}")
    if read_by_apps:
        out += ["", "# oTree's settings the apps read (`from otree import settings`): DEBUG as "
                "oTree decides it,", "# from the environment variable OTREE_PRODUCTION",
                'DEBUG = os.environ.get("OTREE_PRODUCTION") in (None, "", "0")',
                f"LANGUAGE_CODE = {settings.language or 'en'!r}"]
    return "\n".join(out) + "\n"


def _session_type(config: dict[str, Any], settings: Settings, taken: set[str]) -> list[str]:
    """One ``SessionType(...)``, a line per argument; ``taken``: the names already used."""
    marks: list[str] = []
    changes: list[str] = []
    name = config.get("name")
    if isinstance(name, str) and not _NAME.fullmatch(name):
        spelled = session_type_name(name, taken)
        changes.append(f"the name {name!r} is {spelled!r}: labctl's session type names are "
                       "lowercase letters, digits and _, starting with a letter "
                       "(labctl run NAME)")
        name = spelled
    if isinstance(name, str):
        taken.add(name)
    arguments: dict[str, Any] = {"name": name,
                                 "display_name": config.get("display_name"),
                                 "app_sequence": list(config.get("app_sequence", []))}
    if config.get("num_demo_participants") is not None:
        arguments["num_participants"] = config["num_demo_participants"]
    fee = Decimal(str(config.get("participation_fee", 0) or 0)) * settings.scale
    if fee == fee.to_integral_value():
        arguments["fixed_pay"] = int(fee)
    else:
        marks.append(f"participation_fee {config.get('participation_fee')} is not a whole "
                     f"number of minor units of {settings.currency}: set fixed_pay")
    arguments["currency"] = settings.currency
    if settings.currency_written is not None:
        changes.append(f"REAL_WORLD_CURRENCY_CODE {settings.currency_written!r} is "
                       f"{settings.currency!r}, its ISO 4217 code")
    if settings.use_points:
        rate = Decimal(str(config.get("real_world_currency_per_point", 1))) * settings.scale
        arguments["money_per_point"] = _decimal_text(rate)
        if rate < 0:
            marks.append("real_world_currency_per_point is negative, which labctl refuses: "
                         "set money_per_point, the minor units paid per point")
    if config.get("doc"):
        arguments["doc"] = str(config["doc"]).strip()
    params = {key: value for key, value in config.items() if key not in CONFIG_KEYS}
    if not settings.use_points and "real_world_currency_per_point" in config:
        # without points labctl has no rate, yet apps read it (payoff = score * rate):
        # session.config gives it as oTree did
        params["real_world_currency_per_point"] = config["real_world_currency_per_point"]
    if params:
        arguments["params"] = params
    lines = [f"    {MANUAL_MARK}{mark}" for mark in marks]
    lines += [f"    {CHANGE_MARK}{change}" for change in changes]
    lines.append("    SessionType(")
    lines += [f"        {key}={value!r}," for key, value in arguments.items()
              if value is not None]
    lines.append("    ),")
    return lines


#: attributes labctl's participant and session have and oTree's do not: a PARTICIPANT_FIELDS
#: or SESSION_FIELDS entry of that name is renamed on import (``params`` -> ``params_``)
LABCTL_ATTRIBUTES = {"participant": frozenset({"id", "settle_payoff"}),
                     "session": frozenset({"session_type", "params", "currency", "fixed_pay"})}


def declared_name(owner: str, name: str) -> str:
    """The name of a declared participant or session field in labctl."""
    return f"{name}_" if name in LABCTL_ATTRIBUTES[owner] else name


def session_type_name(name: str, taken: Collection[str], before_digit: str = "session_") -> str:
    """A valid session type name for oTree's ``name``: lowercased, other characters as ``_``,
    ``session_`` before a leading digit (oTree accepts ``2_Memory_3``, a labctl name starts
    with a letter), and a number after it if another config already has that name."""
    spelled = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if not spelled[:1].isalpha():
        spelled = before_digit + spelled.lstrip("_")
    unique, count = spelled, 2
    while unique in taken:
        unique, count = f"{spelled}_{count}", count + 1
    return unique


def labctl_language(code: Any) -> str | None:
    """oTree's ``LANGUAGE_CODE`` (``de``, ``zh-hans``, ``pt-br``) as labctl writes a language
    (``de``, ``zh_Hans``, ``pt_BR``); None when it is not a language code."""
    if not isinstance(code, str) or not code:
        return None
    language, _, region = code.replace("-", "_").partition("_")
    region = region.title() if len(region) == 4 else region.upper()
    spelled = f"{language.lower()}_{region}" if region else language.lower()
    return spelled if LANGUAGE_PATTERN.fullmatch(spelled) else None


def _decimal_text(value: Decimal) -> str:
    """``Decimal("100.00")`` -> ``"100"``; ``Decimal("0.50")`` -> ``"0.5"``."""
    text = format(value.normalize(), "f")
    return text
