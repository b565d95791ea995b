"""An oTree app in the old format (``models.py``, ``pages.py``, methods of ``self``) as the
"no self" format the rest of the import reads, as oTree 5's ``otree remove_self`` writes it.

oTree 5 still runs old-format apps, and many public projects are written so. The two files
become one ``__init__.py`` (one ``from otree.api import *``; ``from ._builtin import ...``
and ``from .models import ...`` dropped; ``models.Player`` written ``Player``), and:

- the hooks labctl calls as module functions move out of their record class, ``self``
  becoming the record: ``Subsession.creating_session(self)`` and
  ``vars_for_admin_report(self)`` become ``creating_session(subsession)``, ...; a field's
  ``amount_max(self)`` / ``_min`` / ``_choices`` / ``_error_message(self, value)`` become
  ``amount_max(player)``, ... Other methods stay methods (``self.group.set_payoffs()`` works
  as written);
- a page's hooks become static methods of the player: ``self.player`` is ``player``,
  ``self.group``, ``self.participant``, ``self.session``, ``self.subsession`` and
  ``self.round_number`` are the player's; ``before_next_page(self)`` takes
  ``timeout_happened`` and ``self.timeout_happened`` is that; a wait page's
  ``after_all_players_arrive(self)`` takes the group (the subsession with
  ``wait_for_all_groups``); ``live_method = 'live_bid'`` naming a Player method becomes the
  page's ``live_method(player, data)`` calling it;
- ``tests.py``: ``pages.Intro`` is ``Intro`` and the app's names come from the app.

What it cannot convert (``self`` used otherwise in a hook) is left as written and marked, so
the import lists it at its line; an oTree 3 hook labctl does not run
(``vars_for_all_templates``, ``get_players_for_group``) is left for ``labctl validate``, which
names it (LC190, LC191).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from .python_code import class_keeping
from .report import MANUAL_MARK
from .syntax import dotted as _dotted

__all__ = ["is_old_format", "no_self_app", "no_self_bots"]

#: each record class's hooks labctl calls as module functions, with their record's name
RECORD_HOOKS = {"Subsession": ("subsession", {"creating_session", "vars_for_admin_report",
                                              "group_by_arrival_time_method"}),
                "Group": ("group", set()), "Player": ("player", set())}
FIELD_HOOK_SUFFIXES = ("_max", "_min", "_choices", "_error_message")
#: page hooks taking the player, and their parameters after it
PAGE_HOOKS = {"is_displayed": [], "vars_for_template": [], "js_vars": [],
              "before_next_page": ["timeout_happened"], "error_message": None,
              "get_form_fields": [], "get_timeout_seconds": [], "app_after_this_page": None}
#: what ``self.<name>`` is in a hook of the player
PLAYER_SELF = {"player": "player", "group": "player.group", "subsession": "player.subsession",
               "session": "player.session", "participant": "player.participant",
               "round_number": "player.round_number"}


def is_old_format(app: Path) -> bool:
    return (app / "models.py").is_file() or (app / "pages.py").is_file()


def no_self_app(app: Path) -> str:
    """The app's ``__init__.py`` in the no-self format, from its models.py and pages.py."""
    parts = [_read(app / name) for name in ("models.py", "pages.py")]
    models = cst.parse_module(parts[0])
    pages = cst.parse_module(parts[1])
    classes = _class_names(models)
    imports, body = _split(models, classes)
    page_imports, page_body = _split(pages, classes)
    module = cst.Module(body=[*_imports(imports + page_imports), *body, *page_body])
    module = module.visit(_RecordHooksOut()).visit(_PageHooks())
    return module.code


def no_self_bots(app: Path) -> str:
    """The app's ``tests.py`` with ``pages.X`` as ``X`` and the app's names imported."""
    models = cst.parse_module(_read(app / "models.py"))
    classes = _class_names(models)
    imports, body = _split(cst.parse_module(_read(app / "tests.py")), classes)
    header = cst.parse_module("from otree.api import *\nfrom . import *\n").body
    return cst.Module(body=[*header, *_imports(imports)[1:], *body]).visit(
        _PagesPrefix()).code


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _class_names(module: cst.Module) -> set[str]:
    return {statement.name.value for statement in module.body
            if isinstance(statement, cst.ClassDef)}


def _split(module: cst.Module, classes: set[str]
           ) -> tuple[list[cst.SimpleStatementLine], list[cst.BaseStatement]]:
    """The module's import lines, and its other statements with ``models.X`` as ``X``."""
    imports, body = [], []
    for statement in module.visit(_ModelsPrefix(classes)).body:
        if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body):
            imports.append(statement)
        else:
            body.append(statement)
    return imports, body


def _imports(lines: list[cst.SimpleStatementLine]) -> list[cst.BaseStatement]:
    """One ``from otree.api import *``, the aliases of oTree names it imported
    (``Currency as c`` is ``c = cu``), and the module's other imports."""
    aliases: list[cst.BaseStatement] = []
    for line in lines:
        for small in line.body:
            if isinstance(small, cst.ImportFrom) and _module_name(small) == "otree.api" \
                    and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        original = _dotted(alias.name)
                        aliases.append(cst.parse_statement(
                            f"{alias.asname.name.value} = "
                            f"{'cu' if original == 'Currency' else original}"))
    head = cst.parse_module("from otree.api import *\n").body
    return [*head, *_kept(lines), *aliases]


def _kept(lines: list[cst.SimpleStatementLine]) -> list[cst.SimpleStatementLine]:
    """Import lines that are not oTree's, the app's own modules or ``_builtin``."""
    kept, seen = [], set()
    for line in lines:
        code = cst.Module(body=[line]).code.strip()
        if code in seen or any(_dropped(small) for small in line.body):
            continue
        seen.add(code)
        kept.append(line)
    return kept


def _dropped(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.ImportFrom):
        name = _module_name(small)
        own = small.relative and name in ("", "models", "pages", "_builtin")
        return own or name in ("otree.api", "otree.models", "otree.views")
    return False


def _module_name(node: cst.ImportFrom) -> str:
    return _dotted(node.module) if node.module is not None else ""


class _ModelsPrefix(cst.CSTTransformer):
    """``models.Constants`` (the app's models module, in pages.py) -> ``Constants``."""

    def __init__(self, classes: set[str]) -> None:
        super().__init__()
        self.classes = classes

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        if isinstance(updated_node.value, cst.Name) and updated_node.value.value == "models" \
                and updated_node.attr.value in self.classes:
            return updated_node.attr
        return updated_node


class _PagesPrefix(cst.CSTTransformer):
    """``pages.Intro`` in tests.py -> ``Intro``."""

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        if isinstance(updated_node.value, cst.Name) and updated_node.value.value == "pages":
            return updated_node.attr
        return updated_node


class _SelfAs(cst.CSTTransformer):
    """In a hook's body: ``self.<attr>`` as ``names[attr]``, plain ``self`` as ``bare``;
    any other use of ``self`` is left and counted in ``left``."""

    def __init__(self, names: dict[str, str], bare: str | None) -> None:
        super().__init__()
        self.names = names
        self.bare = bare
        self.left: list[str] = []
        #: every ``self`` in the body, and those inside an attribute this handled or marked
        self.uses = 0
        self.accounted = 0

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        if isinstance(original_node.value, cst.Name) and original_node.value.value == "self":
            self.accounted += 1
            spelled = self.names.get(original_node.attr.value)
            if spelled is not None:
                return cst.parse_expression(spelled)
            if self.bare is not None:
                return updated_node.with_changes(value=cst.Name(self.bare))
            self.left.append(f"self.{original_node.attr.value}")
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name
                   ) -> cst.BaseExpression:
        if updated_node.value != "self":
            return updated_node
        self.uses += 1
        return updated_node.with_changes(value=self.bare) if self.bare else updated_node

    def unconverted(self) -> list[str]:
        """The uses of ``self`` left as written (``self`` passed on, ``self.form_fields``)."""
        bare = ["self"] if self.bare is None and self.uses > self.accounted else []
        return sorted(set(self.left)) + bare


def _function(method: cst.FunctionDef, first: str, more: Sequence[str] | None,
              names: dict[str, str], bare: str | None, static: bool) -> cst.FunctionDef:
    """``method`` with ``self`` as ``first`` (and ``more`` parameters after it when given,
    else its own), its body's ``self`` rewritten; a use it cannot rewrite is marked."""
    rest = list(method.params.params[1:]) if more is None else [
        cst.Param(cst.Name(name)) for name in more]
    params = method.params.with_changes(params=[cst.Param(cst.Name(first)), *rest])
    rewriter = _SelfAs(names, bare)
    body = method.body.visit(rewriter)
    decorators = [cst.Decorator(cst.Name("staticmethod"))] if static else []
    lines = list(method.leading_lines)
    if rewriter.unconverted():
        lines.append(cst.EmptyLine(comment=cst.Comment(
            f"{MANUAL_MARK}{', '.join(rewriter.unconverted())} in {method.name.value}: "
            "oTree's old format; labctl's hooks take the record, not self")))
    return method.with_changes(params=params, body=body, decorators=decorators,
                               leading_lines=lines)


def _takes_self(node: cst.BaseStatement) -> bool:
    return (isinstance(node, cst.FunctionDef) and bool(node.params.params)
            and node.params.params[0].name.value == "self" and not node.decorators)


class _RecordHooksOut(cst.CSTTransformer):
    """The hooks labctl calls as module functions move out of Subsession/Group/Player."""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = []
        for statement in updated_node.body:
            if isinstance(statement, cst.ClassDef) and statement.name.value in RECORD_HOOKS:
                statement, moved = self._split(statement)
                body += [statement, *moved]
            else:
                body.append(statement)
        return updated_node.with_changes(body=body)

    @staticmethod
    def _split(cls: cst.ClassDef) -> tuple[cst.ClassDef, list[cst.FunctionDef]]:
        record, hooks = RECORD_HOOKS[cls.name.value]
        kept: list[cst.BaseStatement] = []
        moved: list[cst.FunctionDef] = []
        names = {item.name.value for item in cls.body.body if isinstance(item, cst.FunctionDef)}
        for item in cls.body.body:
            name = item.name.value if isinstance(item, cst.FunctionDef) else ""
            if name == "before_session_starts" and record == "subsession" \
                    and "creating_session" not in names and isinstance(item, cst.FunctionDef):
                item = item.with_changes(name=cst.Name("creating_session"))  # oTree 2's name
                name = "creating_session"
            if _takes_self(item) and (name in hooks or name.endswith(FIELD_HOOK_SUFFIXES)):
                assert isinstance(item, cst.FunctionDef)
                function = _function(item, record, None, {}, record, static=False)
                moved.append(function.with_changes(leading_lines=[
                    cst.EmptyLine(), cst.EmptyLine(), *function.leading_lines]))
            else:
                kept.append(item)  # type: ignore[arg-type]
        if not moved:
            return cls, []
        return class_keeping(cls, kept), moved


class _PageHooks(cst.CSTTransformer):
    """A page's or wait page's hooks as static methods of the player (or group)."""

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef:
        if updated_node.name.value in RECORD_HOOKS:
            return updated_node
        all_groups = any(_assigned(item) == ("wait_for_all_groups", "True")
                         for item in updated_node.body.body)
        body = [self._hook(item, all_groups) for item in updated_node.body.body]
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    @staticmethod
    def _hook(item: cst.BaseStatement, all_groups: bool) -> cst.BaseStatement:
        if (name := _live_method_name(item)) is not None:
            return cst.parse_statement(
                f"@staticmethod\ndef live_method(player, data):\n"
                f"    return player.{name}(data)\n")
        if not _takes_self(item):
            return item
        assert isinstance(item, cst.FunctionDef)
        name = item.name.value
        if name == "after_all_players_arrive":
            record = "subsession" if all_groups else "group"
            names = {"subsession": "subsession", "session": "subsession.session",
                     "round_number": "subsession.round_number"} if all_groups else {
                "group": "group", "subsession": "group.subsession",
                "session": "group.session", "round_number": "group.round_number"}
            return _function(item, record, [], names, None, static=True)
        if name in PAGE_HOOKS:
            more = PAGE_HOOKS[name]
            names = {**PLAYER_SELF, "timeout_happened": "timeout_happened"}
            return _function(item, "player", more, names, None, static=True)
        return item


def _assignment(item: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """``name = value`` as a line of a class body: the name and the value."""
    if isinstance(item, cst.SimpleStatementLine) and len(item.body) == 1:
        small = item.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                small.targets[0].target, cst.Name):
            return small.targets[0].target.value, small.value
    return None


def _assigned(item: cst.CSTNode) -> tuple[str, str] | None:
    """``name = True`` as a line of a class body: the name and the value's name."""
    found = _assignment(item)
    return (found[0], _dotted(found[1])) if found else None


def _live_method_name(item: cst.BaseStatement) -> str | None:
    """``live_method = 'live_bid'`` in a page: the Player method it names."""
    found = _assignment(item)
    if found and found[0] == "live_method" and isinstance(found[1], cst.SimpleString):
        value = found[1].evaluated_value
        return value if isinstance(value, str) and value.isidentifier() else None
    return None

