"""A session in German next to one in English, over real HTTP: labctl's texts, the form
messages with their numbers, decimal commas, the wait page and the payment are in the session's
language and format; the admin stays English; an Arabic page is laid out right to left."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import requests
from browserless import SampleBot, admin_login, play

SEND = 0  # the trust game's first page (the trustor's)
PASSWORD = "correct horse battery"


def with_session_types(project: Path, *declarations: str) -> Path:
    """The sample project with more session types (the sample's apps, in other languages)."""
    sessions = project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8") + "\nSESSION_TYPES += [\n"
                        + "".join(f"    {d},\n" for d in declarations) + "]\n",
                        encoding="utf-8")
    return project


def german(name: str = "my_session_de", language: str = "de", extra: str = "") -> str:
    return (f'SessionType(name="{name}", fixed_pay=1000, currency="EUR", '
            f'app_sequence=["trust", "ultimatum", "questionnaire"], num_participants=4, '
            f'language="{language}"{extra})')


def texts_of(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="labctl-texts">(.*?)</script>',
                      html, re.S)
    assert found, html[:400]
    return json.loads(found.group(1))


@pytest.fixture
def german_lab(live_server, sample_project):
    return live_server(project=with_session_types(sample_project, german()),
                       session_type="my_session_de", admin_password=PASSWORD)


def test_a_german_session_shows_labctls_texts_and_reads_decimal_commas(
        german_lab, participants_of):
    trustor, trustee, *_ = participants_of(german_lab.base_url, german_lab.codes)
    page = trustor.get()
    assert '<html lang="de" dir="ltr">' in page.html
    assert ">Weiter</button>" in page.html
    assert texts_of(page.html)["connection.lost"] == "Verbindung unterbrochen, neuer Versuch…"

    refused = trustor.submit({"sent_amount": "10,50"}, page)
    assert refused.status_code == 422
    assert "Bitte geben Sie einen Wert von höchstens 10,00 ein." in refused.text
    assert "Bitte korrigieren Sie die unten markierten Antworten." in refused.text
    refused = trustor.submit({"sent_amount": "4,505"}, page)
    assert "Bitte verwenden Sie höchstens 2 Nachkommastellen." in refused.text
    refused = trustor.submit({"sent_amount": "1.234"}, page)
    assert "„1.234“ kann 1234 oder 1,234 bedeuten" in refused.text

    waiting = trustee.get()
    assert waiting.kind == "wait"
    assert "<title>Bitte warten</title>" in waiting.html
    assert "Diese Seite geht von selbst weiter; Sie müssen sie nicht neu laden." in waiting.html

    accepted = trustor.submit({"sent_amount": "4,50"}, page)
    assert accepted.status_code == 200
    # the amount stored: exact cents, never a float
    with sqlite3.connect(german_lab.engine.store.path) as db:
        stored = db.execute("SELECT sent_amount FROM trust_group WHERE sent_amount IS NOT NULL"
                            ).fetchall()
    assert stored == [(450,)]


def test_the_end_of_a_german_session_pays_in_german_format_and_the_admin_stays_english(
        german_lab, participants_of):
    people = participants_of(german_lab.base_url, german_lab.codes)
    finished = play(people, SampleBot(german_lab.codes))
    html = next(iter(finished.values())).html
    assert "Vielen Dank für Ihre Teilnahme" in html
    assert re.search(r"Teilnahmevergütung</th><td>10,00\xa0€</td>", html), html
    assert re.search(r'id="payment-total">\d+,\d\d\xa0€<', html)

    admin = admin_login(german_lab.base_url, PASSWORD)
    monitor = admin.get(f"{german_lab.base_url}/admin/sessions/{german_lab.session_code}",
                        timeout=10)
    assert '<html lang="en" dir="ltr">' in monitor.text
    assert '<code id="session-language">de</code>' in monitor.text  # which language it runs in
    assert 'id="labctl-texts"' not in monitor.text  # the admin carries no participant texts
    assert 'id="labctl-texts"' not in monitor.text
    assert "Weiter" not in monitor.text and "Punkte" not in monitor.text


def test_a_german_and_an_english_session_run_side_by_side(live_server, sample_project):
    project = with_session_types(sample_project, german())
    lab = live_server(project=project, session_type="my_session_de")
    english_code = lab.engine.create_session("my_session", 4, seed=3)
    english = lab.engine.participant_rows(english_code)[0]["code"]
    for _ in range(3):  # alternating: no request leaves its language to the next
        de = requests.get(lab.url(lab.codes[0]), timeout=10).text
        en = requests.get(lab.url(english), timeout=10).text
        assert ">Weiter</button>" in de and ">Next</button>" in en
        assert '<html lang="en"' in en


def test_a_page_in_a_right_to_left_language_is_laid_out_right_to_left(
        live_server, sample_project):
    lab = live_server(project=with_session_types(sample_project, german("rtl", "ar")),
                      session_type="rtl")
    html = requests.get(lab.url(lab.codes[0]), timeout=10).text
    assert '<html lang="ar" dir="rtl">' in html


def test_a_seat_page_and_an_unknown_link_speak_the_projects_language(
        live_server, sample_project):
    sessions = sample_project / "sessions.py"
    sessions.write_text('LANGUAGE = "fr"\n' + sessions.read_text(encoding="utf-8"),
                        encoding="utf-8")
    lab = live_server(project=sample_project)
    missing = requests.get(lab.url("no-such-code-at-all"), timeout=10)
    assert missing.status_code == 404
    assert "Lien introuvable" in missing.text and '<html lang="fr"' in missing.text
    page = requests.get(lab.url(lab.codes[0]), timeout=10).text
    assert ">Suivant</button>" in page
