"""An oTree app's Python, rewritten to labctl's API with LibCST, comments and layout kept.

What is rewritten with certainty: the ``otree.api`` import, the base classes, ``models.*Field``
with their options and widgets, ``cu()``/``Currency()`` of a literal (an exact amount in points
or minor units) and of an expression (the expression), ``currency_range`` (an inclusive
``range``) and bots' ``check_html``. Two rewrites change behaviour and are marked
``CHANGE_MARK``: a division (or a float) assigned to an amount is wrapped in ``round()`` (oTree
rounded a Currency silently; labctl refuses a fraction at run time). Anything else oTree-only is
left as written under a ``MANUAL_MARK`` comment saying why, so nothing is dropped silently.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import libcst as cst

from .column_names import rename_clashing_fields
from .participant_values import (
    ParticipantValues,
    ParticipantWrites,
    Unit,
    participant_key,
    read_key,
    written_keys,
)
from .report import CHANGE_MARK, MANUAL_MARK
from .settings import READ_SETTINGS
from .syntax import dotted as _dotted
from .timeouts import with_timeout_submissions
from .units import Units, constant_unit, function_units, is_zero, scaled

__all__ = ["Amounts", "amount_names", "rewrite"]

#: oTree's field classes: labctl's class and the options it implies
FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "IntegerField": ("Integer", {}),
    "PositiveIntegerField": ("Integer", {"min": "0"}),
    "FloatField": ("Float", {}),
    "CurrencyField": ("Money", {}),
    "StringField": ("Text", {}),
    "LongStringField": ("Text", {"widget": '"textarea"'}),
    "BooleanField": ("Boolean", {}),
    # oTree 3 and earlier were Django, whose names for the same fields old apps still use
    "CharField": ("Text", {}),
    "TextField": ("Text", {"widget": '"textarea"'}),
    "PositiveSmallIntegerField": ("Integer", {"min": "0"}),
    "SmallIntegerField": ("Integer", {}),
    "BigIntegerField": ("Integer", {}),
}
#: field options with the same name and meaning in labctl
SAME_OPTIONS = frozenset({"label", "initial", "choices", "min", "max", "doc", "help_text",
                          "max_length"})
#: options of a money field that are amounts
AMOUNT_OPTIONS = frozenset({"initial", "min", "max"})
#: Django's names of the same options, which oTree 3 projects still pass
DJANGO_OPTIONS = {"default": "initial", "verbose_name": "label"}
#: oTree's modules of widgets, which apps import them from
WIDGET_MODULES = frozenset({"otree.forms.widgets", "otree.forms", "otree.widgets"})
#: oTree's widgets and labctl's ``widget=`` strings
WIDGETS = {
    "RadioSelect": "radio",
    "RadioSelectHorizontal": "radio_horizontal",
    "Select": "select",
    "Slider": "slider",
    "TextArea": "textarea",
    "Textarea": "textarea",
    "CheckboxInput": "checkbox",
    "TextInput": "text",
    "NumberInput": "number",
}
#: ``form_model = Player``: the model class, as oTree also accepts it
FORM_MODELS = {"Player": "player", "Group": "group"}
#: oTree's base classes: the labctl class (``None``: a plain class)
BASES = {"BaseConstants": "Constants", "BaseSubsession": "Subsession", "BaseGroup": "Group",
         "BasePlayer": "Player", "ExtraModel": "ExtraRecord"}
#: names of ``otree.api`` that app code uses, and what replaces them
APP_NAMES = frozenset({"Page", "WaitPage", "models", "widgets", "cu", "Currency",
                       "currency_range", *BASES})
BOT_NAMES = frozenset({"Bot", "Submission", "SubmissionMustFail", "expect"})
#: calls that keep an amount whole: a division inside them needs no rounding
ROUNDING = frozenset({"round", "int", "floor", "ceil", "len"})


@dataclass(frozen=True)
class Amounts:
    """How oTree's literal amounts become labctl's integers."""

    #: 1 when the project pays points (``USE_POINTS``), else 10 ** the currency's digits
    scale: int
    points: bool
    #: functions of the project whose result can be a fraction (``fractional_functions``):
    #: an amount computed by one is rounded, as oTree's Currency rounded it
    fractional_functions: frozenset[str] = frozenset()
    #: declared participant and session fields renamed (``declared_name``): (owner, name)
    #: -> the new name, for ``session.params`` -> ``session.params_`` in the apps
    renamed_fields: tuple[tuple[str, str, str], ...] = ()
    #: what the project's apps store on participants (``participant_values``): whether
    #: ``participant.vars['payoff_' + app]`` is an amount is told by the other apps
    participant_values: ParticipantValues = field(default_factory=ParticipantValues)
    #: the unit of each session config key the project's settings give (``config_units``)
    config_units: tuple[tuple[str, Unit], ...] = ()


def rewrite(source: str, amounts: Amounts, *, bots: bool, app: str = "",
            apps: Collection[str] = (), writes: ParticipantWrites | None = None,
            columns: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """``source`` (a file of the app ``app``, in a project of ``apps``) rewritten, and what
    was removed from it; raises ``libcst.ParserSyntaxError`` for a file that is not Python
    (the caller copies it as it is and reports it). ``writes`` collects what the module
    stores on participants (``participant_values``); ``columns`` are the app's fields renamed
    for clashing with labctl's columns (``clashing_fields``), which its ``tests.py`` names."""
    module = rename_clashing_fields(
        cst.parse_module(source).visit(_ConstantsAsC()).visit(_HooksOutOfSubsession()),
        columns)
    finder = _MoneyFinder()  # one pass: money fields, amount constants, number constants...
    module.visit(finder)
    money, amount_functions = _money_fields(finder)
    rewriter = _Rewriter(amounts, money, amount_functions, bots=bots)
    rewriter.app, rewriter.apps = app, frozenset(apps)
    rewriter.fractional = frozenset(finder.fractional)
    returns = _ReturnFinder()
    module.visit(returns)
    units = Units(money=money, amount_constants=frozenset(finder.constants),
                  function_units={}, number_fields=frozenset(finder.number_fields - money),
                  converted=rewriter.converted,
                  number_constants=frozenset(finder.number_constants),
                  currency=frozenset(finder.currency),
                  participant=amounts.participant_values,
                  config=dict(amounts.config_units))
    function_units(units, returns.returns)
    rewriter.units, rewriter.writes = units, writes
    module = module.visit(rewriter)
    code = (module if bots else with_timeout_submissions(module)).code
    if bots and "from labctl.bots import" not in code and _BOT_NAME.search(code):
        # oTree's tests.py may get Bot from its app's `from otree.api import *`, through
        # `from . import *`: labctl's app modules do not pass its names on
        code = "from labctl.bots import " + ", ".join(sorted(BOT_NAMES)) + "\n" + code
    return code, rewriter.removed


#: a use of a name of oTree's bot API
_BOT_NAME = re.compile(r"\b(?:Bot|Submission|SubmissionMustFail|expect)\b")


#: oTree's settings in ``class Constants``, lowercase (oTree 5 reads both spellings)
LOWERCASE_SETTINGS = {"name_in_url": "NAME_IN_URL", "players_per_group": "PLAYERS_PER_GROUP",
                      "num_rounds": "NUM_ROUNDS"}


class _ConstantsAsC(cst.CSTTransformer):
    """oTree 5 still runs apps whose constants are ``class Constants`` with
    ``players_per_group`` in lowercase (oTree 3's spelling); labctl reads ``class C``:
    ``Constants`` becomes ``C`` and its three settings uppercase, where declared and used."""

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value="C") if updated_node.value == "Constants" \
            else updated_node

    def leave_Attribute(self, original_node: cst.Attribute,
                        updated_node: cst.Attribute) -> cst.Attribute:
        upper = LOWERCASE_SETTINGS.get(updated_node.attr.value)
        if upper and _dotted(updated_node.value) == "C":
            return updated_node.with_changes(attr=cst.Name(upper))
        return updated_node

    def leave_ClassDef(self, original_node: cst.ClassDef,
                       updated_node: cst.ClassDef) -> cst.ClassDef:
        if updated_node.name.value != "C":
            return updated_node
        return updated_node.visit(_UppercaseSettings())  # type: ignore[return-value]


class _HooksOutOfSubsession(cst.CSTTransformer):
    """oTree runs ``creating_session`` written as a (static) method of ``Subsession``, the
    old spelling; labctl calls the module's function ``creating_session(subsession)``: the
    method moves out of the class, just below it, unless the module already has one."""

    HOOKS = frozenset({"creating_session"})

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        defined = {statement.name.value for statement in updated_node.body
                   if isinstance(statement, cst.FunctionDef)}
        body: list[cst.BaseStatement] = []
        for statement in updated_node.body:
            if isinstance(statement, cst.ClassDef) and statement.name.value == "Subsession":
                statement, moved = self._split(statement, self.HOOKS - defined)
                body += [statement, *moved]
            else:
                body.append(statement)
        return updated_node.with_changes(body=body)

    @staticmethod
    def _split(cls: cst.ClassDef, hooks: Collection[str]
               ) -> tuple[cst.ClassDef, list[cst.FunctionDef]]:
        """The class without its hook methods of one parameter, and those as functions."""
        kept: list[cst.BaseStatement] = []
        moved: list[cst.FunctionDef] = []
        for item in cls.body.body:
            if (isinstance(item, cst.FunctionDef) and item.name.value in hooks
                    and len(item.params.params) == 1
                    and all(_dotted(d.decorator) == "staticmethod" for d in item.decorators)):
                comments = [line for line in item.leading_lines if line.comment]
                moved.append(item.with_changes(decorators=[], leading_lines=[
                    cst.EmptyLine(), cst.EmptyLine(), *comments]))
            else:
                kept.append(item)  # type: ignore[arg-type]
        if not moved:
            return cls, []
        return class_keeping(cls, kept), moved


def class_keeping(cls: cst.ClassDef, kept: list[cst.BaseStatement]) -> cst.ClassDef:
    """The class with only ``kept`` in its body (``pass`` when nothing else is left), for a
    rewrite that moves methods out of it."""
    if not any(not isinstance(item, cst.EmptyLine) for item in kept):
        kept = [cst.SimpleStatementLine([cst.Pass()])]
    return cls.with_changes(body=cls.body.with_changes(body=kept))


class _UppercaseSettings(cst.CSTTransformer):
    """``players_per_group = 2`` in the body of ``class C`` -> ``PLAYERS_PER_GROUP = 2``."""

    def leave_AssignTarget(self, original_node: cst.AssignTarget,
                           updated_node: cst.AssignTarget) -> cst.AssignTarget:
        target = updated_node.target
        if isinstance(target, cst.Name) and target.value in LOWERCASE_SETTINGS:
            return updated_node.with_changes(target=cst.Name(LOWERCASE_SETTINGS[target.value]))
        return updated_node


def amount_names(source: str) -> tuple[frozenset[str], frozenset[str]]:
    """The module's money fields (and ``payoff``) and its constants of class ``C`` that are
    amounts (``ENDOWMENT = cu(100)``): templates print these with ``money()``."""
    try:
        module = cst.parse_module(source).visit(_ConstantsAsC()).visit(_HooksOutOfSubsession())
    except cst.ParserSyntaxError:
        return frozenset({"payoff"}), frozenset()
    finder = _MoneyFinder()
    module.visit(finder)
    return frozenset(finder.names | {"payoff"}), frozenset(finder.constants)


def fractional_functions(sources: Iterable[str]) -> frozenset[str]:
    """Names of the functions, in any of the project's modules ``sources``, that return a
    division or a float (``return raw / count``), or the result of another such function.
    ``player.payoff = average(...)`` in an app then gets the ``round()`` oTree's Currency
    applied silently, though the division is in a helper module."""
    returns: dict[str, list[cst.BaseExpression]] = {}
    for source in sources:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            continue
        finder = _ReturnFinder()
        module.visit(finder)
        for name, values in finder.returns.items():
            returns.setdefault(name, []).extend(values)
    found: set[str] = set()
    while True:  # until no function is added: one calling a fractional one is fractional too
        more = {name for name, values in returns.items() if name not in found
                and any(_divides(value, functions=found) for value in values)}
        if not more:
            return frozenset(found)
        found |= more


class _ReturnFinder(cst.CSTVisitor):
    """The values each function returns, by the function's name."""

    def __init__(self) -> None:
        self.returns: dict[str, list[cst.BaseExpression]] = {}
        self.functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        if self.functions and node.value is not None:
            self.returns.setdefault(self.functions[-1], []).append(node.value)


def _money_fields(finder: _MoneyFinder) -> tuple[frozenset[str], frozenset[str]]:
    """Names declared as ``models.CurrencyField`` anywhere in the module (and ``payoff``), and
    the module's functions whose result is assigned to one of them."""
    money = finder.names | {"payoff"}
    return frozenset(money), frozenset(function for field, function in finder.assigned_calls
                                       if field in money)


class _MoneyFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.constants: set[str] = set()
        self.number_fields: set[str] = set()
        self.number_constants: set[str] = set()
        self.fractional: set[str] = set()
        self.classes: list[str] = []
        #: oTree's Currency and the module's own names for it (``c = cu``)
        self.currency = {"cu", "Currency"}
        #: functions whose result is assigned to an attribute (an amount, if it is a money
        #: field: checked once every field is known)
        self.assigned_calls: list[tuple[str, str]] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if self.classes == ["C"] and constant_unit(value) == "number":
            self.number_constants.update(target.target.value for target in node.targets
                                         if isinstance(target.target, cst.Name))
        if self.classes == ["C"] and _divides(value):
            self.fractional.update(target.target.value for target in node.targets
                                   if isinstance(target.target, cst.Name))
        if isinstance(value, cst.Name) and value.value in self.currency and not self.classes:
            self.currency.update(target.target.value for target in node.targets
                                 if isinstance(target.target, cst.Name))
        if not isinstance(value, cst.Call):
            return
        self.assigned_calls += [(target.target.attr.value, _dotted(value.func))
                                for target in node.targets
                                if isinstance(target.target, cst.Attribute)]
        names = [target.target.value for target in node.targets
                 if isinstance(target.target, cst.Name)]
        if _dotted(value.func) == "models.CurrencyField":
            self.names.update(names)
        elif _dotted(value.func).startswith("models.") and _dotted(value.func) != "models.Link":
            self.number_fields.update(names)
        elif self.classes == ["C"] and _dotted(value.func) in self.currency:
            self.constants.update(names)


def _name(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


class _Rewriter(cst.CSTTransformer):
    """One pass over a module; notes for a statement become comments above it."""

    def __init__(self, amounts: Amounts, money: frozenset[str],
                 amount_functions: frozenset[str], *, bots: bool) -> None:
        super().__init__()
        self.amounts = amounts
        self.money = money
        self.amount_functions = amount_functions
        self.functions: list[str] = []
        self.bots = bots
        self.currency = {"cu", "Currency"}
        self.ranges = {"currency_range"}
        self.notes: list[list[str]] = []
        self.handled: set[int] = set()
        #: Names that are not a reference to a module name (``x.BasePlayer``, an import's name)
        self.not_references: set[int] = set()
        #: what was removed, for the report (nothing is removed without a line there)
        self.removed: list[str] = []
        self.app = ""
        self.apps: frozenset[str] = frozenset()
        #: the quotes of the f-strings being rewritten, innermost last
        self.f_strings: list[str] = []
        #: the module's names for oTree's settings (now the project's ``sessions``)
        self.settings_names: set[str] = set()
        #: constants of ``C`` that hold a float or a division (``_MoneyFinder.fractional``)
        self.fractional: frozenset[str] = frozenset()
        #: per function being rewritten: local names bound to ``P.participant`` -> ``P``
        self.participants: list[dict[str, cst.BaseExpression]] = []
        #: ids of the literals made minor units here (``cu(10)`` -> ``1000``): amounts
        self.converted: set[int] = set()
        #: ids of values already marked as of an unknown unit (``cu(x)`` left for the researcher)
        self.marked: set[int] = set()
        #: per function being rewritten: its local names that hold a division
        self.fractional_locals: list[set[str]] = []
        #: amounts and plain numbers of the module (``units``), set by ``rewrite``
        self.units = Units((), (), {}, (), self.converted)
        #: where what the module stores on participants is collected, when it is
        self.writes: ParticipantWrites | None = None

    # -- notes as comments above their statement ---------------------------------------------

    def note(self, mark: str, text: str) -> None:
        if self.notes and mark + text not in self.notes[-1]:
            self.notes[-1].append(mark + text)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self.notes.append([])
        return super().on_visit(node)

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        result = super().on_leave(original_node, updated_node)
        if not isinstance(original_node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            return result
        notes = self.notes.pop()
        if not notes:
            return result
        comments = [cst.EmptyLine(comment=cst.Comment(text)) for text in notes]
        if isinstance(result, cst.FlattenSentinel) and not result.nodes:
            return cst.FlattenSentinel([cst.SimpleStatementLine([cst.Pass()], leading_lines=[
                *getattr(updated_node, "leading_lines", ()), *comments])])
        if isinstance(result, cst.FlattenSentinel):
            first, *rest = result.nodes
            return cst.FlattenSentinel([_with_comments(first, comments), *rest])
        return _with_comments(result, comments) if isinstance(result, cst.CSTNode) else result

    # -- imports -----------------------------------------------------------------------------

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        """``c = cu`` (a module's own name for Currency): ``c(x)`` is rewritten like
        ``cu(x)``, and the alias goes (the report says so)."""
        alias = _currency_alias(node, self.currency)
        if alias is not None:
            self.currency.add(alias)
            assign = node.body[0]
            assert isinstance(assign, cst.Assign)
            self.handled.update({id(assign.value), id(assign.targets[0].target)})

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if len(updated_node.body) != 1:
            return updated_node
        alias = _currency_alias(original_node, self.currency)
        if alias is not None:
            self.removed.append(f"'{alias} = ...' removed (a name for oTree's Currency): "
                                f"{alias}(x) rewritten like cu(x)")
            return cst.FlattenSentinel([])
        statement = updated_node.body[0]
        settings = self._settings_import(statement)
        if settings is not None:
            return updated_node.with_changes(body=[settings])
        if (isinstance(statement, cst.ImportFrom) and statement.module is not None
                and not statement.relative
                and _dotted(statement.module).split(".")[0] in self.apps):
            # oTree runs from the project folder, labctl loads each project as a package
            return updated_node.with_changes(body=[statement.with_changes(
                relative=self._up())])
        if isinstance(statement, cst.Import) and all(
                _dotted(alias.name) in self.apps for alias in statement.names):
            return updated_node.with_changes(body=[cst.ImportFrom(
                module=None, names=statement.names, relative=self._up())])
        if isinstance(statement, cst.ImportFrom) and statement.module is not None:
            module = _dotted(statement.module)
            if module == "otree.api":
                return self._otree_import(updated_node, statement)
            if module in WIDGET_MODULES and not isinstance(statement.names, cst.ImportStar) \
                    and all(_dotted(alias.name) in WIDGETS and alias.asname is None
                            for alias in statement.names):
                self.removed.append(f"'from {module} import ...' removed: labctl names a "
                                    "widget in widget=, where these were translated")
                return cst.FlattenSentinel([])
            if module.split(".")[0] == "otree":
                self.note(MANUAL_MARK, f"'{module}' is oTree's; labctl has no such module")
        if isinstance(statement, cst.Import) and any(
                _dotted(alias.name).split(".")[0] == "otree" for alias in statement.names):
            self.note(MANUAL_MARK, "oTree is not imported in labctl; use labctl's names")
        return updated_node

    def _up(self) -> list[cst.Dot]:
        """The dots from this module to the project package: an app's module is one deeper
        than a module of the project folder."""
        return [cst.Dot(), cst.Dot()] if self.app else [cst.Dot()]

    def _settings_import(self, statement: cst.BaseSmallStatement) -> cst.ImportFrom | None:
        """oTree's ``settings`` (``from otree import settings``, ``import settings``, ``from
        settings import X``) as the project's ``sessions`` module, which the import gives
        what apps read of it (``READ_SETTINGS``); None for any other statement."""
        if isinstance(statement, cst.ImportFrom) and statement.module is not None \
                and not statement.relative and not isinstance(statement.names, cst.ImportStar):
            module = _dotted(statement.module)
            names = [_dotted(alias.name) for alias in statement.names]
            if module == "otree" and names == ["settings"]:
                alias = statement.names[0].asname
                local = _dotted(alias.name) if alias and isinstance(alias.name, cst.Name) \
                    else "settings"
                return self._as_settings(local)
            if module == "settings":
                self._check_read(names)
                return statement.with_changes(module=cst.Name("sessions"), relative=self._up())
        if isinstance(statement, cst.Import) and len(statement.names) == 1 and \
                _dotted(statement.names[0].name) == "settings":
            alias = statement.names[0].asname
            return self._as_settings(_dotted(alias.name) if alias and isinstance(
                alias.name, cst.Name) else "settings")
        return None

    def _as_settings(self, local: str) -> cst.ImportFrom:
        self.settings_names.add(local)
        return cst.ImportFrom(module=None, relative=self._up(), names=[cst.ImportAlias(
            name=cst.Name("sessions"), asname=cst.AsName(name=cst.Name(local)))])

    def _check_read(self, names: Collection[str]) -> None:
        unknown = sorted(set(names) - READ_SETTINGS)
        if unknown:
            self.note(MANUAL_MARK, f"oTree's settings.{', settings.'.join(unknown)} is not "
                      f"in labctl's sessions.py (it holds {', '.join(sorted(READ_SETTINGS))}): "
                      "write the value here")

    def leave_Attribute(self, original_node: cst.Attribute,
                        updated_node: cst.Attribute) -> cst.BaseExpression:
        if _dotted(updated_node.value) in self.settings_names:
            self._check_read([updated_node.attr.value])
        owner = _dotted(updated_node.value).rsplit(".", 1)[-1]
        for renamed_owner, name, spelled in self.amounts.renamed_fields:
            if owner == renamed_owner and updated_node.attr.value == name:
                return updated_node.with_changes(attr=cst.Name(spelled))
        return updated_node

    def _otree_import(self, line: cst.SimpleStatementLine, statement: cst.ImportFrom
                      ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        """``from otree.api import ...``: labctl's imports for the names it brings."""
        if isinstance(statement.names, cst.ImportStar):
            names = set(BOT_NAMES if self.bots else APP_NAMES)
        else:
            names = set()
            for alias in statement.names:
                name = _dotted(alias.name)
                local = alias.evaluated_alias or name
                names.add(name)
                if name in ("cu", "Currency"):
                    self.currency.add(local)
                elif name == "currency_range":
                    self.ranges.add(local)
                elif local != name:
                    self.note(MANUAL_MARK, f"'{name} as {local}': rename it to {name}")
        unknown = sorted(names - APP_NAMES - BOT_NAMES)
        lines = []
        if names & APP_NAMES - {"cu", "Currency", "currency_range"}:
            lines += ["import labctl", "from labctl import Page, WaitPage, fields"]
        if names & BOT_NAMES:
            lines.append("from labctl.bots import " + ", ".join(sorted(
                BOT_NAMES if self.bots else names & BOT_NAMES)))
        if unknown:
            self.note(MANUAL_MARK, "oTree's " + ", ".join(unknown) + " have no labctl "
                      "equivalent here: rewrite the code that uses them")
            kept = [alias for alias in statement.names  # type: ignore[union-attr]
                    if _dotted(alias.name) in unknown]
            lines.append(cst.Module([cst.SimpleStatementLine([statement.with_changes(
                names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)
                       for alias in kept])])]).code.strip())
        if not lines:
            return cst.FlattenSentinel([])
        statements = [cst.parse_statement(text + "\n") for text in lines]
        first = statements[0].with_changes(leading_lines=line.leading_lines)
        return cst.FlattenSentinel([first, *statements[1:]])

    # -- classes -----------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            self.handled.add(id(base.value))

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef:
        bases = []
        changed = False
        for base in updated_node.bases:
            name = _dotted(base.value)
            if name in BASES:
                changed = True
                if BASES[name] is not None:
                    bases.append(base.with_changes(value=_name(f"labctl.{BASES[name]}")))
            else:
                bases.append(base)
        if not changed:
            return updated_node
        if not bases:
            return updated_node.with_changes(bases=[], lpar=cst.MaybeSentinel.DEFAULT,
                                             rpar=cst.MaybeSentinel.DEFAULT)
        bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(bases=bases)

    # -- names left over ---------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        self.handled.add(id(node.func))
        if isinstance(node.func, cst.Attribute):
            self.handled.add(id(node.func.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value == "widget":
            value = node.value.func if isinstance(node.value, cst.Call) else node.value
            self.handled.add(id(value))
            if isinstance(value, cst.Attribute):
                self.handled.add(id(value.value))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self.handled:
            return
        if node.value in self.currency:
            self.note(MANUAL_MARK, f"'{node.value}' (oTree's Currency) is not a call here: "
                      "labctl's amounts are plain ints (points or minor units)")
        elif node.value in self.ranges:
            self.note(MANUAL_MARK, "currency_range not called: write range(first, last + 1, "
                      "step) over whole amounts")
        elif node.value in ("models", "widgets"):
            self.note(MANUAL_MARK, f"oTree's '{node.value}' used outside a field declaration")

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_references.add(id(node.attr))

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self.not_references.add(id(node.name))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name
                   ) -> cst.BaseExpression:
        """``__name__`` is the app's name in oTree; in labctl it is the module's dotted name
        (each project is a package), whose last part is the app's name. oTree's base classes
        named outside a class's bases (``player: BasePlayer``, ``isinstance(x, BaseGroup)``,
        ``case BasePlayer():``) are labctl's (their import from otree.api is gone)."""
        labctl_base = BASES.get(updated_node.value)
        if labctl_base and id(original_node) not in self.not_references:
            return _name(f"labctl.{labctl_base}")
        if updated_node.value == "__name__" and not self.bots:
            quote = "'" if '"' in self.f_strings[-1:] else '"'  # in f"...", before 3.12
            return _name(f'__name__.rsplit({quote}.{quote}, 1)[-1]')
        return updated_node

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.f_strings.append(node.quote)

    def leave_FormattedString(self, original_node: cst.FormattedString,
                              updated_node: cst.FormattedString) -> cst.FormattedString:
        self.f_strings.pop()
        return updated_node

    # -- calls -------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)
        self.units.scopes.append({})
        self.fractional_locals.append(set())
        finder = _ParticipantNames()
        node.body.visit(finder)
        self.participants.append(finder.found)

    def leave_FunctionDef(self, original_node: cst.FunctionDef,
                          updated_node: cst.FunctionDef) -> cst.FunctionDef:
        self.functions.pop()
        self.participants.pop()
        self.units.scopes.pop()
        self.fractional_locals.pop()
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call
                   ) -> cst.BaseExpression:
        func = _dotted(updated_node.func)
        if func.startswith("models."):
            return self._field(updated_node, func.removeprefix("models."))
        if func in self.currency:
            return self._amount(updated_node)
        if func in self.ranges:
            return self._range(updated_node)
        if func in ("Submission", "SubmissionMustFail"):
            return self._submission(updated_node)
        if (func == "round" and len(updated_node.args) == 2 and self.functions
                and self.functions[-1] in self.amount_functions):
            self.note(CHANGE_MARK, f"round(x, digits) in {self.functions[-1]}(), whose result "
                      "is an amount: labctl's amounts are whole (points or minor units), so "
                      "it is round(x) (half to even)")
            return updated_node.with_changes(args=[updated_node.args[0].with_changes(
                comma=cst.MaybeSentinel.DEFAULT)])
        return updated_node

    def _field(self, call: cst.Call, kind: str) -> cst.BaseExpression:
        if kind == "Link":
            return call.with_changes(func=_name("labctl.Link"))
        if kind not in FIELDS:
            self.note(MANUAL_MARK, f"oTree's models.{kind} has no labctl field type: declare "
                      "one of fields.Integer, Float, Decimal, Money, Text, Boolean, Choice")
            return call
        labctl_type, implied = FIELDS[kind]
        args: list[cst.Arg] = []
        given = set()
        present = {arg.keyword.value for arg in call.args if arg.keyword}
        for arg in call.args:
            mapped = self._option(arg, kind, present)
            if mapped is not None:
                args.append(mapped)
                given.add(mapped.keyword.value if mapped.keyword else "")
        for option, value in implied.items():
            if option not in given:
                args.append(cst.Arg(keyword=cst.Name(option), value=_name(value),
                                    equal=_equal()))
        return call.with_changes(func=_name(f"fields.{labctl_type}"),
                                 args=_commas(args, call.args))

    def _option(self, arg: cst.Arg, kind: str, present: set[str]) -> cst.Arg | None:
        """The labctl spelling of one option of a field; ``None`` drops it (``blank=False``,
        the default). ``present``: the options the call names."""
        if arg.keyword is None:
            self.note(MANUAL_MARK, f"models.{kind} with a positional argument: labctl's "
                      "fields take keyword options only")
            return arg
        option = arg.keyword.value
        if kind == "CurrencyField" and option in AMOUNT_OPTIONS and not self.amounts.points:
            return arg.with_changes(value=self._in_minor_units(arg.value, f"{option}= of"))
        if option == "choices" and FIELDS[kind][0] == "Text":
            return arg.with_changes(value=self._text_choices(arg.value))
        if option in SAME_OPTIONS:
            return arg
        if option in DJANGO_OPTIONS:  # oTree 3 was Django: its spelling of the same option
            if DJANGO_OPTIONS[option] in present:
                self.note(MANUAL_MARK, f"{option}= and {DJANGO_OPTIONS[option]}= say the "
                          f"same: keep {DJANGO_OPTIONS[option]}=")
                return arg
            return arg.with_changes(keyword=cst.Name(DJANGO_OPTIONS[option]))
        if option == "null":  # every labctl field holds None until it is set, as null=True
            if _dotted(arg.value) == "True":
                return None
            self.note(MANUAL_MARK, "null= that is not True: labctl's fields are None until "
                      "set; give initial= or make the page's form require it")
            return arg
        if option == "blank":
            if _dotted(arg.value) == "True":
                return arg.with_changes(keyword=cst.Name("required"), value=cst.Name("False"))
            if _dotted(arg.value) == "False":
                return None
            self.note(MANUAL_MARK, "blank= that is not True or False: write required=...")
            return arg
        if option == "widget":
            value = arg.value.func if isinstance(arg.value, cst.Call) else arg.value
            widget = _dotted(value).removeprefix("widgets.")
            if widget in WIDGETS:
                return arg.with_changes(value=cst.SimpleString(f'"{WIDGETS[widget]}"'))
            self.note(MANUAL_MARK, f"widget {_dotted(value) or '(an expression)'} has no "
                      "labctl widget: use one of " + ", ".join(sorted(set(WIDGETS.values()))))
            return arg
        self.note(MANUAL_MARK, f"field option {option}= has no labctl equivalent")
        return arg

    def _text_choices(self, choices: cst.BaseExpression) -> cst.BaseExpression:
        """``StringField(choices=[[1, 'A'], [2, 'B']])``: oTree stored the chosen value as
        text (``'1'``), so number literals among a text field's choices are written as text,
        as labctl's text fields require."""
        if isinstance(choices, cst.ListComp | cst.GeneratorExp) \
                and isinstance(choices.elt, cst.Tuple | cst.List) and choices.elt.elements \
                and not isinstance(choices.elt.elements[0].value, cst.SimpleString):
            # [(i, name) for i, name in enumerate(countries)]: oTree stored str(i)
            first = choices.elt.elements[0]
            self.note(CHANGE_MARK, "choices of a text field made by a comprehension: their "
                      "values are made text with str(), as oTree stored them")
            return choices.with_changes(elt=choices.elt.with_changes(elements=[
                first.with_changes(value=cst.Call(func=cst.Name("str"),
                                                  args=[cst.Arg(value=first.value)])),
                *choices.elt.elements[1:]]))
        if not isinstance(choices, cst.List | cst.Tuple):
            return choices
        elements = []
        for element in choices.elements:
            value = element.value
            if isinstance(value, cst.List | cst.Tuple) and value.elements:  # [value, label]
                first = value.elements[0]
                value = value.with_changes(elements=[
                    first.with_changes(value=_as_text(first.value)), *value.elements[1:]])
            else:
                value = _as_text(value)
            elements.append(element.with_changes(value=value))
        converted = choices.with_changes(elements=elements)
        if not converted.deep_equals(choices):
            self.note(CHANGE_MARK, "number choices of a text field written as text: oTree "
                      "stored the chosen one as text ('1'), as labctl does")
        return converted

    def _amount(self, call: cst.Call) -> cst.BaseExpression:
        """``cu(10)`` -> ``10`` points, or ``1000`` minor units; ``cu(x)`` -> ``x``."""
        if not call.args:
            return cst.Integer("0")
        value = call.args[0].value
        literal = _number(value)
        if literal is not None:
            scaled = literal * self.amounts.scale
            if scaled != scaled.to_integral_value():
                self.note(MANUAL_MARK, f"{literal} is not a whole amount in "
                          f"{'points' if self.amounts.points else 'minor units'}: labctl's "
                          "amounts are ints")
                return call
            if self.bots and not self.amounts.points:
                self.note(CHANGE_MARK, f"the amount {literal} is written as {int(scaled)} "
                          "minor units; a value typed into a form is written as typed")
            return self._converted(scaled)
        if not self.amounts.points and not self.bots:
            return self._in_minor_units(value, "cu() of")
        if _divides(value, fractional=self.fractional,
                    functions=self.amounts.fractional_functions):
            self.note(CHANGE_MARK, "oTree rounded this Currency silently; labctl refuses a "
                      "fractional amount, so it is rounded with round() (half to even): "
                      "check the rounding you want")
            return cst.Call(func=cst.Name("round"), args=[cst.Arg(value=_bare(value))])
        return _parenthesized(value)

    def _converted(self, scaled: Decimal) -> cst.BaseExpression:
        """A literal amount the import made points or minor units (a fraction of one stays a
        fraction, which labctl refuses as an amount when it runs, rather than cut off)."""
        node: cst.BaseExpression = (
            cst.Integer(str(int(abs(scaled)))) if scaled == scaled.to_integral_value()
            else cst.Float(format(abs(scaled).normalize(), "f")))
        if scaled < 0:
            node = cst.UnaryOperation(cst.Minus(), node)
        self.converted.add(id(node))
        return node

    def _in_minor_units(self, value: cst.BaseExpression, what: str) -> cst.BaseExpression:
        """A value that becomes an amount in a project without points, where oTree read a
        plain number as units of the currency (``cu(player.score)`` is the score in dollars):
        an amount stays, a number is scaled to minor units, anything else is marked."""
        unit = self.units.of_expression(value)
        if unit == "amount":  # payoff - 20: the 20 was units of the currency, as in oTree
            return _parenthesized(scaled(value, set(self.units.to_scale), self.amounts.scale))
        literal = _number(value)
        if literal is not None:
            return self._converted(literal * self.amounts.scale)
        if unit == "number":
            self.note(CHANGE_MARK, f"{what} a plain number: oTree read it in units of the "
                      "currency and labctl's amounts are minor units, so it is times "
                      f"{self.amounts.scale}, rounded (0.07 * 100 is 7.000000000000001)")
            times = cst.Call(func=cst.Name("round"), args=[cst.Arg(value=cst.BinaryOperation(
                _parenthesized(value), cst.Multiply(), cst.Integer(str(self.amounts.scale))))])
            self.converted.add(id(times))
            return times
        self.note(MANUAL_MARK, f"{what} a value the import cannot tell is already an amount: "
                  "without points oTree read a plain number in units of the currency, and "
                  "labctl's amounts are minor units: write it in minor units")
        self.marked.add(id(value))  # listed once: not again where it is assigned
        return value

    def _range(self, call: cst.Call) -> cst.BaseExpression:
        """``currency_range(a, b, step)`` includes ``b``: ``range(a, b + 1, step)``."""
        if len(call.args) not in (2, 3) or any(arg.keyword for arg in call.args):
            self.note(MANUAL_MARK, "currency_range with other arguments than (first, last, "
                      "step): write range(first, last + 1, step)")
            return call
        last = call.args[1].value
        literal = _number(last)
        end: cst.BaseExpression = (cst.Integer(str(int(literal) + 1))
                                   if literal is not None and literal == int(literal)
                                   else cst.BinaryOperation(_parenthesized(last), cst.Add(),
                                                            cst.Integer("1")))
        args = list(call.args)
        args[1] = args[1].with_changes(value=end)
        return call.with_changes(func=cst.Name("range"), args=args)

    def _submission(self, call: cst.Call) -> cst.BaseExpression:
        """``check_html=`` checks oTree's form HTML, which labctl does not have."""
        args = [arg for arg in call.args
                if not (arg.keyword and arg.keyword.value == "check_html")]
        if len(args) == len(call.args):
            return call
        self.note(CHANGE_MARK, "check_html= removed: labctl's bots submit through HTTP and "
                  "check the server's answer, not the form's HTML")
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return call.with_changes(args=args)

    # -- amounts assigned --------------------------------------------------------------------

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign
                     ) -> cst.Assign | cst.AugAssign:
        targets = [target.target for target in updated_node.targets]
        if _names(targets) == ["form_model"] and _dotted(updated_node.value) in FORM_MODELS:
            # oTree accepts the model class; labctl names it as oTree's docs do
            return updated_node.with_changes(value=cst.SimpleString(
                repr(FORM_MODELS[_dotted(updated_node.value)])))
        self._note_local_unit(targets, updated_node.value)
        self._note_stored(targets, updated_node.value)
        if self.fractional_locals and len(targets) == 1 and isinstance(targets[0], cst.Name) \
                and self._divides(updated_node.value):
            self.fractional_locals[-1].add(targets[0].value)
        paid = self._participant_payoff(targets)
        if paid is not None:  # the value is an amount as if set on the player's payoff
            value = self._assigned([cst.Attribute(value=paid, attr=cst.Name("payoff"))],
                                   updated_node.value)
            return self._pay_participant(paid, targets[0], value)
        return updated_node.with_changes(value=self._assigned(targets, updated_node.value))

    def _note_local_unit(self, targets: Sequence[cst.BaseExpression],
                         value: cst.BaseExpression) -> None:
        """``wage = group.wage_offer`` in a function: ``wage`` has the value's unit (unknown
        once assigned values of two units)."""
        scope = self.units.scopes[-1] if self.units.scopes else None
        if scope is None or self.amounts.points or len(targets) != 1 \
                or not isinstance(targets[0], cst.Name):
            return
        name, unit = targets[0].value, self.units.of_expression(value)
        scope[name] = unit if scope.get(name, unit) == unit else "unknown"

    def _note_stored(self, targets: Sequence[cst.BaseExpression],
                     value: cst.BaseExpression) -> None:
        """``participant.payoff_trust = sum(...)``: the unit of what is stored, for the apps
        that read it (a 0 or ``None`` is of any unit)."""
        if self.writes is None or is_zero(value) or _dotted(value) == "None":
            return  # only while the project's modules are read for what they store
        keys = written_keys(targets)
        if not keys:
            return
        unit, fractional = self.units.of_expression(value), self._divides(value)
        for key in keys:
            self.writes.add(key, unit, fractional)

    def _divides(self, value: cst.BaseExpression) -> bool:
        """``_divides`` with what this module and the project know to hold fractions."""
        return _divides(value, self.currency, self.fractional,
                        self.amounts.fractional_functions,
                        self.fractional_locals[-1] if self.fractional_locals else (),
                        self.amounts.participant_values)

    def _participant_payoff(self, targets: Sequence[cst.BaseExpression]
                            ) -> cst.BaseExpression | None:
        """The player whose participant's payoff ``targets`` set: ``P`` for
        ``P.participant.payoff = ...``, or for ``participant.payoff = ...`` after
        ``participant = P.participant`` in the same function; else ``None``."""
        if len(targets) != 1 or not isinstance(targets[0], cst.Attribute) \
                or targets[0].attr.value != "payoff":
            return None
        owner = targets[0].value
        if isinstance(owner, cst.Attribute) and owner.attr.value == "participant":
            return owner.value
        if isinstance(owner, cst.Name) and self.participants:
            return self.participants[-1].get(owner.value)
        return None

    def _pay_participant(self, player: cst.BaseExpression, target: cst.BaseExpression,
                         value: cst.BaseExpression) -> cst.AugAssign:
        """oTree's ``participant.payoff = x`` sets the participant's total; labctl's total is
        the sum of the player payoffs, so this player's payoff takes the difference:
        ``player.payoff += x - participant.payoff`` leaves the total at ``x``, as in oTree."""
        self.note(CHANGE_MARK, "participant.payoff = x: labctl's participant.payoff is the sum "
                  "of the player payoffs, so this player's payoff takes the difference and the "
                  "participant's total is x, as in oTree")
        assert isinstance(target, cst.Attribute)
        return cst.AugAssign(
            target=cst.Attribute(value=player, attr=cst.Name("payoff")),
            operator=cst.AddAssign(),
            value=cst.BinaryOperation(left=_parenthesized(value), operator=cst.Subtract(),
                                      right=target))

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison
                         ) -> cst.Comparison:
        """Without points, ``group.total >= 10`` compared with 10 units of the currency in
        oTree: the literal is made minor units; a plain number that is not a literal, which
        the import cannot convert with certainty, is marked."""
        if self.amounts.points or self.bots:
            return updated_node
        sides = [updated_node.left, *(target.comparator
                                      for target in updated_node.comparisons)]
        units = [self.units.of_expression(side) for side in sides]
        if "amount" not in units:
            return updated_node
        numbers = [i for i, (side, unit) in enumerate(zip(sides, units, strict=True))
                   if unit != "amount" and not is_zero(side)]
        if any(_number(sides[i]) is None for i in numbers):
            self.note(MANUAL_MARK, "an amount compared with a value that may be a plain "
                      "number: without points oTree read a number in units of the currency, "
                      "and labctl's amounts are minor units: write it in minor units")
            return updated_node
        scaled_sides = [self._converted(_number(side) * self.amounts.scale)  # type: ignore
                        if i in numbers else side for i, side in enumerate(sides)]
        return updated_node.with_changes(left=scaled_sides[0], comparisons=[
            target.with_changes(comparator=side) for target, side
            in zip(updated_node.comparisons, scaled_sides[1:], strict=True)])

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign
                        ) -> cst.AugAssign:
        if isinstance(updated_node.operator, cst.AddAssign | cst.SubtractAssign):
            self._note_stored([updated_node.target], updated_node.value)
        paid = self._participant_payoff([updated_node.target])
        if paid is not None and isinstance(updated_node.operator,
                                           cst.AddAssign | cst.SubtractAssign):
            # adding to the participant's total is adding to this player's payoff
            updated_node = updated_node.with_changes(
                target=cst.Attribute(value=paid, attr=cst.Name("payoff")))
        return updated_node.with_changes(
            value=self._assigned([updated_node.target], updated_node.value))

    def _assigned(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression
                  ) -> cst.BaseExpression:
        amounts = [target for target in targets
                   if isinstance(target, cst.Attribute) and target.attr.value in self.money]
        if not amounts:
            return value
        if any(_dotted(target.value).endswith("participant") and target.attr.value == "payoff"
               for target in amounts):
            self.note(MANUAL_MARK, "labctl refuses participant.payoff = ...: its bonus is the "
                      "sum of player payoffs, so set player.payoff in the paid round (0 "
                      "elsewhere)")
            return value
        if not self.amounts.points and not self.bots:
            if id(value) in self.marked:
                return value
            if self.units.of_expression(value) != "amount":
                return self._in_minor_units(value, "an amount set to")
            value = scaled(value, set(self.units.to_scale), self.amounts.scale)
        if (isinstance(value, cst.Call) and _dotted(value.func) == "round"
                and len(value.args) == 2):
            self.note(CHANGE_MARK, "round(x, digits) into an amount: labctl's amounts are "
                      "whole (points or minor units), so it is round(x) (half to even)")
            return value.with_changes(args=[value.args[0].with_changes(
                comma=cst.MaybeSentinel.DEFAULT)])
        if self._divides(value):
            self.note(CHANGE_MARK, "oTree rounded this Currency silently; labctl refuses a "
                      "fractional amount, so it is rounded with round() (half to even): "
                      "check the rounding you want")
            return cst.Call(func=cst.Name("round"), args=[cst.Arg(value=_bare(value))])
        return value


class _ParticipantNames(cst.CSTVisitor):
    """``participant = player.participant`` in a function: ``{"participant": player}``."""

    def __init__(self) -> None:
        self.found: dict[str, cst.BaseExpression] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function has names of its own

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and isinstance(node.value, cst.Attribute) \
                and node.value.attr.value == "participant":
            self.found[node.targets[0].target.value] = node.value.value


def _names(targets: Sequence[cst.BaseExpression]) -> list[str]:
    return [target.value for target in targets if isinstance(target, cst.Name)]


def _currency_alias(node: cst.SimpleStatementLine, currency: Collection[str]) -> str | None:
    """``c`` for ``c = cu`` (or ``= Currency``), else ``None``."""
    if len(node.body) != 1 or not isinstance(node.body[0], cst.Assign):
        return None
    assign = node.body[0]
    if (len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name)
            and isinstance(assign.value, cst.Name) and assign.value.value in currency):
        return assign.targets[0].target.value
    return None


def _with_comments(node: cst.CSTNode, comments: list[cst.EmptyLine]) -> cst.CSTNode:
    leading = getattr(node, "leading_lines", None)
    if leading is None:
        return node
    return node.with_changes(leading_lines=[*leading, *comments])


def _commas(args: list[cst.Arg], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Commas between arguments, and after the last one only if the original had one."""
    between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    fixed = [arg if arg.comma != cst.MaybeSentinel.DEFAULT else arg.with_changes(comma=between)
             for arg in args[:-1]]
    if args:
        trailing = original[-1].comma if original else cst.MaybeSentinel.DEFAULT
        fixed.append(args[-1].with_changes(comma=trailing))
    return fixed


def _equal() -> cst.AssignEqual:
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                           whitespace_after=cst.SimpleWhitespace(""))


def _number(node: cst.BaseExpression) -> Decimal | None:
    """The value of a number literal (``-2.5`` too), else ``None``."""
    sign = 1
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        sign, node = -1, node.expression
    if isinstance(node, cst.Integer | cst.Float):
        try:
            return sign * Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            return None
    return None


def _divides(node: cst.BaseExpression, currency: Collection[str] = (),
             fractional: Collection[str] = (), functions: Collection[str] = (),
             names: Collection[str] = (), participant: ParticipantValues | None = None
             ) -> bool:
    """Whether an expression can make a fraction the importer sees: a ``/``, a float
    literal, a ``C`` constant that holds one (``fractional``), a call of a function that
    returns one (``functions``) or a participant value stored with one (``participant``),
    outside a call that rounds (``round``, ``int``, ...) or a ``cu()`` left for the
    researcher."""
    finder = _DivisionFinder(currency, fractional, functions, names,
                             participant or ParticipantValues())
    node.visit(finder)
    return finder.found


class _DivisionFinder(cst.CSTVisitor):
    def __init__(self, currency: Collection[str], fractional: Collection[str] = (),
                 functions: Collection[str] = (), names: Collection[str] = (),
                 participant: ParticipantValues | None = None) -> None:
        self.found = False
        #: local names holding a division (``share = total * 1.5 / 2``)
        self.names = names
        self.currency = currency
        self.fractional = fractional
        self.functions = functions
        self.participant = participant or ParticipantValues()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if _dotted(node.value) == "C" and node.attr.value in self.fractional:
            self.found = True
        self._stored(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._stored(node)

    def _stored(self, node: cst.Attribute | cst.Subscript) -> None:
        key = participant_key(node)
        if key is not None and self.participant.fractional(key):
            self.found = True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True

    def visit_Call(self, node: cst.Call) -> bool:
        name = _dotted(node.func)
        key = read_key(node)  # participant.vars.get('x', ...)
        if name.rsplit(".", 1)[-1] in self.functions or (
                key is not None and self.participant.fractional(key)):
            self.found = True
        return name.rsplit(".", 1)[-1] not in ROUNDING and name not in self.currency

    def visit_Divide(self, node: cst.Divide) -> None:
        self.found = True

    def visit_Float(self, node: cst.Float) -> None:
        self.found = True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _as_text(node: cst.BaseExpression) -> cst.BaseExpression:
    """A number literal as the text oTree stored for it (``1`` -> ``'1'``), else ``node``."""
    if _number(node) is None:
        return node
    return cst.SimpleString(repr(str(ast.literal_eval(cst.Module([]).code_for_node(node)))))


def _bare(node: cst.BaseExpression) -> cst.BaseExpression:
    """Without its outer parentheses (it is about to become a call's argument)."""
    return node.with_changes(lpar=[], rpar=[]) if getattr(node, "lpar", None) else node


def _parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """In parentheses when it is not an atom, so it keeps its meaning where ``cu(...)`` was."""
    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float,
             cst.SimpleString, cst.List, cst.Tuple, cst.Dict)
    if isinstance(node, atoms) or getattr(node, "lpar", None):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
