"""``labctl validate``'s checks of app templates (LC170-LC174): what would otherwise fail only
in front of a participant, or print a wrong value without a word.

Every ``.html`` file of every app is parsed (oTree's tags translated, as the server does) and
checked for: oTree tags labctl has no translation for (LC170); include, extends and import
targets that do not exist (LC171); ``player.x``, ``group.x``, ``subsession.x``,
``participant.x``, ``session.x`` where ``x`` is neither a declared field nor a built-in name
(LC172); a money field printed bare, which shows minor units (LC173); a syntax error in a
template no page renders directly, i.e. a fragment (LC174; pages have LC134).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

import jinja2
from jinja2 import nodes

from . import inline_code
from .amount_constants import amount_constants
from .app import AppSpec
from .fields import Field, Money
from .otree_templates import FRAGMENT_PREFIX, PAGE_PREFIX, resolve, translate, untranslated
from .problems import Problem
from .project import Project
from .records import Participant, Session
from .static_files import STATIC_FOLDER

#: labctl's own templates, which app templates may extend or include (``labctl/...``)
LABCTL_TEMPLATES = Path(__file__).resolve().parent / "server" / "templates"
#: attributes of participant and session that templates may read (set in their __init__)
PARTICIPANT_NAMES = frozenset({"id", "code", "id_in_session", "label", "vars", "payoff"})
SESSION_NAMES = frozenset({"id", "code", "session_type", "params", "vars", "currency",
                           "fixed_pay"})


def problems(project: Project) -> list[Problem]:
    """Every template problem of every app in ``project``."""
    found: list[Problem] = []
    # {% trans %} and _() are labctl's template tags too (labctl.i18n)
    environment = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    for spec in project.apps.values():
        pages = {spec.template_path(page).resolve() for page in spec.page_sequence
                 if hasattr(page, "template_file")}
        pages |= {variant.resolve() for page in pages  # Question.de.html: a page in German
                  for variant in page.parent.glob(f"{page.stem}.*{page.suffix}")}
        for path in sorted(spec.folder.rglob("*.html")):
            if path.is_relative_to(spec.folder / STATIC_FOLDER):
                continue  # served as it is, never rendered as a template
            found += _template_problems(project, spec, path, environment,
                                        path.resolve() in pages)
    return found


def _template_problems(project: Project, spec: AppSpec, path: Path,
                       environment: jinja2.Environment, is_page: bool) -> list[Problem]:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [] if is_page else [Problem.at("LC174", path, "template is not UTF-8 text",
                                              "save it as UTF-8")]
    found = [Problem.at("LC170", (str(path), line), f"oTree tag {tag} has no labctl "
                        "translation", f"write {instead}")
             for line, tag, instead in untranslated(source)]
    found += inline_code.problems(path, source)
    try:
        tree = environment.parse(translate(source))
    except jinja2.TemplateSyntaxError as exc:
        if is_page or found:
            return found  # LC134 reports a page's, LC170 an oTree tag's
        return [Problem.at("LC174", (str(path), exc.lineno),
                           f"template syntax error: {exc.message}",
                           "fix the Jinja tag on this line")]
    name = f"{PAGE_PREFIX}{spec.name}/{path.relative_to(spec.folder).as_posix()}"
    found += _target_problems(project, path, name, tree)
    found += _attribute_problems(project, spec, path, tree)
    found += _bare_money_problems(project, spec, path, tree)
    return found


# -- include, extends, import ----------------------------------------------------------------

def _target_problems(project: Project, path: Path, name: str, tree: nodes.Template
                     ) -> list[Problem]:
    found = []
    for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
        target = node.template
        if not isinstance(target, nodes.Const) or not isinstance(target.value, str):
            continue  # a name computed at render time cannot be checked here
        if _target_file(project, resolve(target.value, name, project.apps)) is not None:
            continue
        hint = ("write a file of this app by its name ('Rules.html'), another app's as "
                "'app_name/Rules.html', or labctl's as 'labctl/...'")
        found.append(Problem.at("LC171", (str(path), node.lineno),
                                f"template '{target.value}' not found", hint))
    return found


def _target_file(project: Project, name: str) -> Path | None:
    """The file a resolved template name loads, if it exists."""
    for prefix in (PAGE_PREFIX, FRAGMENT_PREFIX):
        if name.startswith(prefix):
            app, _, file = name[len(prefix):].partition("/")
            spec = project.apps.get(app)
            if spec is None:
                return None
            path = (spec.folder / file).resolve()
            inside = path.is_relative_to(spec.folder.resolve())
            return path if inside and path.is_file() else None
    path = (LABCTL_TEMPLATES / name).resolve()
    return path if path.is_relative_to(LABCTL_TEMPLATES) and path.is_file() else None


# -- player.x, group.x, ... ------------------------------------------------------------------

def _known_names(project: Project, spec: AppSpec) -> dict[str, frozenset[str]]:
    """What each record a template sees may be asked for: declared fields, built-in names,
    and whatever the researcher's class defines (methods, properties)."""
    known = {"participant": PARTICIPANT_NAMES | _public(Participant)
             | frozenset(project.participant_fields),
             "session": SESSION_NAMES | _public(Session) | frozenset(project.session_fields)}
    for kind, model in spec.record_classes():
        known[kind] = (frozenset(model.declared_fields()) | model.builtin_names
                       | _public(model))
    return known


def _public(cls: type) -> frozenset[str]:
    return frozenset(name for name in dir(cls) if not name.startswith("_"))


def _record_attributes(tree: nodes.Template) -> Iterator[tuple[str, str, int]]:
    """``(record, attribute, line)`` of every ``record.attribute`` read in the template."""
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.ctx == "load":
            yield node.node.name, node.attr, node.lineno


def _attribute_problems(project: Project, spec: AppSpec, path: Path, tree: nodes.Template
                        ) -> list[Problem]:
    known = _known_names(project, spec)
    found = []
    for record, attribute, line in _record_attributes(tree):
        names = known.get(record)
        if names is None or attribute in names:
            continue
        close = difflib.get_close_matches(attribute, sorted(names), n=1)
        hint = (f"did you mean {record}.{close[0]}?" if close else
                f"declare the field on {record.capitalize()}, or pass the value from "
                "vars_for_template")
        found.append(Problem.at("LC172", (str(path), line),
                                f"{record} has no field or attribute '{attribute}'", hint))
    return found


# -- money shown bare ------------------------------------------------------------------------

def _money_names(project: Project, spec: AppSpec) -> dict[str, frozenset[str]]:
    money = {"participant": frozenset({"payoff"}) | _declared_money(project.participant_fields),
             "session": _declared_money(project.session_fields)}
    for kind, model in spec.record_classes():
        money[kind] = frozenset(name for name, field in model.declared_fields().items()
                                if isinstance(field, Money))
    amount_fields = frozenset().union(*money.values())
    other_fields = frozenset(name for _, model in spec.record_classes()
                             for name, field in model.declared_fields().items()
                             if not isinstance(field, Money))
    money["C"] = (frozenset() if _counted_in_points(project, spec)
                  else amount_constants(spec.init_file, amount_fields, other_fields))
    return money


def _counted_in_points(project: Project, spec: AppSpec) -> bool:
    """Whether every session type that plays the app pays points: its amounts are then whole
    points, and a constant printed bare shows that many points (as oTree shows a plain number
    constant), not minor units."""
    playing = [st for st in project.session_types
               if isinstance(st.app_sequence, (list, tuple)) and spec.name in st.app_sequence]
    return bool(playing) and all(st.pays_points for st in playing)


def _declared_money(declared: dict[str, Field | None]) -> frozenset[str]:
    return frozenset(name for name, field in declared.items() if isinstance(field, Money))


def _bare_money_problems(project: Project, spec: AppSpec, path: Path, tree: nodes.Template
                         ) -> list[Problem]:
    """``{{ player.payoff }}`` prints the stored integer (1050 for 10.50): only an amount
    printed as it is, not one passed to ``money()`` or compared."""
    money = _money_names(project, spec)
    found = []
    for output in tree.find_all(nodes.Output):
        for shown in output.nodes:
            if (isinstance(shown, nodes.Getattr) and isinstance(shown.node, nodes.Name)
                    and shown.attr in money.get(shown.node.name, ())):
                spelled = f"{shown.node.name}.{shown.attr}"
                why = (" (the app uses it as an amount: it bounds, sets or adds to a Money "
                       "field)" if shown.node.name == "C" else "")
                found.append(Problem.at(
                    "LC173", (str(path), shown.lineno), f"{{{{ {spelled} }}}} shows the "
                    f"amount in minor units (1050 for 10.50){why}",
                    f"write {{{{ money({spelled}) }}}}"))
    return found
