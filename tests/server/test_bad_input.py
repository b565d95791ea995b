"""Bad submissions: each gets a clear answer and changes nothing in the database.

The server owns the flow: a replayed, stale or doubled submit is answered with the
participant's current page (200, where the server has them); a form without this
participant's CSRF token is refused (400); a link that is nobody's is a 404; invalid answers
come back (422) with a message per field and what was typed; an oversized body is refused
before it is read (413).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests
from browserless import (
    DEMOGRAPHICS,
    HTTP_TIMEOUT,
    OPINIONS,
    RESPOND_1,
    SEND,
    SEND_BACK,
    TRUST_RESULTS,
    TRUST_RESULTS_WAIT,
    LabDb,
    Participant,
    SampleBot,
    assert_current_page,
    parse_page,
    play,
)

from labctl.server.security import csrf_token

CSRF_MESSAGE = ("The form was not sent by this page (its security token is missing or wrong). "
                "Nothing was saved.")
UNKNOWN_LINK = "This link does not belong to any participant."


@dataclass
class Lab:
    base_url: str
    session_code: str
    db: LabDb
    people: list[Participant]
    bot: SampleBot
    secret: str

    @property
    def trustor(self) -> Participant:  # trust matching is fixed: 1+2 and 3+4
        return self.people[0]

    @property
    def trustee(self) -> Participant:
        return self.people[1]


@pytest.fixture
def lab(shared_server, participants_of) -> Lab:
    """A new sample session with every participant on their first page."""
    server = shared_server()
    people = participants_of(server.base_url, server.codes)
    for person in people:
        assert person.get().status == 200
    return Lab(server.base_url, server.session_code, LabDb.of(server.engine.store), people,
               SampleBot(server.codes), server.engine.store.secret())


# -- stale, replayed and doubled submits ----------------------------------------------------------


def test_a_doubled_submit_changes_nothing_the_second_time(lab):
    page = lab.trustor.get()
    form = lab.trustor.form(page, {"sent_amount": "3.00"})
    assert_current_page(lab.trustor.post(form), lab.trustor)
    after_first = lab.db.snapshot()
    assert lab.db.participant(lab.trustor.code)["step"] == TRUST_RESULTS_WAIT
    assert lab.db.group_of("trust", lab.trustor.code)["sent_amount"] == 300

    assert_current_page(lab.trustor.post(form), lab.trustor)
    assert lab.db.snapshot() == after_first
    assert lab.trustor.get().step == TRUST_RESULTS_WAIT


def test_a_replayed_earlier_page_changes_nothing_and_lands_on_the_current_page(lab):
    send = lab.trustor.get()
    assert_current_page(lab.trustor.submit({"sent_amount": "3.00"}, send), lab.trustor)
    send_back = lab.trustee.get()
    assert_current_page(lab.trustee.submit({"sent_back_amount": "2.50"}, send_back), lab.trustee)
    assert lab.db.participant(lab.trustor.code)["step"] == TRUST_RESULTS
    before = lab.db.snapshot()

    replays = [(lab.trustor, lab.trustor.form(send, {"sent_amount": "10.00"})),
               (lab.trustee, lab.trustee.form(send_back, {"sent_back_amount": "0.00"})),
               # the trustee's page, posted by the trustor with their own token
               (lab.trustor, {**lab.trustor.form(send, {"sent_back_amount": "0.00"}),
                              "step": str(SEND_BACK)})]
    for person, form in replays:
        assert_current_page(person.post(form), person)
    assert lab.db.snapshot() == before
    group = lab.db.group_of("trust", lab.trustor.code)
    assert (group["sent_amount"], group["sent_back_amount"]) == (300, 250)
    # following the redirect shows the current page, as the back button and a reload do
    current = lab.trustor.post(replays[0][1], allow_redirects=True)
    assert current.status_code == 200
    assert parse_page(current).title == "Trust game: results"


def test_a_submit_on_a_wait_page_changes_nothing(lab):
    page = lab.trustee.get()
    assert page.kind == "wait" and page.csrf_token is None  # a wait page has no form
    token = csrf_token(lab.secret, lab.trustee.code)  # what the trustee's forms carry
    before = lab.db.snapshot()
    form = {"csrf_token": token, "step": str(page.step), "sent_back_amount": "1.00"}
    assert_current_page(lab.trustee.post(form), lab.trustee)
    assert_current_page(lab.trustee.post({**form, "step": str(SEND_BACK)}), lab.trustee)
    assert lab.db.snapshot() == before
    assert lab.trustee.get().kind == "wait"


@pytest.mark.parametrize("step", ["abc", "", "0.0", "None", "1e0", "-0x1", None,
                                  "99999999999999999999999"])
def test_a_step_token_that_is_not_the_current_step_is_stale(lab, step):
    page = lab.trustor.get()
    form = lab.trustor.form(page, {"sent_amount": "3.00"})
    if step is None:
        del form["step"]
    else:
        form["step"] = step
    before = lab.db.snapshot()
    assert_current_page(lab.trustor.post(form), lab.trustor)
    assert lab.db.snapshot() == before
    assert lab.db.group_of("trust", lab.trustor.code)["sent_amount"] is None


# -- CSRF ---------------------------------------------------------------------------------------


def _admin_login_token(lab: Lab) -> str:
    page = requests.get(f"{lab.base_url}/admin/login", timeout=HTTP_TIMEOUT).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("token", [
    pytest.param(lambda lab: None, id="missing"),
    pytest.param(lambda lab: "", id="empty"),
    pytest.param(lambda lab: "0" * 40, id="forged"),
    pytest.param(lambda lab: lab.trustor.get().csrf_token[:-1], id="truncated"),
    pytest.param(lambda lab: lab.trustor.get().csrf_token.upper(), id="upper-case"),
    pytest.param(lambda lab: lab.people[2].get().csrf_token, id="another-participants"),
    pytest.param(_admin_login_token, id="the-admin-login-forms"),
])
def test_a_form_without_this_participants_csrf_token_is_refused(lab, token):
    page = lab.trustor.get()
    form = lab.trustor.form(page, {"sent_amount": "3.00"})
    value = token(lab)
    if value is None:
        del form["csrf_token"]
    else:
        assert value != page.csrf_token
        form["csrf_token"] = value
    before = lab.db.snapshot()

    response = lab.trustor.post(form)
    assert response.status_code == 400
    assert CSRF_MESSAGE in " ".join(response.text.split())
    assert f'href="/p/{lab.trustor.code}/"' in response.text  # back to their page
    assert lab.db.snapshot() == before
    assert lab.db.group_of("trust", lab.trustor.code)["sent_amount"] is None
    assert lab.trustor.get().step == SEND


# -- links that belong to nobody, and addresses that do not exist -------------------------------


@pytest.mark.parametrize("code", ["not-a-participant", "AAAAAAAAAAAAAAAA", "%00"])
def test_a_link_that_belongs_to_nobody_is_a_404(lab, code):
    stranger = Participant(lab.base_url, code)
    before = lab.db.snapshot()
    shown = stranger.http.get(stranger.url, timeout=HTTP_TIMEOUT)
    assert shown.status_code == 404
    assert UNKNOWN_LINK in shown.text

    # a real form, token and all, posted to a link that is nobody's
    form = lab.trustor.form(lab.trustor.get(), {"sent_amount": "3.00"})
    for data in (form, {"sent_amount": "3.00"}):
        posted = stranger.post(data)
        assert posted.status_code == 404
        assert UNKNOWN_LINK in posted.text
    assert lab.db.snapshot() == before


@pytest.mark.parametrize("path", ["/nothing-here", "/p/", "/p/{code}/nothing", "/admin/nope",
                                  "/static/missing.js"])
def test_an_unknown_path_is_a_404(lab, path):
    response = requests.get(lab.base_url + path.format(code=lab.trustor.code),
                            timeout=HTTP_TIMEOUT)
    assert response.status_code == 404
    assert "There is no page at this address." in response.text


def test_a_method_a_page_does_not_accept_is_a_405(lab):
    before = lab.db.snapshot()
    response = lab.trustor.http.put(lab.trustor.url, data={"sent_amount": "3.00"},
                                    timeout=HTTP_TIMEOUT)
    assert response.status_code == 405
    assert "This address does not accept that kind of request." in response.text
    assert lab.db.snapshot() == before


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(lab):
    page = lab.trustor.get()
    before = lab.db.snapshot()
    form = lab.trustor.form(page, {"sent_amount": "3.00", "padding": "x" * 300_000})
    response = lab.trustor.post(form)
    assert response.status_code == 413
    assert "The form sent more data than a page accepts. Nothing was saved." in response.text
    assert lab.db.snapshot() == before
    # the same form without the padding is fine
    del form["padding"]
    assert_current_page(lab.trustor.post(form), lab.trustor)


# -- invalid answers ----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "message"), [
    ("10.01", "Please enter a value of at most 10.00."),
    ("-0.01", "Please enter a value of at least 0.00."),
    ("abc", "Please enter an amount, like 4.50."),
    ("Infinity", "Please enter an amount, like 4.50."),
    ("NaN", "Please enter an amount, like 4.50."),
    ("", "Please answer this question."),
    ("   ", "Please answer this question."),
    (None, "Please answer this question."),
    ("1.234", "Please use at most 2 decimal places."),
    ("1e3", "Please enter an amount, like 4.50."),  # exponents are refused, not read
    ("1,234", "\"1,234\" could mean 1234 or 1.234: type 1234 without a thousands separator, "
              "or 1.234 with a decimal point."),
    ("9e999999", "Please enter an amount, like 4.50."),  # once a 500: decimal.Overflow
    ("1E-999999999", "Please enter an amount, like 4.50."),  # once saved as 0.00: rounded by scaleb
])
def test_an_invalid_amount_comes_back_with_its_message_and_changes_nothing(lab, typed, message):
    page = lab.trustor.get()
    form = lab.trustor.form(page, {} if typed is None else {"sent_amount": typed})
    before = lab.db.snapshot()

    response = lab.trustor.post(form)
    assert response.status_code == 422, (response.status_code, response.headers)
    shown = parse_page(response)
    assert shown.errors == {"sent_amount": message}
    assert shown.alert == "Please correct the answers marked below."
    assert shown.fields == {"sent_amount": "" if typed is None else typed}
    assert (shown.step, shown.csrf_token) == (page.step, page.csrf_token)
    assert lab.db.snapshot() == before
    assert lab.db.group_of("trust", lab.trustor.code)["sent_amount"] is None
    # a reload shows the page afresh, without the rejected answer
    reloaded = lab.trustor.get()
    assert (reloaded.errors, reloaded.fields) == ({}, {"sent_amount": ""})


def test_a_pages_own_check_comes_back_on_its_field_and_changes_nothing(lab):
    assert_current_page(lab.trustor.submit({"sent_amount": "2.00"}), lab.trustor)
    page = lab.trustee.get()  # received 3 x 2.00 = 6.00
    before = lab.db.snapshot()

    response = lab.trustee.post(lab.trustee.form(page, {"sent_back_amount": "6.01"}))
    assert response.status_code == 422
    shown = parse_page(response)
    assert shown.errors == {"sent_back_amount": "You cannot send back more than you received."}
    assert shown.fields == {"sent_back_amount": "6.01"}
    assert lab.db.snapshot() == before
    assert lab.db.group_of("trust", lab.trustee.code)["sent_back_amount"] is None

    assert_current_page(lab.trustee.post(lab.trustee.form(page, {"sent_back_amount": "6.00"})),
                   lab.trustee)
    assert lab.db.group_of("trust", lab.trustee.code)["sent_back_amount"] == 600


DEMOGRAPHICS_OK = {"age": "30", "gender": "female", "field_of_study": "Physics"}
TOO_LONG = "x" * 201


@pytest.mark.parametrize(("step", "typed", "errors", "refilled"), [
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "age": "15"},
     {"age": "Please enter a value of at least 16."}, {**DEMOGRAPHICS_OK, "age": "15"}),
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "age": "111"},
     {"age": "Please enter a value of at most 110."}, {**DEMOGRAPHICS_OK, "age": "111"}),
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "age": "twenty"},
     {"age": "Please enter a whole number."}, {**DEMOGRAPHICS_OK, "age": "twenty"}),
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "age": "20.5"},
     {"age": "Please enter a whole number."}, {**DEMOGRAPHICS_OK, "age": "20.5"}),
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "gender": "alien"},
     {"gender": "Please choose one of the options."}, {**DEMOGRAPHICS_OK, "gender": ""}),
    (DEMOGRAPHICS, {**DEMOGRAPHICS_OK, "field_of_study": TOO_LONG},
     {"field_of_study": "Please keep it under 200 characters."},
     {**DEMOGRAPHICS_OK, "field_of_study": TOO_LONG}),
    (DEMOGRAPHICS, {"age": "", "field_of_study": "Law"},
     {"age": "Please answer this question.", "gender": "Please answer this question."},
     {"age": "", "gender": "", "field_of_study": "Law"}),
    (OPINIONS, {"trust_general": "8", "comments": "ok"},
     {"trust_general": "Please choose one of the options."},
     {"trust_general": "", "comments": "ok"}),
    (OPINIONS, {"trust_general": "7", "comments": "y" * 2001},
     {"comments": "Please keep it under 2000 characters."},
     {"trust_general": "7", "comments": "y" * 2001}),
    (RESPOND_1, {"offer_accepted": "maybe"}, {"offer_accepted": "Please answer yes or no."},
     {"offer_accepted": ""}),
    (RESPOND_1, {}, {"offer_accepted": "Please answer this question."}, {"offer_accepted": ""}),
], ids=["too-young", "too-old", "not-a-number", "not-whole", "choice-not-offered", "too-long",
        "missing-required", "integer-choice-not-offered", "long-comment", "not-yes-or-no",
        "no-answer"])
def test_invalid_answers_come_back_with_a_message_per_field_and_change_nothing(
        lab, step, typed, errors, refilled):
    pages = play(lab.people, lab.bot, stop_step=step)
    person = next(p for p in lab.people if pages[p.code].step == step)
    page = pages[person.code]
    before = lab.db.snapshot()

    response = person.post(person.form(page, typed))
    assert response.status_code == 422
    shown = parse_page(response)
    assert shown.errors == errors
    assert shown.alert == "Please correct the answers marked below."
    assert shown.fields == refilled
    assert (shown.step, shown.csrf_token) == (step, page.csrf_token)
    assert lab.db.snapshot() == before
    for name in refilled:
        assert lab.db.stored_answer(person.code, step, name) is None
    assert lab.db.visit(person.code, step)["submitted_at"] is None




def post_chunked(participant: Participant, page, padding_bytes: int) -> requests.Response:
    """A valid form followed by padding, sent with Transfer-Encoding: chunked."""
    form = participant.form(page, {"sent_amount": "3.00"})

    def chunks():
        yield ("&".join(f"{k}={v}" for k, v in form.items()) + "&padding=").encode()
        for _ in range(padding_bytes // 65536):
            yield b"x" * 65536

    return participant.post(chunks(), headers={
        "Content-Type": "application/x-www-form-urlencoded"})


def test_a_small_chunked_body_is_accepted(lab):
    assert_current_page(post_chunked(lab.trustor, lab.trustor.get(), 65536), lab.trustor)
    assert lab.db.group_of("trust", lab.trustor.code)["sent_amount"] == 300


def test_a_chunked_body_over_the_size_limit_is_refused_too(lab):
    page = lab.trustor.get()
    before = lab.db.snapshot()
    response = post_chunked(lab.trustor, page, 512 * 1024)
    assert response.status_code == 413
    assert lab.db.snapshot() == before


@pytest.mark.slow  # labctl run as a process
def test_a_chunked_body_over_the_size_limit_is_refused_by_labctl_run(sample_project,
                                                                      lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    trustor = Participant(lab.base_url, lab.codes[0])
    db = LabDb(sample_project / "labctl.db")
    page = trustor.get()
    response = post_chunked(trustor, page, 512 * 1024)
    trustor.http.close()
    assert (response.status_code, db.group_of("trust", trustor.code)["sent_amount"]) == (413,
                                                                                          None)


def test_a_submit_after_the_end_changes_nothing(lab):
    first = lab.trustor.get()
    finished = play(lab.people, lab.bot)
    assert all(page.kind == "finished" for page in finished.values())
    before = lab.db.snapshot()
    for step in (first.step, 16, 17, 18):
        response = lab.trustor.post(lab.trustor.form(first, {"sent_amount": "9.00",
                                                             "trust_general": "1"},
                                                     step=str(step)))
        assert_current_page(response, lab.trustor)
    assert lab.trustor.get().kind == "finished"
    assert lab.db.snapshot() == before  # reloading the finished page changes nothing either


def test_reloading_any_page_changes_nothing(lab):
    before = lab.db.snapshot()
    for _ in range(3):
        for person in lab.people:
            assert person.get().kind in ("page", "wait")
            assert person.position()["step"] in (SEND, 1)
    assert lab.db.snapshot() == before
