"""Room links that carry who the participant is: ``/room/lab1/?participant_label=PC07`` (oTree's
room link, or a recruitment system's link) goes to that seat, and the label it keeps is the
recruitment id in the payments export."""

from __future__ import annotations

import requests
from browserless import HTTP_TIMEOUT


def test_a_participant_label_in_the_room_link_goes_to_that_seat(live_server):
    lab = live_server()
    response = requests.get(f"{lab.base_url}/room/lab1/?participant_label=PC07",
                            timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/room/lab1/PC07/")
    code = lab.engine.create_session("my_session", 4, room="lab1", seed=2)
    joined = requests.get(f"{lab.base_url}/room/lab1/?participant_label=PC07",
                          timeout=HTTP_TIMEOUT)
    assert joined.status_code == 200
    labels = [row["label"] for row in lab.engine.participant_rows(code)]
    assert labels.count("PC07") == 1
    assert [p.recruitment_id for p in lab.engine.payments(code)].count("PC07") == 1


def test_an_unknown_label_in_the_room_link_is_refused_by_name(live_server):
    lab = live_server()
    response = requests.get(f"{lab.base_url}/room/lab1/?participant_label=NOPE",
                            timeout=HTTP_TIMEOUT)
    assert response.status_code == 404
    assert "&#39;NOPE&#39; is not a seat" in response.text or "'NOPE' is not a seat" in \
        response.text


def test_without_a_label_the_room_link_shows_the_seat_picker(live_server):
    lab = live_server()
    response = requests.get(f"{lab.base_url}/room/lab1/", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert "PC01" in response.text
