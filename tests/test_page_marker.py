"""The page marker has one owner (``labctl.page_marker``): what the server writes into a page,
the bots' client reads back, field by field."""

from __future__ import annotations

from markupsafe import escape

from labctl.bots import client
from labctl.page_marker import PAGE_MARKER, attributes


def test_what_the_server_writes_is_what_the_bots_read():
    written = {"kind": "wait", "step": -1, "app": "trust", "round": 2, "page": "ResultsWait"}
    html = f'<main class="container" id="main" {attributes(written, escape)}>\n<h1>Wait</h1>'
    found = PAGE_MARKER.search(html)
    assert found is not None
    assert found.groupdict() == {name: str(value) for name, value in written.items()}


def test_a_page_outside_an_app_has_empty_fields():
    html = "<main " + attributes({"kind": "finished", "step": 7, "app": "", "round": "",
                                  "page": ""}, escape) + ">"
    assert PAGE_MARKER.search(html).groupdict() == {
        "kind": "finished", "step": "7", "app": "", "round": "", "page": ""}


def test_the_bots_client_reads_pages_with_the_owner_s_pattern():
    shown = client.ParticipantClient("http://127.0.0.1:1", "abc")._page(client.Response(
        200, '<main id="main" ' + attributes({"kind": "page", "step": 3, "app": "trust",
                                               "round": 1, "page": "Send"}, escape) + ">"))
    assert (shown.kind, shown.step, shown.app, shown.round_number, shown.name) == (
        "page", 3, "trust", 1, "Send")
    assert client.PAGE_MARKER is PAGE_MARKER


def test_the_benchmarks_copy_of_the_pattern_reads_what_the_server_writes():
    """The benchmarks keep their own copy (they also run against older commits)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "sample_answers.py"
    spec = importlib.util.spec_from_file_location("sample_answers_copy", path)
    sample_answers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sample_answers)
    written = {"kind": "page", "step": 12, "app": "survey", "round": 3, "page": "Opinions"}
    html = f'<main class="container" id="main" {attributes(written, escape)}>'
    assert sample_answers.PAGE_MARKER.search(html).groupdict() == PAGE_MARKER.search(
        html).groupdict() == {name: str(value) for name, value in written.items()}
