"""Form fields as HTML (label, input of the field's widget, help text and error message), and
the button that submits the page.

Written in Python rather than as a Jinja template: a field is rendered for every field of every
page, and a template rendered on its own builds a fresh context from all of Jinja's and Flask's
globals each time, a large share of the server's work per page (figure:
``benchmarks/RESULTS.md``). Every value passes through ``escape``; the markup is what labctl.css
and labctl.js expect: ``#field-<name>``, ``#id_<name>``, ``#help-<name>`` and ``#error-<name>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from ..fields import Field, Integer
from ..i18n import gettext as _

#: what a checkbox's posted value looks like when it was ticked
TICKED = ("1", "True", "true", "on")


@dataclass
class FieldInput:
    """A field as one participant's form shows it: the value typed (or stored), its error,
    its choices as typed, and its bounds and step in the units the participant types."""

    field: Field
    value: str
    error: str | None
    choices: list[tuple[str, Any]]
    step: str
    money_min: str | None
    money_max: str | None


def render_field(shown: FieldInput, readonly: bool = False) -> Markup:
    """The field's whole block, as ``{{ formfield("name") }}`` puts it in a page;
    ``readonly``: an earlier answer shown again, disabled (so never posted)."""
    field = shown.field
    name = escape(field.name)
    widget = field.effective_widget
    described = (f"error-{name}" if shown.error else f"help-{name}" if field.help_text else "")
    attrs = _Attributes(" required" if field.required and not readonly else "",
                        f' aria-describedby="{described}"' if described else "",
                        ' aria-invalid="true"' if shown.error else "",
                        " disabled" if readonly else "")
    parts = [f'<div class="field{" has-error" if shown.error else ""}" id="field-{name}">']
    if widget in ("radio", "radio_horizontal"):
        parts.append(_radios(shown, name, widget, attrs))
    elif widget == "checkbox":
        parts.append(_checkbox(shown, name, attrs))
    else:
        parts.append(f'\n  <label for="id_{name}">{escape(field.display_label)}</label>')
        parts.append(_input(shown, name, widget, attrs))
    if field.help_text:
        parts.append(f'\n  <p class="help" id="help-{name}">{escape(field.help_text)}</p>')
    if shown.error:
        parts.append(f'\n  <p class="error" id="error-{name}" role="alert">'
                     f'{escape(shown.error)}</p>')
    parts.append("\n</div>\n")
    return Markup("".join(parts))


@dataclass
class _Attributes:
    """An input's ` required`, ` aria-describedby="…"` and ` aria-invalid="true"` (each empty
    when not called for): a screen reader announces a wrong field and its error, and
    labctl.js moves the focus to the first wrong field of a refused form."""

    required: str
    described: str
    invalid: str = ""
    #: `` disabled`` for an answer shown read-only (``readonly_field``)
    disabled: str = ""

    @property
    def every(self) -> str:
        return self.required + self.described + self.invalid + self.disabled


def _radios(shown: FieldInput, name: str, widget: str, attrs: _Attributes) -> str:
    horizontal = " horizontal" if widget == "radio_horizontal" else ""
    choices = "".join(
        f'\n      <label class="choice"><input type="radio" name="{name}" '
        f'value="{escape(value)}"{" checked" if shown.value == value else ""}{attrs.every}>'
        f'\n        <span>{escape(label)}</span></label>'
        for value, label in shown.choices)
    return (f"\n  <fieldset{attrs.described}>"
            f"\n    <legend>{escape(shown.field.display_label)}</legend>"
            f'\n    <div class="choices{horizontal}">{choices}\n    </div>\n  </fieldset>')


def _checkbox(shown: FieldInput, name: str, attrs: _Attributes) -> str:
    """No ``required`` attribute: an unticked box is a plain "no" unless the field is
    required, which the server checks and explains ("Please tick this box")."""
    checked = " checked" if shown.value in TICKED else ""
    return (f'\n  <label class="choice"><input type="checkbox" name="{name}" value="1" '
            f'id="id_{name}"{checked}{attrs.described}{attrs.invalid}{attrs.disabled}>'
            f"\n    <span>{escape(shown.field.display_label)}</span></label>")


def _input(shown: FieldInput, name: str, widget: str, attrs: _Attributes) -> str:
    field, value = shown.field, escape(shown.value)
    if widget == "select":
        options = "".join(
            f'\n    <option value="{escape(choice)}"'
            f'{" selected" if shown.value == choice else ""}>{escape(label)}</option>'
            for choice, label in shown.choices)
        prompt = escape(_("Please choose…"))
        return (f'\n  <select name="{name}" id="id_{name}"{attrs.every}>'
                f'\n    <option value="">{prompt}</option>{options}\n  </select>')
    limit = getattr(field, "max_length", None)
    max_length = f' maxlength="{limit}"' if limit else ""
    if widget == "textarea":
        return (f'\n  <textarea name="{name}" id="id_{name}" rows="4"{max_length}{attrs.every}>'
                f"{value}</textarea>")
    low, high = escape(shown.money_min), escape(shown.money_max)
    if widget == "slider":
        if shown.value == "" and field.required:
            return _unset_slider(shown, name, low, high, attrs)
        start = value if shown.value != "" else low
        return (f'\n  <div class="slider"><span>{low}</span>\n  <input type="range" '
                f'name="{name}" id="id_{name}" min="{low}" max="{high}" step="{shown.step}" '
                f'value="{start}"{attrs.described}{attrs.invalid}{attrs.disabled}>'
                f'\n  <span>{high}</span> '
                f'<output for="id_{name}" class="slider-value">{value}</output></div>')
    if widget == "number":
        return _number_input(shown, name, value, attrs)
    return (f'\n  <input type="text" name="{name}" id="id_{name}" value="{value}"'
            f"{max_length}{attrs.every}>")


def _unset_slider(shown: FieldInput, name: str, low: str, high: str,
                  attrs: _Attributes) -> str:
    """A required slider with no answer yet shows no position: a thumb at ``min`` (or in the
    middle) anchors answers. The range input has no name; what is posted is the hidden input,
    empty until the participant moves the slider (labctl.js copies the value), so the server
    refuses an untouched slider too ("Please move the slider")."""
    return (f'\n  <div class="slider unset" data-labctl-unset="{name}"><span>{low}</span>'
            f'\n  <input type="range" id="id_{name}" min="{low}" max="{high}" '
            f'step="{shown.step}"{attrs.described}{attrs.invalid}{attrs.disabled}>'
            f'\n  <span>{high}</span> '
            f'<output for="id_{name}" class="slider-value">&#8211;</output>'
            f'\n  <input type="hidden" name="{name}" value=""></div>')


def _number_input(shown: FieldInput, name: str, value: str, attrs: _Attributes) -> str:
    """A text input, not ``type="number"``: Chromium drops a separator it does not expect
    ("4,50" is posted as 450), so the browser must post exactly what was typed and the server
    reads it (``labctl.fields.typed_decimal``), its messages saying what to type. The keypad
    of a phone still shows digits (``inputmode``); the browser's remembered answers of the
    person before on this lab PC are not offered (``autocomplete="off"``)."""
    mode = "numeric" if isinstance(shown.field, Integer) else "decimal"
    return (f'\n  <input type="text" inputmode="{mode}" autocomplete="off" name="{name}" '
            f'id="id_{name}" value="{value}"{attrs.every}>')


def render_next_button(label: str | None = None) -> Markup:
    """The page's submit button; templates call it as ``{{ next_button("Continue") }}``.
    Without a label it says "Next" in the page's language; a label given is translated too
    (a researcher's catalogue may hold it)."""
    label = _("Next") if label is None else _(str(label))
    return Markup('<div class="actions"><button type="submit" class="button" '
                  f'id="next-button">{escape(label)}</button></div>')
