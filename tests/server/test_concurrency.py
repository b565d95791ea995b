"""Submits at the same moment on different server threads: a doubled click advances once, and
the last two members arriving at a wait page together release their group exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import requests
from browserless import (
    HTTP_TIMEOUT,
    OFFER_1,
    RESPOND_1,
    RESULTS_WAIT_1,
    SEND,
    TRUST_RESULTS,
    TRUST_RESULTS_WAIT,
    WAIT_FOR_OFFER_1,
    LabDb,
    Participant,
    SampleBot,
    play,
)

pytestmark = pytest.mark.both_stores

SESSIONS = 3
PLAYERS = 8


def at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every call on its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls), timeout=HTTP_TIMEOUT)
    results: list[requests.Response | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except BaseException as exc:  # reported below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * HTTP_TIMEOUT)
    assert all(isinstance(r, requests.Response) for r in results), results
    return results  # type: ignore[return-value]


def test_the_same_form_sent_eight_times_at_once_advances_once(live_server):
    lab = live_server()
    db = LabDb.of(lab.engine.store)
    trustee = Participant(lab.base_url, lab.codes[1])
    assert trustee.get().kind == "wait"
    amounts = [f"{n}.00" for n in range(1, 9)]
    clicks = [Participant(lab.base_url, lab.codes[0]) for _ in amounts]  # eight connections
    page = clicks[0].get()
    responses = at_once([lambda c=c, a=a: c.post(c.form(page, {"sent_amount": a}))
                         for c, a in zip(clicks, amounts, strict=True)])

    assert [r.status_code for r in responses] == [200] * len(amounts)
    saved = db.group_of("trust", lab.codes[0])["sent_amount"]
    assert saved in {100 * n for n in range(1, 9)}
    assert db.participant(lab.codes[0])["step"] == TRUST_RESULTS_WAIT
    visits = db.query("SELECT v.step FROM page_visits v JOIN participants p ON "
                      "p.id = v.participant_id WHERE p.code = ? ORDER BY v.step", (lab.codes[0],))
    assert [v["step"] for v in visits] == [SEND, 1, TRUST_RESULTS_WAIT]
    releases = db.query("SELECT step, group_key FROM wait_releases WHERE session_code = ?",
                        (lab.session_code,))
    assert len(releases) == 1 and releases[0]["step"] == 1  # WaitForTrustor, released once
    assert f"EUR {saved * 3 // 100}.00" in trustee.get().html  # what the trustee received


def test_the_last_two_members_arriving_together_release_their_group_once(live_server):
    lab = live_server(n=PLAYERS)
    db = LabDb.of(lab.engine.store)
    for number in range(SESSIONS):
        code = lab.session_code if number == 0 else lab.engine.create_session(
            "my_session", PLAYERS, seed=number)
        codes = [row["code"] for row in lab.engine.participant_rows(code)]
        people = {c: Participant(lab.base_url, c) for c in codes}
        bot = SampleBot(codes)
        pages = play(list(people.values()), bot, stop_step=TRUST_RESULTS)
        groups = db.groups("ultimatum", code, 1)
        for group in groups:  # the proposers go on to their offer first
            proposer = people[group["proposer"]]
            bot.submit(proposer, pages[proposer.code])
        offers = {g["proposer"]: people[g["proposer"]].get() for g in groups}
        assert {page.step for page in offers.values()} == {OFFER_1}

        # each proposer's offer and their responder's arrival, all at once
        calls = []
        for group in groups:
            proposer, responder = people[group["proposer"]], people[group["responder"]]
            calls.append(lambda p=proposer, page=offers[proposer.code]: p.submit(
                {"amount_offered": "5.00"}, page))
            calls.append(lambda r=responder, page=pages[responder.code]: r.submit({}, page))
        assert [r.status_code for r in at_once(calls)] == [200] * len(calls)

        releases = db.query("SELECT group_key FROM wait_releases WHERE session_code = ? AND "
                            "step = ?", (code, WAIT_FOR_OFFER_1))
        assert len(releases) == len({r["group_key"] for r in releases}) == len(groups)
        for group in groups:
            assert db.participant(group["proposer"])["step"] == RESULTS_WAIT_1
            assert db.participant(group["responder"])["step"] == RESPOND_1
            assert "<strong>EUR 5.00</strong>" in people[group["responder"]].get().html
        for person in people.values():
            person.http.close()
