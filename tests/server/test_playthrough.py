"""The whole sample session played over HTTP by four browserless participants: every answer is
saved, and the finished page and the admin show the payment those answers earn."""

from __future__ import annotations

import re

from browserless import (
    FINISHED,
    FIXED_PAY,
    HTTP_TIMEOUT,
    TRUST_RESULTS,
    LabDb,
    SampleBot,
    admin_login,
    eur,
    play,
    stored_form,
)

PASSWORD = "correct horse battery"


def test_four_participants_play_to_the_end_and_are_paid_what_they_earned(
        live_server, participants_of):
    lab = live_server(admin_password=PASSWORD)
    people = participants_of(lab.base_url, lab.codes)
    bot = SampleBot(lab.codes)
    db = LabDb.of(lab.engine.store)

    # trust has fixed matching: participants 1+2 and 3+4, the first of each the trustor
    results = play(people, bot, stop_step=TRUST_RESULTS)
    earnings = {code: re.search(r"Your earnings in this game</th><td><strong>([^<]+)<",
                                page.html).group(1) for code, page in results.items()}
    # 10.00 - 3.00 + 2.50 | 10.00 + 9.00 - 2.50 | 10.00 - 2.00 + 4.00 | 10.00 + 6.00 - 4.00
    assert earnings == dict(zip(lab.codes, ["EUR 9.50", "EUR 16.50", "EUR 12.00", "EUR 12.00"],
                                strict=True))

    finished = play(people, bot)
    expected = bot.expected_bonuses(db, lab.session_code)
    for code, page in finished.items():
        assert page.kind == "finished", page
        assert page.title == "Thank you for taking part"
        assert page.payment_total == eur(FIXED_PAY + expected[code])
        assert f"<td>{eur(FIXED_PAY)}</td>" in page.html  # the show-up fee
        row = db.participant(code)
        assert (row["step"], row["bonus"]) == (FINISHED, expected[code])
        assert row["finished_at"] is not None

    # trust: 2 x Send, 2 x SendBack, 4 x Results; the same in each ultimatum round; 4 x 2
    # questionnaire pages
    assert len(bot.submitted) == (2 + 2 + 4) + 2 * (2 + 2 + 4) + 4 * 2
    for entry in bot.submitted:
        for name, typed in entry.values.items():
            assert db.stored_answer(entry.code, entry.step, name) == stored_form(name, typed), (
                entry, name)

    admin = admin_login(lab.base_url, PASSWORD)
    detail = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}", timeout=HTTP_TIMEOUT)
    assert detail.status_code == 200
    for code in lab.codes:
        row = re.search(rf'/p/{re.escape(code)}/</a></td>.*?</tr>', detail.text, re.S).group(0)
        assert ">finished<" in row
        assert f'data-label="Bonus">{eur(expected[code])}</td>' in row  # not in cents
    sheet = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/payments",
                      timeout=HTTP_TIMEOUT)
    total = re.search(r'id="payments-total">([^<]+)<', sheet.text).group(1)
    assert total == eur(sum(FIXED_PAY + bonus for bonus in expected.values()))
    for number, code in enumerate(lab.codes, start=1):
        row = re.search(rf'<td class="num">{number}</td>.*?</tr>', sheet.text, re.S).group(0)
        assert f"<strong>{eur(FIXED_PAY + expected[code])}</strong>" in row
