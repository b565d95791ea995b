"""oTree's ``form`` in a page template: its fields, and a field's choices, to lay out by hand.

oTree apps build price lists and choice tables from the form itself::

    {{ for field in form }}
      <tr><th>{{ field.label }}</th>
        {{ for choice in field }}<td>{{ choice }} {{ choice.label }}</td>{{ endfor }}</tr>
    {{ endfor }}

``form`` is the page's fields in order (``form.q1`` one of them); a field prints as
``formfield`` would, its ``label`` as a ``<label>`` (``label.text`` the words), its
``errors`` as a list; iterating a field with choices gives each radio button, which prints as
its ``<input>``, with ``label`` its ``<label for=...>`` (oTree 3's Django names too:
``choice.tag``, ``choice.choice_label``, ``id_for_label``). The markup uses the ids and names
labctl's own fields use, so labctl.js and the server read the answers as from ``formfield``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..fields import Field
from .widgets import FieldInput, render_field


@dataclass(frozen=True)
class Label:
    """A ``<label>`` for an input: prints as the element, ``text`` is its words."""

    text: str
    target: str

    def __html__(self) -> str:
        return f'<label for="{escape(self.target)}">{escape(self.text)}</label>'

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Choice:
    """One radio button of a field with choices."""

    name: str
    value: str
    text: str
    position: int
    checked: bool
    required: bool

    @property
    def id(self) -> str:
        return f"id_{self.name}-{self.position}"

    @property
    def label(self) -> Label:
        return Label(self.text, self.id)

    # oTree 3's (Django's) names of the same: {{ choice.tag }} {{ choice.choice_label }}
    @property
    def choice_label(self) -> str:
        return self.text

    @property
    def id_for_label(self) -> str:
        return self.id

    @property
    def tag(self) -> Markup:
        return Markup(self.__html__())

    def __html__(self) -> str:
        return (f'<input type="radio" name="{escape(self.name)}" value="{escape(self.value)}" '
                f'id="{escape(self.id)}"{" checked" if self.checked else ""}'
                f'{" required" if self.required else ""}>')


class BoundField:
    """One field of the page's form, as one participant's form shows it."""

    def __init__(self, shown: FieldInput) -> None:
        self._shown = shown
        self.name = shown.field.name
        self.value = shown.value
        self.errors = [shown.error] if shown.error else []
        self.id = self.id_for_label = f"id_{self.name}"
        self.help_text = shown.field.help_text or ""

    @property
    def label(self) -> Label:
        return Label(self._shown.field.display_label, self.id)

    def __iter__(self) -> Iterator[Choice]:
        required = self._shown.field.required
        return iter([Choice(self.name, value, str(text), position, self.value == value,
                            required)
                     for position, (value, text) in enumerate(self._shown.choices)])

    def __html__(self) -> str:
        return str(render_field(self._shown))


class BoundForm:
    """The page's form: its fields in order, and each by name (``form.q1``)."""

    def __init__(self, fields: list[Field], shown: Callable[[Field], FieldInput]) -> None:
        self._fields = {field.name: field for field in fields}
        self._shown = shown

    def __iter__(self) -> Iterator[BoundField]:
        return iter([BoundField(self._shown(field)) for field in self._fields.values()])

    def __len__(self) -> int:
        return len(self._fields)

    def __getattr__(self, name: str) -> BoundField:
        if name.startswith("_") or name not in self._fields:
            raise AttributeError(name)  # Jinja's StrictUndefined then names it at its line
        return BoundField(self._shown(self._fields[name]))

    def __html__(self) -> str:
        return "".join(field.__html__() for field in self)
