"""Rendering a participant's page: the app's template inside labctl's layout, and its form.

App templates are fragments that fill ``{% block title %}`` and ``{% block content %}``; the
loader prefixes ``{% extends "labctl/page.html" %}`` on the template's first line, so error line
numbers stay the researcher's. Forms are rendered from the field declarations.
"""

from __future__ import annotations

import copy
import json
import re
import traceback
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from markupsafe import Markup, escape

from ..app import shared_template, template_home
from ..engine import FORM_ERROR, PageView
from ..errors import ResearcherCodeError, SourceLocation
from ..fields import Boolean, Field, Money, shown_decimal
from ..fields import Decimal as DecimalField
from ..money import format_money, format_points
from ..otree_templates import FRAGMENT_PREFIX, PAGE_PREFIX, translate
from ..page_marker import attributes as marker_attributes
from ..project import Project
from .bound_form import BoundField, BoundForm
from .experimenter_chat import chat_box
from .widgets import FieldInput, render_field, render_next_button

#: the Jinja names of an app's template files: ``app:<app>/<file>``
APP_TEMPLATE_PREFIX = PAGE_PREFIX
LAYOUT = "labctl/page.html"
#: labctl's own templates that participant pages render from the ``TemplateCache``
WAIT_TEMPLATE = "labctl/wait.html"
#: a wait page's own template goes by ``wait:<app>/<file>`` and is put in this layout, which
#: keeps what makes it a wait page (the socket and position that move it on)
WAIT_PAGE_PREFIX = "wait:"
WAIT_LAYOUT = "labctl/wait_page.html"
FINISHED_TEMPLATE = "labctl/finished.html"
#: where ``create_app`` keeps the app's ``TemplateCache`` (``app.extensions``)
TEMPLATE_CACHE = "labctl.templates"
#: where it keeps the per-language variants: (template name, language) -> variant's name
TEMPLATE_VARIANTS = "labctl.template_variants"


class AppTemplateLoader(jinja2.BaseLoader):
    """Finds ``app:<app>/<file>`` in the project's app folders, wrapped in labctl's layout,
    and ``fragment:<app>/<file>`` (what an app template includes) as written: a fragment
    wrapped in the layout would put a second page, form and CSRF token inside the first.
    oTree's tags are translated to Jinja here (``otree_templates``), once per compile."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        fragment = template.startswith(FRAGMENT_PREFIX)
        wait = template.startswith(WAIT_PAGE_PREFIX)
        if not template.startswith(APP_TEMPLATE_PREFIX) and not fragment and not wait:
            raise jinja2.TemplateNotFound(template)
        app, _, name = template.partition(":")[2].partition("/")
        spec = self.project.apps.get(app)
        if spec is None:
            raise jinja2.TemplateNotFound(template)
        shared = None if fragment else shared_template(spec.folder, name)
        home = spec.folder if shared is None else template_home(spec.folder, name)
        path = (shared or spec.folder / name).resolve()  # another app's, or _templates/
        if not path.is_relative_to(home.resolve()) or not path.is_file():
            raise jinja2.TemplateNotFound(template)
        source = translate(path.read_text(encoding="utf-8"))
        if not fragment and not wait:  # a page extending another page is that page
            source = _EXTENDS.sub(lambda found: self._page_extends(found, app), source)
        if not fragment and "{% extends" not in source:
            source = '{% extends "' + (WAIT_LAYOUT if wait else LAYOUT) + '" %}' + source
        mtime = path.stat().st_mtime
        return source, str(path), lambda: _unchanged(path, mtime)


    def _page_extends(self, found: re.Match[str], app: str) -> str:
        """``{% extends "other_app/Page.html" %}`` in a page template: the page version of
        that template (``app:...``), so the page keeps labctl's layout, as oTree's page that
        extends another page does; labctl's own layouts stay as they are."""
        target = found["target"]
        if target.startswith(("labctl/", PAGE_PREFIX, FRAGMENT_PREFIX, WAIT_PAGE_PREFIX)):
            return found[0]
        first, slash, _ = target.partition("/")
        page = target if slash and first in self.project.apps else f"{app}/{target}"
        return found[0].replace(found["quoted"], f'"{PAGE_PREFIX}{page}"')


#: ``{% extends "target" %}`` as written in a template
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+(?P<quoted>(['"])(?P<target>[^'"]+)\2)\s*-?%\}""")


def app_template_name(app: str, file: str) -> str:
    """The name an app's template file goes by in the Jinja environment."""
    return f"{APP_TEMPLATE_PREFIX}{app}/{file}"


def language_variants(file: str, language: str) -> list[str]:
    """The files a page's template may have in ``language``, most specific first:
    ``Send.html`` in ``de_AT`` is ``Send.de_AT.html``, then ``Send.de.html`` (for long
    instructions, written whole in each language rather than as translated sentences)."""
    stem, dot, suffix = file.rpartition(".")
    if not dot:
        return []
    codes = [language, language.split("_")[0]] if "_" in language else [language]
    return [f"{stem}.{code}.{suffix}" for code in codes]


def form_helpers(view: PageView, field_input: Callable[[Field], FieldInput],
                 errors: dict[str, str]) -> dict[str, Callable[..., Any]]:
    """Helpers for a form written by hand: ``field_error('age')`` (the refused answer's
    message, or ""), ``field_value('age')`` (what was typed, or what is stored),
    ``choices('q1')`` (``(value, label)`` pairs to loop over) and ``readonly_field('q1')``
    (an earlier answer shown again, disabled: a quiz's explanation page). A name that is not
    a field of the page's form record stops the page at the template's line, as any
    undefined name does."""

    def declared(name: str) -> Field:
        for shown in view.fields:
            if shown.name == name:
                return shown
        record = view.form_record
        found = type(record).declared_fields().get(name) if record is not None else None
        if found is None:
            raise jinja2.UndefinedError(f"'{name}' is not a field of this page's form_model")
        return found

    def field_error(name: str) -> str:
        declared(name)
        return errors.get(name, "")

    def field_value(name: str) -> str:
        return field_input(declared(name)).value

    def choices(name: str) -> list[tuple[str, Any]]:
        return field_input(declared(name)).choices

    def readonly_field(name: str) -> Markup:
        shown = field_input(declared(name))
        shown.error = None
        return render_field(shown, readonly=True)

    return {"field_error": field_error, "field_value": field_value, "choices": choices,
            "readonly_field": readonly_field}


def wait_template_name(app: str, file: str) -> str:
    """The name a wait page's own template goes by in the Jinja environment."""
    return f"{WAIT_PAGE_PREFIX}{app}/{file}"


def render_wait_page(view: PageView, file: str, urls: dict[str, str]) -> str:
    """A wait page with its own template: the records, ``C``, ``money`` and what its
    ``vars_for_template`` returned, as on a page; ``urls`` are the socket and position."""
    context = {
        "view": view, "player": view.player, "group": view.group,
        "subsession": view.subsession, "participant": view.participant,
        "session": view.session, "C": view.step.app.constants() if view.step else None,
        "money": money_formatter(view), "title_text": view.page.title_text,  # type: ignore
        "body_text": view.page.body_text, **urls, **view.extra,  # type: ignore[union-attr]
    }
    if view.js_vars is not None:
        context["js_vars_json"] = js_vars_json(view)
    try:
        return compiled(wait_template_name(view.step.app.name, file)).render(  # type: ignore
            context)
    except jinja2.UndefinedError as exc:
        raise undefined_in_template(exc, view.step.app.folder) from exc  # type: ignore


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def title_text(title: Markup) -> str:
    """A page's ``<title>``: its title block without tags. ``striptags`` costs a regex pass
    and an unescape on every page, though nearly every title is plain words; those are only
    collapsed to single spaces, which is all ``striptags`` would do to them."""
    if "<" not in title and "&" not in title:
        return " ".join(title.split())
    return Markup(title).striptags()


def page_marker(view: PageView) -> Markup:
    """The attributes of ``<main>`` that tell the bots which page this is: the format is
    ``labctl.page_marker``'s, which the bots' client reads it with."""
    step = view.step
    return Markup(marker_attributes({
        "kind": view.kind, "step": view.index, "app": step.app.name if step else "",
        "round": step.round_number if step else "", "page": step.name if step else ""},
        escape))


def money_formatter(view: PageView) -> Callable[[Any], str]:
    """``money(amount)`` in templates: the session's currency, or points."""
    session_type = view.session.session_type

    def money(amount: Any) -> str:
        if amount is None:
            return ""
        if session_type.pays_points:
            return format_points(int(amount), session_type.number_locale)
        return format_money(int(amount), session_type.currency, session_type.number_locale)

    return money


def input_value(field: Field, value: Any, minor_digits: int, decimal_mark: str = ".") -> str:
    """A stored value as the participant types it: money in major units with the input's
    decimal mark (1050 → 10.50, or 10,50 in German), decimals never in exponent notation."""
    if value is None:
        return ""
    if isinstance(field, Money):
        return shown_decimal(Decimal(int(value)).scaleb(-minor_digits), decimal_mark)
    if isinstance(field, DecimalField):
        return shown_decimal(field.coerce(value), decimal_mark)
    if isinstance(field, Boolean):
        return "1" if value else "0"
    return str(value)


def render_page(view: PageView, csrf: str, errors: dict[str, str] | None = None,
                posted: dict[str, str] | None = None) -> str:
    """The participant's current page: app template, form, timer, all inside the layout."""
    errors = errors or {}
    session_type = view.session.session_type
    digits = session_type.minor_digits
    target = view.form_record

    def field_input(field: Field) -> FieldInput:
        mark = field.typed_mark(session_type.decimal_mark)
        if posted is not None and field.name in posted:
            value = posted[field.name]  # as typed: a refused answer comes back unchanged
        else:
            value = input_value(field, getattr(target, field.name, None), digits, mark)
        step = str(Decimal(1).scaleb(-digits)) if isinstance(field, Money) and digits else "1"
        if field.type_name in ("decimal", "float"):
            step = "any"
        return FieldInput(field, value, errors.get(field.name),
                          [(input_value(field, c, digits, mark), label)
                           for c, label in field.choices or []],
                          step, _bound(field, field_min(field), digits),
                          _bound(field, field_max(field), digits))

    def formfield(name: str | Field | BoundField, label: str | None = None) -> Markup:
        if isinstance(name, Field | BoundField):  # {{ for field in form }}{{ formfield field }}
            name = name.name
        matches = [f for f in view.fields if f.name == name]
        if not matches:
            raise jinja2.UndefinedError(f"formfield('{name}'): '{name}' is not in this page's "
                                        "form_fields")
        field = matches[0]
        if label is not None:  # oTree's {{ formfield 'x' label="..." }}: this page's label
            field = copy.copy(field)
            field.label = label
        return render_field(field_input(field))

    def formfields() -> Markup:
        return Markup("".join(formfield(f.name) for f in view.fields))

    def next_button(label: str | None = None) -> Markup:
        return render_next_button(label)

    helpers = form_helpers(view, field_input, errors)
    page = view.page
    context = {
        **helpers, "experimenter_chat": lambda: chat_box(csrf),
        "view": view, "player": view.player, "group": view.group,
        "subsession": view.subsession, "participant": view.participant,
        "session": view.session, "C": view.step.app.constants() if view.step else None,
        "formfields": formfields, "formfield": formfield, "next_button": next_button,
        "form": BoundForm(view.fields, field_input),
        "money": money_formatter(view), "csrf_token": csrf,
        "form_error": errors.get(FORM_ERROR), "has_errors": bool(errors),
        **view.extra,
    }
    if view.js_vars is not None:
        context["js_vars_json"] = js_vars_json(view)
    name = app_template_name(view.step.app.name, page.template_file())  # type: ignore
    name = current_app.extensions[TEMPLATE_VARIANTS].get((name, session_type.speaks), name)
    try:
        return compiled(name).render(context)
    except jinja2.UndefinedError as exc:
        raise undefined_in_template(exc, view.step.app.folder) from exc  # type: ignore


#: characters that would end or break a ``<script>`` element's JSON, as JSON escapes: ``</``
#: closes the element, ``<!--`` opens a comment, U+2028/U+2029 end a line in old parsers
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})


def js_vars_json(view: PageView) -> Markup:
    """The page's ``js_vars`` as JSON safe inside ``<script type="application/json">``; what
    is not a dict of JSON values is the app's mistake, reported at its ``js_vars``."""
    hook = view.page.js_vars  # type: ignore[union-attr]
    try:
        if not isinstance(view.js_vars, dict):
            raise TypeError(f"it returned {type(view.js_vars).__name__}, not a dict")
        text = json.dumps(view.js_vars, allow_nan=False, ensure_ascii=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        code = hook.__code__  # type: ignore[union-attr]
        raise ResearcherCodeError(
            f"js_vars of page {view.step.name}: {exc}",  # type: ignore[union-attr]
            SourceLocation(Path(code.co_filename), code.co_firstlineno),
            "return a dict of JSON values: str, int, float, bool, None, lists and dicts "
            "with string keys (amounts as int)") from exc
    return Markup(text.translate(_SCRIPT_SAFE))


def undefined_in_template(exc: jinja2.UndefinedError, folder: Path) -> ResearcherCodeError:
    """An undefined name in an app template, at its template file and line: Jinja rewrites
    the traceback so that its frames are the templates' lines. Only on the failing render."""
    location = SourceLocation(folder)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(".html") and Path(frame.filename).is_relative_to(
                folder.parent):
            location = SourceLocation(Path(frame.filename), frame.lineno)
    return ResearcherCodeError(
        f"template: {exc.message}", location,
        "check the spelling against the fields of the model, or pass the value from "
        "vars_for_template")


class TemplateCacheFrozen(RuntimeError):
    """A template or a Jinja global was added after the app was created, or a template asked
    for that was not compiled then: the key is named, as nothing would otherwise see it."""


class FreezableGlobals(dict):
    """The Jinja environment's globals: refuse every change once ``frozen`` is set.

    The cached templates hold a copy of them, so a global added later would silently be
    missing from participant pages; it fails loudly instead."""

    frozen = False

    def _refuse(self, key: object) -> None:
        if self.frozen:
            raise TemplateCacheFrozen(f"Jinja global {key!r} added after the app was created; "
                                      "add it in create_app, before the template cache is "
                                      "frozen")

    def __setitem__(self, key: str, value: Any) -> None:
        self._refuse(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._refuse(key)
        super().__delitem__(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self._refuse(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key in dict(*args, **kwargs):
            self._refuse(key)
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> FreezableGlobals:  # type: ignore[override]
        self.update(other)
        return self

    def pop(self, key: str, *default: Any) -> Any:
        self._refuse(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._refuse(next(reversed(self), None))
        return super().popitem()

    def clear(self) -> None:
        self._refuse(next(iter(self), None))
        super().clear()


class TemplateCache(dict):
    """The one cache of compiled templates that participant pages render, name -> template.

    Filled by ``create_app`` (``add``), then ``freeze``: templates never reload while a
    session runs, so the lookup, with its loader checks and cache lock, is done once. Freezing
    also copies each template's globals into a plain dict: Jinja keeps them as a ``ChainMap``
    over the environment's (so that globals added later show) and copies that, key by key in
    Python, into every render's context. After freezing, adding a template or a global raises
    ``TemplateCacheFrozen`` naming it, and so does asking for a template that is not here.
    """

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__()
        self.environment = environment
        self.frozen = False
        self.globals = FreezableGlobals(environment.globals)
        environment.globals = self.globals  # before any template is loaded: they chain to it

    def add(self, name: str) -> None:
        """Compile template ``name`` (from the environment's loaders) into the cache; a
        template that does not compile is the app's mistake, named at its file and line."""
        try:
            self[name] = self.environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:  # TemplateAssertionError: a filter missing
            where = SourceLocation(Path(exc.filename or name), exc.lineno)
            raise ResearcherCodeError(f"template: {exc.message}", where,
                                      "run `labctl validate`, which names each such line"
                                      ) from exc

    def __setitem__(self, name: str, template: jinja2.Template) -> None:
        if self.frozen:
            raise TemplateCacheFrozen(f"template {name!r} added after the app was created; "
                                      "add it in create_app, before the cache is frozen")
        super().__setitem__(name, template)

    def __missing__(self, name: str) -> jinja2.Template:
        raise TemplateCacheFrozen(f"template {name!r} was not compiled when the app was "
                                  "created")

    def freeze(self) -> None:
        """No template or global is added from now on; each template's globals become final."""
        for template in self.values():
            template.globals = dict(template.globals)
        self.frozen = True
        self.globals.frozen = True


def compiled(name: str) -> jinja2.Template:
    """A participant page's template from the app's ``TemplateCache`` (see ``create_app``).

    Participant pages render it directly rather than through Flask's ``render_template``,
    whose context processors and signals add nothing a page uses (``request``, ``session``
    and ``url_for`` are the environment's globals either way)."""
    return current_app.extensions[TEMPLATE_CACHE][name]


def field_min(field: Field) -> Any:
    return getattr(field, "min", None)


def field_max(field: Field) -> Any:
    return getattr(field, "max", None)


def _bound(field: Field, bound: Any, digits: int) -> str | None:
    if bound is None:
        return None
    return input_value(field, bound, digits) if isinstance(field, Money) else str(bound)
