"""Fields named like one of labctl's own columns in another case, renamed on import.

A database's column names ignore case, so an extra model's ``Session_Code`` field would be the
``session_code`` column labctl keeps for every extra record (and a player's ``Round_Number``
its ``round_number``); labctl refuses such a field (LC233, LC142). oTree stores them apart, and
a lab that copied its column names into its fields (``Report.create(Session_Code=...)``) has
done nothing wrong. Such a field becomes ``Session_Code_``: its declaration, every
``.Session_Code`` and every ``Session_Code=`` keyword in the module, listed as changed
behaviour (its data column is ``Session_Code_``). A field named exactly like the column
(``round_number`` on an extra model) is not renamed: ``x.round_number`` then may mean either,
so it stays for the researcher (LC233 names it).
"""

from __future__ import annotations

import re

import libcst as cst

from ..extra_records import EXTRA_COLUMNS
from ..otree_templates import ANY_TAG
from ..records import BUILTIN_COLUMNS, Group, Player, Subsession
from .report import CHANGE_MARK

#: oTree's base class -> the columns labctl keeps in that kind's table
COLUMNS = {
    "ExtraModel": frozenset(EXTRA_COLUMNS),
    "BasePlayer": frozenset(BUILTIN_COLUMNS["player"]) | Player.builtin_names,
    "BaseGroup": frozenset(BUILTIN_COLUMNS["group"]) | Group.builtin_names,
    "BaseSubsession": frozenset(BUILTIN_COLUMNS["subsession"]) | Subsession.builtin_names,
}


#: owners whose attributes are not record fields: ``participant.Role`` is a participant
#: field, which no column clashes with, and other apps read it by that name
NOT_RECORDS = frozenset({"participant", "session", "vars", "C", "Constants"})
#: functions that name a field by a string: ``getattr(player, 'Role')``
BY_NAME = frozenset({"getattr", "setattr", "hasattr"})


def rename_clashing_fields(module: cst.Module, renamed: dict[str, str] | None = None
                           ) -> cst.Module:
    """The module with each field that is a labctl column in another case renamed: those it
    declares, and ``renamed`` (its app's, for the app's ``tests.py``)."""
    finder = _ClashFinder()
    module.visit(finder)
    names = {**(renamed or {}), **finder.renamed}
    if not names:
        return module
    return module.visit(_Renamer(names))


def clashing_fields(source: str) -> dict[str, str]:
    """The renamed fields of an app's module: old name -> new name."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return {}
    finder = _ClashFinder()
    module.visit(finder)
    return finder.renamed


def renamed_in_template(text: str, renamed: dict[str, str]) -> str:
    """A template's tags with the renamed fields: ``{{ player.Role }}``, ``{{ p.Role }}``,
    ``{{ formfield 'Role' }}`` (not ``participant.Role``, a participant field)."""
    if not renamed:
        return text
    names = "|".join(re.escape(name) for name in renamed)
    attribute = re.compile(rf"(?<![\w.])(\w+(?:\.\w+)*)\.({names})\b")
    field = re.compile(rf"\b(formfield\s+)(['\"])({names})\2")

    def on_record(found: re.Match[str]) -> str:
        owner = found[1].rsplit(".", 1)[-1]
        return found[0] if owner in NOT_RECORDS else f"{found[1]}.{renamed[found[2]]}"

    def tag(found: re.Match[str]) -> str:
        inner = attribute.sub(on_record, found[0])
        return field.sub(lambda m: f"{m[1]}{m[2]}{renamed[m[3]]}{m[2]}", inner)

    return ANY_TAG.sub(tag, text)


def _fields_of(node: cst.ClassDef) -> list[str]:
    """The names the class body assigns a ``models.*`` field to."""
    return [name for line in node.body.body for name in _assigned_names(line, fields=True)]


def _assigned_names(line: cst.BaseStatement, fields: bool = False) -> list[str]:
    """The names a line of a class body assigns (only a ``models.*`` field's with
    ``fields``)."""
    if not isinstance(line, cst.SimpleStatementLine):
        return []
    return [target.target.value for statement in line.body if isinstance(statement, cst.Assign)
            and (not fields or _is_field(statement.value))
            for target in statement.targets if isinstance(target.target, cst.Name)]


def _is_field(value: cst.BaseExpression) -> bool:
    return (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
            and isinstance(value.func.value, cst.Name) and value.func.value.value == "models")


class _ClashFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.renamed: dict[str, str] = {}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {base.value.value for base in node.bases if isinstance(base.value, cst.Name)}
        columns = frozenset().union(*(COLUMNS[base] for base in bases if base in COLUMNS))
        lowered = {column.lower(): column for column in columns}
        fields = _fields_of(node)
        for name in fields:
            if name.lower() in lowered and lowered[name.lower()] != name:
                spelled = f"{name}_"
                while spelled in fields:
                    spelled += "_"
                self.renamed[name] = spelled


class _Renamer(cst.CSTTransformer):
    def __init__(self, renamed: dict[str, str]) -> None:
        super().__init__()
        self.renamed = renamed

        #: how deep in ``form_fields = [...]``, a ``yield`` or a ``Submission(...)`` the
        #: visit is: there a string names a field (``'Role'``)
        self.naming = 0

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.Attribute:
        spelled = self.renamed.get(updated_node.attr.value)
        owner = updated_node.value
        if not spelled or (isinstance(owner, cst.Name) and owner.value in NOT_RECORDS) or (
                isinstance(owner, cst.Attribute) and owner.attr.value in NOT_RECORDS):
            return updated_node
        return updated_node.with_changes(attr=cst.Name(spelled))

    def visit_Assign(self, node: cst.Assign) -> None:
        self.naming += _names_fields(node)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        self.naming -= _names_fields(original_node)
        return updated_node

    def visit_Yield(self, node: cst.Yield) -> None:
        self.naming += 1

    def leave_Yield(self, original_node: cst.Yield, updated_node: cst.Yield) -> cst.Yield:
        self.naming -= 1
        return updated_node

    def visit_Call(self, node: cst.Call) -> None:
        self.naming += _names_by_string(node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        self.naming -= _names_by_string(original_node)
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        value = updated_node.evaluated_value
        if self.naming and isinstance(value, str) and value in self.renamed:
            quote = updated_node.quote
            return updated_node.with_changes(value=f"{updated_node.prefix}{quote}"
                                             f"{self.renamed[value]}{quote}")
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        keyword = updated_node.keyword
        if keyword is not None and keyword.value in self.renamed:
            return updated_node.with_changes(keyword=cst.Name(self.renamed[keyword.value]))
        return updated_node

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef:
        lines = []
        for line in updated_node.body.body:
            names = [name for name in _assigned_names(line) if name in self.renamed]
            if names and isinstance(line, cst.SimpleStatementLine):
                line = _declared_as(line, names, self.renamed)
            lines.append(line)
        return updated_node.with_changes(body=updated_node.body.with_changes(body=lines))


def _names_fields(node: cst.Assign) -> int:
    """1 for ``form_fields = [...]``, whose strings name fields."""
    return int(any(isinstance(target.target, cst.Name) and target.target.value == "form_fields"
                   for target in node.targets))


def _names_by_string(node: cst.Call) -> int:
    """1 for a call whose strings name fields: ``getattr(player, 'Role')``,
    ``Submission(Page, {'Role': 'A'})``."""
    name = node.func.value if isinstance(node.func, cst.Name) else ""
    return int(name in BY_NAME or name in ("Submission", "SubmissionMustFail"))


def _declared_as(line: cst.SimpleStatementLine, names: list[str], renamed: dict[str, str]
                 ) -> cst.SimpleStatementLine:
    """The field's declaration under its new name, with the change noted above it."""
    body = []
    for statement in line.body:
        if isinstance(statement, cst.Assign):
            statement = statement.with_changes(targets=[
                target.with_changes(target=cst.Name(renamed[target.target.value]))
                if isinstance(target.target, cst.Name) and target.target.value in renamed
                else target for target in statement.targets])
        body.append(statement)
    notes = [cst.EmptyLine(comment=cst.Comment(
        f"{CHANGE_MARK}field {name} is {renamed[name]}: a database's column names ignore "
        f"case, so {name} would be labctl's own {name.lower()} column; its data column is "
        f"{renamed[name]}".rstrip())) for name in names]
    return line.with_changes(body=body, leading_lines=[*line.leading_lines, *notes])
