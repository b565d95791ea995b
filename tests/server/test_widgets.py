"""Form fields as HTML: each widget's markup, its state (value, choice, error) and escaping."""

from html.parser import HTMLParser

import pytest

from labctl import fields
from labctl.errors import FieldValueError
from labctl.server.widgets import FieldInput, render_field, render_next_button


class Elements(HTMLParser):
    """The start tags of a fragment with their attributes, and its text, to assert on."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def all(self, tag):
        return [attrs for name, attrs in self.tags if name == tag]

    def one(self, tag):
        found = self.all(tag)
        assert len(found) == 1, found
        return found[0]


def shown(field, name="answer", value="", error=None, choices=(), step="1", low=None,
          high=None):
    field.name = name
    return Elements(render_field(FieldInput(field, value, error, list(choices), step, low,
                                            high)))


def test_a_number_field_is_a_text_input_with_its_label_and_value():
    """Not type="number": Chromium posts "4,50" typed there as 450; the server reads the
    text, so min, max and step are the server's to check (with its message)."""
    page = shown(fields.Integer(min=0, max=10, label="How many?"), value="7", low="0",
                 high="10")
    box = page.one("input")
    assert box == {"type": "text", "inputmode": "numeric", "autocomplete": "off",
                   "name": "answer", "id": "id_answer", "value": "7", "required": None}
    assert page.one("label") == {"for": "id_answer"}
    assert page.text == ["How many?"]
    assert page.one("div") == {"class": "field", "id": "field-answer"}


@pytest.mark.parametrize("field", [fields.Money(min=0, max=1000), fields.Decimal(places=2)])
def test_an_amount_or_decimal_is_a_text_input_with_a_decimal_keypad(field):
    box = shown(field, value="4,50", low="0,00", high="10,00").one("input")
    assert box == {"type": "text", "inputmode": "decimal", "autocomplete": "off",
                   "name": "answer", "id": "id_answer", "value": "4,50", "required": None}


def test_an_optional_field_without_bounds_has_neither_required_nor_min_nor_max():
    box = shown(fields.Integer(required=False)).one("input")
    assert "required" not in box and "min" not in box and "max" not in box


def test_an_error_marks_the_field_and_describes_the_input():
    page = shown(fields.Integer(help_text="Whole years."), error="Please enter a number.")
    assert page.one("div")["class"] == "field has-error"
    assert page.one("input")["aria-describedby"] == "error-answer"
    paragraphs = page.all("p")
    assert {"class": "help", "id": "help-answer"} in paragraphs
    assert {"class": "error", "id": "error-answer", "role": "alert"} in paragraphs
    assert page.text[-1] == "Please enter a number."


def test_help_text_describes_the_input_when_there_is_no_error():
    page = shown(fields.Text(help_text="A few words."))
    assert page.one("input")["aria-describedby"] == "help-answer"


@pytest.mark.parametrize("widget", ["radio", "radio_horizontal"])
def test_radio_buttons_check_the_chosen_value_only(widget):
    page = shown(fields.Choice(choices=[("a", "Apples"), ("b", "Pears")], widget=widget,
                               label="Fruit"),
                 value="b", choices=[("a", "Apples"), ("b", "Pears")])
    radios = page.all("input")
    assert [(r["value"], "checked" in r, "required" in r) for r in radios] == [
        ("a", False, True), ("b", True, True)]
    horizontal = "choices horizontal" if widget == "radio_horizontal" else "choices"
    assert {"class": horizontal} in page.all("div")
    assert page.text == ["Fruit", "Apples", "Pears"]


def test_a_select_offers_a_blank_choice_and_selects_the_value():
    page = shown(fields.Text(choices=["x", "y"], widget="select"), value="y",
                 choices=[("x", "x"), ("y", "y")])
    options = page.all("option")
    assert [o["value"] for o in options] == ["", "x", "y"]
    assert ["selected" in o for o in options] == [False, False, True]


def test_a_checkbox_is_ticked_by_any_posted_yes_and_is_never_required_in_html():
    for value, ticked in [("1", True), ("on", True), ("true", True), ("0", False), ("", False)]:
        box = shown(fields.Boolean(widget="checkbox", label="I agree"), value=value).one(
            "input")
        assert box["type"] == "checkbox" and box["value"] == "1"
        assert ("checked" in box) is ticked, value
        assert "required" not in box


def test_a_required_slider_nothing_answered_has_no_position_and_posts_nothing():
    """A thumb at the minimum anchors answers: until moved, the slider has no value to post
    (the range input has no name) and the hidden answer is empty, which the server refuses."""
    page = shown(fields.Integer(min=1, max=7, widget="slider"), low="1", high="7")
    slider, answer = page.all("input")
    assert slider == {"type": "range", "id": "id_answer", "min": "1", "max": "7", "step": "1"}
    assert answer == {"type": "hidden", "name": "answer", "value": ""}
    assert {"class": "slider unset", "data-labctl-unset": "answer"} in page.all("div")
    assert page.one("output") == {"for": "id_answer", "class": "slider-value"}


def test_an_optional_slider_starts_at_its_minimum_and_an_answered_one_at_its_value():
    page = shown(fields.Integer(min=1, max=7, widget="slider", required=False), low="1",
                 high="7")
    slider = page.one("input")
    assert (slider["type"], slider["name"], slider["value"]) == ("range", "answer", "1")
    answered = shown(fields.Integer(min=1, max=7, widget="slider"), value="5", low="1",
                     high="7").one("input")
    assert (answered["name"], answered["value"]) == ("answer", "5")


def test_an_untouched_slider_is_refused_on_the_server_with_what_to_do():
    field = fields.Integer(min=1, max=7, widget="slider")
    field.name = "answer"
    with pytest.raises(FieldValueError, match="Please move the slider"):
        field.parse("")


def test_a_textarea_keeps_its_limit_and_content():
    page = shown(fields.Text(widget="textarea", max_length=500), value="two\nlines")
    assert page.one("textarea") == {"name": "answer", "id": "id_answer", "rows": "4",
                                    "maxlength": "500", "required": None}
    assert page.text == ["Answer", "two\nlines"]  # the label is the field's name by default


def test_everything_a_researcher_or_participant_wrote_is_escaped():
    evil = '"><script>alert(1)</script>'
    html = str(render_field(FieldInput(
        _named(fields.Choice(choices=[(evil, evil)], label=evil, help_text=evil)),
        evil, evil, [(evil, evil)], "1", None, None)))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 5  # label, choice value and text, help, error


def _named(field):
    field.name = "answer"
    return field


def test_the_next_button_submits_the_form_with_its_label_escaped():
    assert Elements(render_next_button()).one("button") == {
        "type": "submit", "class": "button", "id": "next-button"}
    assert Elements(render_next_button()).text == ["Next"]
    assert "<b>" not in render_next_button("<b>Go</b>")
    assert Elements(render_next_button("<b>Go</b>")).text == ["<b>Go</b>"]
