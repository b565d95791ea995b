"""Server-side validation of submitted forms: a message per field, and nothing saved.

Every refused submit is checked three ways: the result is ``invalid`` with the exact messages
and the raw values to show again, the participant is still on the same page, and the database
file is byte-for-byte the same rows as before (``dbfile.snapshot()``).
"""

from __future__ import annotations

import pytest

from labctl.engine import FORM_ERROR

pytestmark = pytest.mark.both_stores


def assert_refused(engine, driver, dbfile, code, form, errors):
    """Submit ``form`` on the current page: refused with ``errors``, and nothing changed."""
    seen = driver.look(code)
    before = dbfile.snapshot()

    result = engine.submit(code, seen.index, form)

    assert (result.status, result.errors) == ("invalid", errors)
    assert result.values == {name: form.get(name, "") for name in seen.fields}
    assert dbfile.snapshot() == before
    assert driver.look(code).index == seen.index


@pytest.fixture
def session(engine):
    return engine.create_session("my_session", 4, seed=11)


@pytest.fixture
def trustor(driver, session):
    return driver.codes(session)[0]


@pytest.mark.parametrize(("typed", "message"), [
    pytest.param("10.01", "Please enter a value of at most 10.00.", id="above-max"),
    pytest.param("-0.01", "Please enter a value of at least 0.00.", id="below-min"),
    pytest.param("", "Please answer this question.", id="empty"),
    pytest.param("   ", "Please answer this question.", id="blank"),
    pytest.param("ten", "Please enter an amount, like 4.50.", id="not-a-number"),
    pytest.param("Infinity", "Please enter an amount, like 4.50.", id="infinite"),
    pytest.param("NaN", "Please enter an amount, like 4.50.", id="nan"),
    pytest.param("1.005", "Please use at most 2 decimal places.", id="too-many-decimals"),
])
def test_money_out_of_bounds_or_mistyped_is_refused(engine, driver, dbfile, trustor, typed,
                                                     message):
    assert_refused(engine, driver, dbfile, trustor, {"sent_amount": typed},
                   {"sent_amount": message})
    assert dbfile.value("SELECT sent_amount FROM trust_group WHERE id_in_subsession = 1") is None


def test_a_missing_field_is_required(engine, driver, dbfile, trustor):
    assert_refused(engine, driver, dbfile, trustor, {},
                   {"sent_amount": "Please answer this question."})


@pytest.mark.parametrize(("typed", "stored"), [("10", 1000), ("0", 0), ("3,5", 350),
                                                (" 7.25 ", 725)])
def test_amounts_are_typed_in_major_units_and_stored_in_cents(engine, driver, dbfile, trustor,
                                                              typed, stored):
    result = driver.submit(trustor, {"sent_amount": typed})

    assert result.status == "advanced"
    assert dbfile.value("SELECT sent_amount FROM trust_group WHERE id_in_subsession = 1") == stored


def test_a_refused_form_can_be_corrected(engine, driver, dbfile, trustor):
    assert driver.submit(trustor, {"sent_amount": "11"}).status == "invalid"

    assert driver.submit(trustor, {"sent_amount": "1"}).status == "advanced"
    assert dbfile.participant(trustor)["page"] == "WaitForTrustor"  # the trustee is not here yet
    assert dbfile.value("SELECT sent_amount FROM trust_group WHERE id_in_subsession = 1") == 100


class TestErrorMessageOfThePage:
    """SendBack refuses sending back more than the trustee received (sent x 3)."""

    @pytest.fixture
    def trustee(self, driver, session, trustor):
        trustee = driver.codes(session)[1]
        driver.look(trustee)
        driver.advance(trustor, {"sent_amount": "1.00"})
        assert driver.look(trustee).page == "SendBack"
        return trustee

    def test_more_than_received_is_refused(self, engine, driver, dbfile, trustee):
        assert_refused(engine, driver, dbfile, trustee, {"sent_back_amount": "3.01"},
                       {"sent_back_amount": "You cannot send back more than you received."})
        assert dbfile.value(
            "SELECT sent_back_amount FROM trust_group WHERE id_in_subsession = 1") is None

    def test_everything_received_may_be_sent_back(self, driver, dbfile, trustee):
        assert driver.submit(trustee, {"sent_back_amount": "3.00"}).status == "advanced"
        assert dbfile.value(
            "SELECT sent_back_amount FROM trust_group WHERE id_in_subsession = 1") == 300

    def test_field_errors_come_first(self, engine, driver, dbfile, trustee):
        assert_refused(engine, driver, dbfile, trustee, {"sent_back_amount": "-1"},
                       {"sent_back_amount": "Please enter a value of at least 0.00."})


class TestQuestionnaire:
    """Integer bounds, choices, text length, and several wrong fields at once."""

    @pytest.fixture
    def code(self, driver, bot, session):
        codes = driver.codes(session)
        driver.play(session, bot.answer, stop=lambda seen: seen.app == "questionnaire")
        assert driver.look(codes[0]).page == "Demographics"
        return codes[0]

    GOOD = {"age": "30", "gender": "female", "field_of_study": "physics"}

    @pytest.mark.parametrize(("changes", "errors"), [
        ({"age": "15"}, {"age": "Please enter a value of at least 16."}),
        ({"age": "111"}, {"age": "Please enter a value of at most 110."}),
        ({"age": "thirty"}, {"age": "Please enter a whole number."}),
        ({"age": "30.5"}, {"age": "Please enter a whole number."}),
        ({"gender": "alien"}, {"gender": "Please choose one of the options."}),
        ({"gender": ""}, {"gender": "Please answer this question."}),
        ({"field_of_study": "x" * 201}, {"field_of_study": "Please keep it under 200 characters."}),
        ({"age": "", "gender": "Female", "field_of_study": ""},
         {"age": "Please answer this question.", "gender": "Please choose one of the options.",
          "field_of_study": "Please answer this question."}),
    ], ids=["age-min", "age-max", "age-word", "age-decimal", "choice", "choice-empty",
            "text-length", "all-three"])
    def test_demographics_refused(self, engine, driver, dbfile, code, changes, errors):
        assert_refused(engine, driver, dbfile, code, {**self.GOOD, **changes}, errors)
        row = dbfile.one("SELECT age, gender, field_of_study FROM questionnaire_player "
                         "WHERE participant_code = ?", code)
        assert row == {"age": None, "gender": None, "field_of_study": None}

    @pytest.mark.parametrize(("form", "errors"), [
        ({"trust_general": "8"}, {"trust_general": "Please choose one of the options."}),
        ({"trust_general": "0"}, {"trust_general": "Please choose one of the options."}),
        ({"trust_general": "", "comments": "fine"},
         {"trust_general": "Please answer this question."}),
        ({"trust_general": "4", "comments": "x" * 2001},
         {"comments": "Please keep it under 2000 characters."}),
    ], ids=["choice-above", "choice-below", "required", "optional-too-long"])
    def test_opinions_refused(self, engine, driver, dbfile, code, form, errors):
        driver.advance(code, self.GOOD)
        assert_refused(engine, driver, dbfile, code, form, errors)

    def test_an_optional_field_may_stay_empty(self, driver, dbfile, code):
        driver.advance(code, self.GOOD)
        assert driver.submit(code, {"trust_general": "7"}).status == "advanced"
        row = dbfile.one("SELECT trust_general, comments FROM questionnaire_player "
                         "WHERE participant_code = ?", code)
        assert row == {"trust_general": 7, "comments": None}


@pytest.mark.parametrize(("typed", "stored"), [("1", 1), ("yes", 1), ("0", 0), ("false", 0)])
def test_a_boolean_is_read_from_the_usual_spellings(engine, driver, dbfile, bot, session,
                                                    typed, stored):
    responder = _ultimatum_responder(driver, bot, session)
    assert driver.submit(responder, {"offer_accepted": typed}).status == "advanced"
    assert dbfile.value("SELECT offer_accepted FROM ultimatum_player p JOIN ultimatum_group g "
                        "ON g.id = p.group_id WHERE p.participant_code = ? AND "
                        "p.round_number = 1", responder) == stored


@pytest.mark.parametrize(("typed", "message"), [("maybe", "Please answer yes or no."),
                                                ("", "Please answer this question.")])
def test_a_boolean_refuses_anything_else(engine, driver, dbfile, bot, session, typed, message):
    responder = _ultimatum_responder(driver, bot, session)
    assert_refused(engine, driver, dbfile, responder, {"offer_accepted": typed},
                   {"offer_accepted": message})


def _ultimatum_responder(driver, bot, session):
    """Play trust and the round-1 offers; return a responder on Respond."""
    driver.play(session, bot.answer, stop=lambda seen: seen.page == "Respond")
    on_respond = [c for c in driver.codes(session) if driver.look(c).page == "Respond"]
    assert len(on_respond) == 2
    return on_respond[0]


# -- a page's own checks, in a small project ------------------------------------------------------

RANGE_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    low = fields.Integer(min=0, max=100)
    high = fields.Integer(min=0, max=100)


class Range(labctl.Page):
    form_fields = ["low", "high"]

    @staticmethod
    def error_message(player, values):
        if values["low"] == values["high"]:
            return {"low": "", "high": "Must differ from the low end."}
        if values["low"] > values["high"]:
            return "The low end must be below the high end."
        return None


page_sequence = [Range]
"""


@pytest.fixture
def ranged(make_project, open_engine):
    engine = open_engine(make_project({"ranged": RANGE_APP},
                                      'name="demo", app_sequence=["ranged"]'))
    session = engine.create_session("demo", 1)
    return engine, engine.participant_rows(session)[0]["code"]


@pytest.mark.parametrize(("form", "errors"), [
    ({"low": "60", "high": "40"}, {FORM_ERROR: "The low end must be below the high end."}),
    ({"low": "50", "high": "50"}, {"high": "Must differ from the low end."}),
    ({"low": "-1", "high": "40"}, {"low": "Please enter a value of at least 0."}),
])
def test_a_page_error_is_for_the_form_or_for_one_field(ranged, driver_of, dbfile, form, errors):
    engine, code = ranged
    assert_refused(engine, driver_of(engine), dbfile, code, form, errors)
