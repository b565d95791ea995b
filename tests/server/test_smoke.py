"""The two live-server fixtures start and serve a participant page."""

import pytest
import requests

pytestmark = pytest.mark.both_stores


def test_live_server_serves_a_page(live_server):
    lab = live_server()
    response = requests.get(lab.url(lab.codes[0]), timeout=10)
    assert response.status_code == 200
    assert "Trust game" in response.text


@pytest.mark.slow  # labctl run as a process
def test_labctl_run_prints_links_and_serves_them(sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    assert len(lab.codes) == 4
    assert len(lab.password) >= 12
    response = requests.get(f"{lab.base_url}/p/{lab.codes[1]}/", timeout=10)
    assert response.status_code == 200
    assert (sample_project / "labctl.db").is_file()


def test_a_link_preview_does_not_start_the_participant(live_server):
    lab = live_server()
    response = requests.head(lab.url(lab.codes[0]), timeout=10)
    assert response.status_code == 200
    row = lab.engine.participant_rows(lab.session_code)[0]
    assert row["started_at"] is None
    assert row["step"] == -1
    assert requests.head(lab.url("not-a-code"), timeout=10).status_code == 404
