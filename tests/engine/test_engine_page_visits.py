"""Page timings: a ``page_visits`` row per page shown, wait pages included.

A page's visit gets ``arrived_at`` when the participant is placed on it and ``submitted_at`` and
``seconds`` when they leave it: on submit for a page, at the release for a wait page. Times are
ISO 8601 in UTC with microseconds.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.both_stores

VISIT_COLUMNS = "v.page, v.arrived_at, v.submitted_at, v.seconds, v.timed_out"


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds")


def visits(dbfile, code):
    return [tuple(row.values()) for row in dbfile.rows(
        f"SELECT {VISIT_COLUMNS} FROM page_visits v JOIN participants p ON "
        "p.id = v.participant_id WHERE p.code = ? ORDER BY v.step", code)]


def test_timings_of_the_trust_game(engine, driver, dbfile, clock):
    session = engine.create_session("my_session", 4, seed=1)
    trustor, trustee = driver.codes(session)[:2]
    start = clock.now
    t = {n: iso(start + n) for n in (1, 2, 12, 32, 37)}

    clock.now = start + 1
    driver.look(trustee)
    clock.now = start + 2
    driver.look(trustor)
    clock.now = start + 12
    driver.advance(trustor, {"sent_amount": "1.00"})
    clock.now = start + 32
    driver.advance(trustee, {"sent_back_amount": "1.00"})
    clock.now = start + 37
    driver.advance(trustor)

    next_page = driver.look(trustor).page  # ultimatum round 1, by the trustor's new role
    assert next_page in ("Offer", "WaitForOffer")
    assert visits(dbfile, trustor) == [
        ("Send", t[2], t[12], 10.0, 0),
        ("WaitForTrustor", t[12], t[12], 0.0, 0),
        ("ResultsWait", t[12], t[32], 20.0, 0),
        ("Results", t[32], t[37], 5.0, 0),
        (next_page, t[37], None, None, 0),
    ]
    assert visits(dbfile, trustee) == [
        ("WaitForTrustor", t[1], t[12], 11.0, 0),
        ("SendBack", t[12], t[32], 20.0, 0),
        ("ResultsWait", t[32], t[32], 0.0, 0),
        ("Results", t[32], None, None, 0),
    ]
    assert dbfile.participant(trustee)["page_arrived_at"] == t[32]


def test_every_page_of_a_whole_session_is_timed(engine, driver, bot, dbfile, clock):
    session = engine.create_session("my_session", 4, seed=6)
    shown = driver.play(session, bot.answer, tick=lambda: clock.advance(3))

    for code, pages in shown.items():
        rows = dbfile.rows("SELECT v.* FROM page_visits v JOIN participants p ON "
                           "p.id = v.participant_id WHERE p.code = ? ORDER BY v.step", code)
        assert len(rows) == 14  # 8 pages with a form or a button, 6 wait pages
        assert [r["page"] for r in rows if "Wait" not in r["page"]] == [s.page for s in pages]
        assert sum("Wait" in r["page"] for r in rows) == 6
        for row in rows:
            arrived = datetime.fromisoformat(row["arrived_at"])
            submitted = datetime.fromisoformat(row["submitted_at"])
            assert row["seconds"] == (submitted - arrived).total_seconds() >= 0, row
            assert arrived.tzinfo is not None and row["timed_out"] == 0
        assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
        assert rows[-1]["submitted_at"] == dbfile.participant(code)["finished_at"]


def test_a_page_left_in_the_step_that_showed_it_took_zero_seconds_not_minus_zero(
        engine, driver, dbfile, clock):
    """The clock has more digits than a stored time: an arrival stored rounded up to the
    microsecond made the time on a wait page left at once ``-0.0``. SQLite stores it as the
    integer 0; PostgreSQL kept the sign, and its export said ``-0.0``."""
    session = engine.create_session("my_session", 4, seed=1)
    trustor, trustee = driver.codes(session)[:2]
    clock.now += 0.0000006  # stored as the next microsecond
    driver.look(trustee)
    driver.look(trustor)
    driver.advance(trustor, {"sent_amount": "1.00"})

    seconds = [row[3] for row in visits(dbfile, trustor) if row[0] == "WaitForTrustor"]
    assert seconds == [0.0]
    assert str(seconds[0]) == "0.0"
