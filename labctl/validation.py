"""The rules of ``labctl validate``: every mistake in a project, found at once.

Each rule has a stable code (``LC1xx``), reports the researcher's file and line, says what is
wrong and how to fix it. Codes by area:

    LC10x  loading: syntax errors, exceptions on import, SESSION_TYPES
    LC11x  session types: names, app_sequence, pay, participants, currency, params
    LC12x  apps: names, rounds, group size, roles, matching, model classes, hooks
    LC13x  pages: page_sequence, form fields, templates, timeouts, wait pages
    LC14x  fields: bounds, choices, names, initial values, widgets
    LC15x  rooms: names, seat labels
    LC16x  session types: locale
    LC17x  templates: oTree tags, include targets, names, money (``template_checks``)
    LC215-219  static files and page scripts (``asset_checks``)
    LC240-249  the lab day: payment rounding, the consent page, dropout (``labday_checks``)
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from typing import Any, TypeGuard

import jinja2
import jsonschema

from . import (
    app_name_checks,
    asset_checks,
    data_checks,
    hook_checks,
    hook_signatures,
    labday_checks,
    live_checks,
    otree_hints,
    recipe_checks,
    template_checks,
    translation_checks,
    vars_codec,
    wait_live_checks,
)
from .app import APP_NAME_PATTERN, MATCHINGS, SHARED_STORES, AppSpec, template_home
from .errors import FieldValueError, ModelError
from .fields import Field
from .i18n.languages import is_language
from .money import MINOR_UNITS, is_currency, parse_rate
from .otree_templates import translate, untranslated
from .pages import Page, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project
from .records import BUILTIN_COLUMNS, Group, Player, Record, Subsession
from .room import Room
from .session_type import COMMA_LANGUAGES, POINT_LANGUAGES, SessionType, decimal_mark_of
from .template_filters import OTREE_FILTERS

__all__ = ["RESERVED_APP_NAMES", "validate_project"]

#: app names that would clash with labctl's own URLs, tables or CLI words
RESERVED_APP_NAMES = frozenset({
    "admin", "api", "app", "batch", "export", "group", "labctl", "p", "participant", "player",
    "room", "rooms", "session", "sessions", "static", "subsession", "test", "tests", "ws",
})
SESSION_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
SEAT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def validate_project(project: Project) -> list[Problem]:
    """Every problem in the project, sorted by file and line (an app listed twice in a session
    type is checked once: its second listing is the same code, ``Project.repeated_apps``)."""
    project = project.folder_apps_only()
    problems = list(project.load_problems)
    problems += _session_type_problems(project)
    problems += _room_problems(project)
    problems += template_checks.problems(project)
    problems += otree_hints.problems(project.root)
    problems += hook_checks.problems(project)
    problems += hook_signatures.problems(project)
    problems += live_checks.problems(project)
    problems += wait_live_checks.problems(project)
    problems += asset_checks.problems(project)
    problems += data_checks.problems(project)
    problems += translation_checks.problems(project)
    problems += recipe_checks.problems(project)
    problems += labday_checks.problems(project)
    problems += app_name_checks.problems(project)
    for spec in project.apps.values():
        problems += _app_problems(spec)
        problems += _page_problems(spec)
        for kind, model in spec.record_classes():
            problems += _field_problems(kind, model, spec.field_hooks)
    return sorted(set(problems), key=Problem.sort_key)


# -- session types ---------------------------------------------------------------------------

def _session_type_problems(project: Project) -> list[Problem]:
    found: list[Problem] = []
    seen: dict[str, SessionType] = {}
    for st in project.session_types:
        where = st.defined_at
        if isinstance(st.name, str) and st.name in seen:
            found.append(Problem.at(
                "LC110", where, f"session type name '{st.name}' is used twice",
                f"rename one of them; the first is at line {seen[st.name].defined_at[1]}"))
        elif isinstance(st.name, str):
            seen[st.name] = st
        if not isinstance(st.name, str) or not SESSION_NAME_PATTERN.fullmatch(st.name):
            found.append(Problem.at(
                "LC111", where, f"session type name {st.name!r} is not a valid name",
                "use lowercase letters, digits and _, starting with a letter"))
        if st.batch is not None and (not isinstance(st.batch, str)
                                     or not SESSION_NAME_PATTERN.fullmatch(st.batch)):
            found.append(Problem.at(
                "LC111", where, f"batch name {st.batch!r} is not a valid name",
                "use lowercase letters, digits and _, starting with a letter"))
        found += _app_sequence_problems(project, st)
        found += _pay_problems(st)
        found += _participant_count_problems(project, st)
        found += _params_problems(st)
        found += _locale_problems(st)
    return found


def _locale_problems(st: SessionType) -> list[Problem]:
    """An unknown locale would leave the decimal mark of every amount input undecided."""
    if st.locale == "" and isinstance(st.language, str):  # numbers follow the language
        if not is_language(st.language) or decimal_mark_of(st.number_locale) is not None:
            return []
        return [Problem.at("LC160", st.defined_at, f"language={st.language!r} of '{st.name}' "
                           "has no decimal mark labctl knows",
                           "add locale='en' (a point) or locale='de' (a comma) for its "
                           "numbers")]
    if decimal_mark_of(st.number_locale) is not None:
        return []
    known = sorted(COMMA_LANGUAGES | POINT_LANGUAGES)
    close = _close_locale(str(st.locale))
    hint = f"did you mean '{close}'? " if close else ""
    return [Problem.at("LC160", st.defined_at, f"locale={st.locale!r} of '{st.name}' is not a "
                       "locale labctl knows the decimal mark of",
                       hint + "write a language code, with a region where its numbers differ: "
                       "'en', 'de', 'de_CH'; known languages: " + ", ".join(known))]


def _app_sequence_problems(project: Project, st: SessionType) -> list[Problem]:
    where = st.defined_at
    if not isinstance(st.app_sequence, (list, tuple)):
        return [Problem.at("LC115", where, f"app_sequence of session type '{st.name}' is not a "
                           "list", "list the apps to play in order, e.g. app_sequence=['trust']")]
    if not st.app_sequence:
        return [Problem.at("LC115", where, f"session type '{st.name}' has an empty app_sequence",
                           "list the apps to play in order, e.g. app_sequence=['trust']")]
    found: list[Problem] = []
    for position, name in enumerate(st.app_sequence):
        if not isinstance(name, str):
            found.append(Problem.at("LC115", where, f"app_sequence holds {name!r}, not an "
                                    "app name", "write app names as strings"))
            continue
        if name in st.app_sequence[:position]:
            found.append(Problem.at(
                "LC119", where, f"app '{name}' appears twice in the app_sequence of "
                f"'{st.name}', and its second listing cannot play as '{name}_2', which is "
                "an app folder of its own", f"rename the app folder '{name}_2'"))
        if name in project.repeated_apps:
            continue
        if not APP_NAME_PATTERN.fullmatch(name) or not (
                project.root / name / "__init__.py").is_file():
            close = difflib.get_close_matches(name, _app_folder_names(project), n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"create it with `labctl new-app {name}`")
            found.append(Problem.at(
                "LC112", where, f"app '{name}' in the app_sequence of '{st.name}' does not "
                "exist", hint))
    return found


def _app_folder_names(project: Project) -> list[str]:
    return sorted(p.parent.name for p in project.root.glob("*/__init__.py"))


def _close_locale(written: str) -> str | None:
    """``de_DE`` for ``de_de``, ``de`` for ``deu`` or ``Deutsch``: a likely meant locale."""
    language, _, region = written.replace("-", "_").partition("_")
    fixed = f"{language.lower()}_{region.upper()}" if region else language.lower()
    if decimal_mark_of(fixed) is not None:
        return fixed
    return written[:2].lower() if decimal_mark_of(written[:2].lower()) else None


def _pay_problems(st: SessionType) -> list[Problem]:
    found: list[Problem] = []
    where = st.defined_at
    if not _is_int(st.fixed_pay) or st.fixed_pay < 0:
        found.append(Problem.at(
            "LC113", where, f"fixed_pay={st.fixed_pay!r} of '{st.name}' is not a whole, "
            "non-negative amount", "give it in minor units, e.g. fixed_pay=1000 for 10.00"))
    if not is_currency(st.currency):
        close = difflib.get_close_matches(str(st.currency).upper(), list(MINOR_UNITS), n=1)
        found.append(Problem.at(
            "LC116", where, f"currency {st.currency!r} of '{st.name}' is not a known ISO 4217 "
            "code", f"did you mean '{close[0]}'?" if close else "use a code such as 'EUR'"))
    if st.money_per_point is not None:
        try:
            parse_rate(st.money_per_point)
        except ValueError as exc:
            found.append(Problem.at(
                "LC117", where, f"money_per_point={st.money_per_point!r} of '{st.name}' is "
                f"invalid: {exc}", "e.g. money_per_point='0.5' pays half a cent per point"))
    return found


def _participant_count_problems(project: Project, st: SessionType) -> list[Problem]:
    where = st.defined_at
    count = st.num_participants
    if count is None:
        return []
    if not _is_int(count) or count < 1:
        return [Problem.at("LC114", where, f"num_participants={count!r} of '{st.name}' is not "
                           "a positive whole number", "e.g. num_participants=20")]
    found: list[Problem] = []
    for name in st.app_sequence if isinstance(st.app_sequence, (list, tuple)) else []:
        spec = project.apps.get(name) if isinstance(name, str) else None
        size = spec.players_per_group if spec else None
        if _is_int(size) and size > 0 and count % size:
            found.append(Problem.at(
                "LC114", where, f"{count} participants of '{st.name}' do not divide into "
                f"groups of {size} in app '{name}'",
                f"use a multiple of {size}, e.g. {count + size - count % size}"))
    return found


def _non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value`` (a typo as a treatment)."""
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(_non_finite(item) for item in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_non_finite(item) for item in value)
    return False


def _params_problems(st: SessionType) -> list[Problem]:
    if not isinstance(st.params, dict) or not all(isinstance(k, str) for k in st.params):
        return [Problem.at("LC118", st.defined_at, f"params of '{st.name}' must be a dict with "
                           "text keys", "e.g. params={'endowment': 1000}")]
    try:  # stored as vars are: a tuple, a set, a dict with number keys come back as they were
        vars_codec.encode(st.params, "session")
        if _non_finite(st.params):
            raise ValueError("a number is NaN or infinite")
    except (ModelError, TypeError, ValueError) as exc:
        detail = exc.args[0] if isinstance(exc, ModelError) else exc
        return [Problem.at("LC118", st.defined_at, f"params of '{st.name}' cannot be stored: "
                           f"{detail}", "use numbers, text, booleans, lists, tuples, sets "
                           "and dicts")]
    return []


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# -- rooms -----------------------------------------------------------------------------------

def _room_problems(project: Project) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    for room in project.rooms:
        where = room.defined_at
        if not isinstance(room.name, str) or not SESSION_NAME_PATTERN.fullmatch(room.name):
            found.append(Problem.at("LC150", where, f"room name {room.name!r} is not a valid "
                                    "name", "use lowercase letters, digits and _"))
        elif room.name in seen:
            found.append(Problem.at("LC150", where, f"room name '{room.name}' is used twice",
                                    "give each room its own name"))
        else:
            seen.add(room.name)
        found += _seat_problems(project, room)
    return found


def _seat_problems(project: Project, room: Room) -> list[Problem]:
    where = room.defined_at
    if room.labels_file and room.labels:
        return [Problem.at("LC151", where, f"room '{room.name}' gives both labels and "
                           "labels_file", "keep one of them")]
    if room.labels_file and not (project.root / str(room.labels_file)).is_file():
        return [Problem.at("LC151", where, f"labels_file {room.labels_file!r} of room "
                           f"'{room.name}' does not exist", "create it: one label per line")]
    if not room.labels_file and not isinstance(room.labels, (list, tuple)):
        return [Problem.at("LC151", where, f"labels of room '{room.name}' must be a list",
                           "e.g. labels=['PC01', 'PC02']")]
    labels = room.seat_labels(project.root)
    if not labels:
        return [Problem.at("LC151", where, f"room '{room.name}' has no seats",
                           "give labels=[...] or a labels_file with one label per line")]
    found = []
    bad = [label for label in labels if not SEAT_PATTERN.fullmatch(label)]
    if bad:
        found.append(Problem.at("LC151", where, f"seat label {bad[0]!r} of room '{room.name}' "
                                "cannot be part of a URL", "use letters, digits, - and _"))
    if len(set(labels)) != len(labels):
        found.append(Problem.at("LC151", where, f"room '{room.name}' lists a seat label twice",
                                "give each seat its own label"))
    return found


# -- apps ------------------------------------------------------------------------------------

def _app_problems(spec: AppSpec) -> list[Problem]:
    settings = spec.settings
    where = settings.defined_at
    found: list[Problem] = []
    if not APP_NAME_PATTERN.fullmatch(spec.name) or spec.name.lower() in RESERVED_APP_NAMES \
            or keyword.iskeyword(spec.name):
        found.append(Problem.at(
            "LC120", spec.init_file, f"app name '{spec.name}' is invalid or reserved",
            "rename the folder: letters, digits and _, and not one of "
            + ", ".join(sorted(RESERVED_APP_NAMES))))
    if settings.name is not None and settings.name != spec.name:
        found.append(Problem.at(
            "LC124", where, f"App(name={settings.name!r}) differs from its folder '{spec.name}'",
            "remove name= or rename the folder to match"))
    if not _is_int(settings.num_rounds) or settings.num_rounds < 1:
        found.append(Problem.at(
            "LC121", where, f"num_rounds={settings.num_rounds!r} in app '{spec.name}' must be "
            "a whole number of at least 1", "e.g. num_rounds=1"))
    size = settings.players_per_group
    if size is not None and (not _is_int(size) or size < 1):
        found.append(Problem.at(
            "LC122", where, f"players_per_group={size!r} in app '{spec.name}' must be a whole "
            "number of at least 1, or None", "e.g. players_per_group=2"))
    found += _role_problems(spec)
    found += _shared_schema_problems(spec)
    if not isinstance(settings.matching, str) or settings.matching not in MATCHINGS:
        found.append(Problem.at(
            "LC124", where, f"matching={settings.matching!r} in app '{spec.name}' is unknown",
            "use one of: " + ", ".join(MATCHINGS)
            + " (or set groups in creating_session)"))
    if spec.creating_session is not None and not callable(spec.creating_session):
        found.append(Problem.at(
            "LC126", spec.init_file, f"creating_session in app '{spec.name}' is not a function",
            "define it as `def creating_session(subsession):`"))
    return found


#: the longest role name: it is shown to participants and stored in every player's row
MAX_ROLE = 100


def _role_problems(spec: AppSpec) -> list[Problem]:
    roles = spec.settings.roles
    where = spec.settings.defined_at
    if not roles:
        return []
    if not isinstance(roles, (list, tuple)) or not all(
            isinstance(r, str) and r.strip() == r and 0 < len(r) <= MAX_ROLE for r in roles):
        # any text a participant may read ("Player A", as oTree's roles often are), kept as
        # written in the role column and compared as written by get_player_by_role
        return [Problem.at("LC123", where, f"roles of app '{spec.name}' must be texts of 1 "
                           f"to {MAX_ROLE} characters without spaces around them",
                           "e.g. roles=['proposer', 'responder'] or ['Player A', 'Player B']")]
    # as in oTree, two positions may share a role name (get_player_by_role gives the first),
    # and roles without players_per_group name the first positions of the round's one group
    found: list[Problem] = []
    if spec.players_per_group is not None and spec.players_per_group != len(roles):
        found.append(Problem.at(
            "LC123", where, f"app '{spec.name}' declares {len(roles)} roles for groups of "
            f"{spec.players_per_group}", "declare one role per player in a group"))
    return found


# -- pages -----------------------------------------------------------------------------------

def _shared_schema_problems(spec: AppSpec) -> list[Problem]:
    """LC127: ``shared_schemas`` maps store names to valid JSON Schemas (checked against the
    schema's own draft), so a mistake shows here rather than refusing every write live."""
    where = spec.settings.defined_at
    schemas = spec.settings.shared_schemas
    if not isinstance(schemas, dict):
        return [Problem.at("LC127", where, f"shared_schemas of app '{spec.name}' must be a dict "
                           "of store name to JSON Schema", 'e.g. shared_schemas={"group": '
                           '{"type": "object"}}')]
    found = []
    for scope, schema in schemas.items():
        if scope not in SHARED_STORES:
            found.append(Problem.at("LC127", where, f"shared_schemas of app '{spec.name}' names "
                                    f"the store {scope!r}", "use 'group', 'study' or 'batch'"))
            continue
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.exceptions.SchemaError as exc:
            at = "/".join(str(part) for part in exc.absolute_path) or "its top level"
            found.append(Problem.at("LC127", where, f"the {scope} schema of app '{spec.name}' "
                                    f"is not a valid JSON Schema: {exc.message} (at {at})",
                                    "see https://json-schema.org/understanding-json-schema"))
    return found


def _page_problems(spec: AppSpec) -> list[Problem]:
    if not spec.page_sequence:
        return [Problem.at("LC130", spec.init_file, f"app '{spec.name}' has an empty or missing "
                           "page_sequence", "add page_sequence = [YourPage, ...]")]
    found: list[Problem] = []
    names: set[str] = set()
    for position, item in enumerate(spec.page_sequence):
        if not is_sequence_item(item):
            found.append(Problem.at(
                "LC131", spec.init_file, f"page_sequence of '{spec.name}' holds {item!r}, which "
                "is not a Page or WaitPage class", "list classes that subclass labctl.Page or "
                "labctl.WaitPage"))
            continue
        if item.__name__ in names:
            found.append(Problem.at(
                "LC131", item._defined_at, f"page '{item.__name__}' appears twice in the "
                f"page_sequence of '{spec.name}'", "make a subclass with its own name"))
        names.add(item.__name__)
        if issubclass(item, Page):
            found += _form_problems(spec, item)
            found += _template_problems(spec, item)
            found += _timeout_problems(spec, item)
        else:
            found += _wait_page_problems(spec, item, position)
    return found


def _form_problems(spec: AppSpec, page: type[Page]) -> list[Problem]:
    model = spec.model_class(page.form_model)
    if model is None:
        return [Problem.at("LC137", page._defined_at, f"form_model={page.form_model!r} of page "
                           f"'{page.__name__}' is invalid", "use 'player' or 'group'")]
    if not isinstance(page.form_fields, (list, tuple)) or not all(
            isinstance(name, str) for name in page.form_fields):
        return [Problem.at("LC132", page._defined_at, f"form_fields of page '{page.__name__}' "
                           "must be a list of field names", "e.g. form_fields = ['offer']")]
    declared = model.declared_fields()
    found: list[Problem] = []
    for name in page.form_fields:
        if name == "payoff":
            found.append(Problem.at(
                "LC132", page._defined_at, f"page '{page.__name__}' has 'payoff' as a form "
                "field; payoffs are set by the app's code, not typed in by participants",
                "remove it from form_fields and set player.payoff in a hook"))
        elif name not in declared:
            close = difflib.get_close_matches(str(name), list(declared), n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                f"declare it on {model.__name__} in app '{spec.name}'")
            found.append(Problem.at(
                "LC132", page._defined_at, f"page '{page.__name__}' has form field {name!r} "
                f"that {page.form_model.capitalize()} does not declare", hint))
        elif (problem := declared[name].initial_problem()) is not None:
            found.append(Problem.at(problem.code, declared[name].defined_at,
                                    f"{model.__name__}: {problem.message} (page "
                                    f"'{page.__name__}' shows it)", problem.hint))
    return found


def _template_environment(spec: AppSpec) -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(spec.folder),
                                     autoescape=True, extensions=["jinja2.ext.i18n"])
    environment.filters.update(OTREE_FILTERS, title_text=str)  # as the server has them
    return environment


def _template_problems(spec: AppSpec, page: type[Page]) -> list[Problem]:
    path = spec.template_path(page)
    home = template_home(spec.folder, page.template_file())
    if not path.resolve().is_relative_to(home.resolve()):
        return [Problem.at("LC133", page._defined_at, f"template_name of page '{page.__name__}' "
                           "points outside the app folder", "keep templates in the app folder, "
                           "in _templates/ of the project, or in another app's folder")]
    if not path.is_file():
        return [Problem.at("LC133", page._defined_at, f"page '{page.__name__}' has no template "
                           f"{path.relative_to(spec.folder.parent)}",
                           f"create {page.template_file()} in the app folder, or set "
                           "template_name")]
    try:
        source = translate(path.read_text(encoding="utf-8"))
        # compiling parses too, and names a filter or test neither Jinja nor labctl has
        _template_environment(spec).compile(source)
    except jinja2.TemplateAssertionError as exc:
        hint = ("labctl's filters are Jinja's and oTree's to0, to1, to2, json and cu; format "
                "the value in vars_for_template instead" if "filter" in str(exc.message)
                else "fix the template on this line")
        return [Problem.at("LC134", (str(path), exc.lineno), f"template: {exc.message}", hint)]
    except jinja2.TemplateSyntaxError as exc:
        if untranslated(path.read_text(encoding="utf-8")):
            return []  # an oTree tag without translation: LC170 names it and its spelling
        return [Problem.at("LC134", (str(path), exc.lineno), f"template syntax error: "
                           f"{exc.message}", "fix the Jinja tag on this line")]
    except UnicodeDecodeError:
        return [Problem.at("LC134", path, "template is not UTF-8 text", "save it as UTF-8")]
    return []


def _timeout_problems(spec: AppSpec, page: type[Page]) -> list[Problem]:
    seconds = page.timeout_seconds
    found: list[Problem] = []
    if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(
            seconds, bool) or not math.isfinite(seconds) or seconds <= 0):
        found.append(Problem.at("LC135", page._defined_at, f"timeout_seconds={seconds!r} of "
                                f"page '{page.__name__}' must be a positive number",
                                "e.g. timeout_seconds=60, or None for no timeout"))
    if not isinstance(page.timeout_submission, dict):
        return [*found, Problem.at(
            "LC135", page._defined_at, f"timeout_submission of page '{page.__name__}' must be "
            "a dict of field values", "e.g. timeout_submission={'offer': 0}")]
    model = spec.model_class(page.form_model)
    declared = model.declared_fields() if model else {}
    for name, value in page.timeout_submission.items():
        if not isinstance(page.form_fields, (list, tuple)) or name not in page.form_fields:
            found.append(Problem.at(
                "LC135", page._defined_at, f"timeout_submission of page '{page.__name__}' sets "
                f"{name!r}, which is not one of its form_fields", "list only form fields"))
        elif name in declared and value is not None:
            try:
                declared[name].check(declared[name].coerce(value))
            except FieldValueError as exc:
                found.append(Problem.at(
                    "LC135", page._defined_at, f"timeout_submission of page '{page.__name__}' "
                    f"sets {name}={value!r}: {exc.message}", "give a value the field accepts"))
    return found


def _wait_page_problems(spec: AppSpec, page: type[WaitPage], position: int) -> list[Problem]:
    if not page.group_by_arrival_time:
        return []
    found: list[Problem] = []
    if position != 0:
        found.append(Problem.at(
            "LC136", page._defined_at, f"wait page '{page.__name__}' groups by arrival time but "
            "is not the first page of the app", "move it to the start of page_sequence"))
    if page.wait_for_all_groups:
        found.append(Problem.at(
            "LC136", page._defined_at, f"wait page '{page.__name__}' cannot both group by "
            "arrival time and wait for all groups", "drop one of the two settings"))
    if spec.players_per_group is None and spec.group_by_arrival_time_method is None:
        found.append(Problem.at(
            "LC136", page._defined_at, f"wait page '{page.__name__}' groups by arrival time but "
            f"app '{spec.name}' has no players_per_group", "set players_per_group in App(...), "
            "or choose each group in def group_by_arrival_time_method(subsession, "
            "waiting_players):"))
    return found


# -- fields ----------------------------------------------------------------------------------

#: widgets that show a list of choices
CHOICE_WIDGETS = ("radio", "select", "radio_horizontal")


def _field_problems(kind: str, model: type[Record],
                    hooks: dict[str, dict[str, Any]]) -> list[Problem]:
    base = next(b for b in (Player, Group, Subsession) if issubclass(model, b))
    found: list[Problem] = []
    seen: dict[str, str] = {}
    for name, declared in model.declared_fields().items():
        if base._fields.get(name) is declared:
            continue  # labctl's own built-in field, e.g. payoff
        found += _field_name_problems(model, reserved_names(kind, base), name, declared)
        found += data_checks.same_column_problems(model.__name__, name, declared, seen)
        found += [Problem.at(p.code, declared.defined_at, f"{model.__name__}: {p.message}", p.hint)
                  for p in declared.problems()]
        # choices may come from the app's hook, def <name>_choices(player), as in oTree
        if declared.widget in CHOICE_WIDGETS and declared.choices is None \
                and "choices" not in hooks.get(name, {}):
            found.append(Problem.at(
                "LC144", declared.defined_at, f"{model.__name__}: widget '{declared.widget}' "
                f"of field '{name}' needs choices",
                f"add choices=[...], a def {name}_choices(player) hook, or use another widget"))
    return found


def reserved_names(kind: str, base: type[Record]) -> frozenset[str]:
    """What a field of a kind of record may not be called: the engine's columns of its table
    and the attributes every such record has."""
    return base.builtin_names | frozenset(BUILTIN_COLUMNS[kind])


def _field_name_problems(model: type[Record], reserved: frozenset[str], name: str,
                         declared: Field) -> list[Problem]:
    if name.startswith("_") or not name.isidentifier() or keyword.iskeyword(name) or \
            name.lower() in {word.lower() for word in reserved} or name.lower() == "id":
        # a database's column names ignore case: Round_Number is the round_number column
        return [Problem.at("LC142", declared.defined_at, f"{model.__name__} field '{name}' uses "
                           "a reserved or invalid name", "rename it; reserved: "
                           + ", ".join(sorted(reserved)))]
    return []

