"""The codebook written with every results export, checked against the sample project's fields.

Every column of every written file must have exactly one codebook row, and a field's row must
carry what its declaration says: type, label, doc, bounds, choices, the page setting it, rounds
and the unit of an amount.
"""

from __future__ import annotations

import csv
import io

from played_session import Played

from labctl.export import write_results
from labctl.export.codebook import FILE_DESCRIPTIONS, describe_file


def read(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def header(path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def exported(played: Played, tmp_path, fmt: str = "csv"):
    out = tmp_path / "out"
    write_results(played.store, played.project, out, [played.code], fmt)
    return out, read(out / "codebook.csv")


def test_every_column_of_every_written_file_has_one_codebook_row(played, tmp_path):
    out, book = exported(played, tmp_path)
    data_files = sorted(p.name for p in out.glob("*.csv") if p.name != "codebook.csv")
    assert sorted({row["file"] for row in book}) == data_files
    for name in data_files:
        assert [r["column"] for r in book if r["file"] == name] == header(out / name), name


def test_every_field_of_the_sample_project_has_its_declaration_in_the_codebook(played,
                                                                             tmp_path):
    _, book = exported(played, tmp_path)
    rows = {(r["file"], r["column"]): r for r in book}
    apps = played.project.session_type("my_session").app_sequence
    for app in apps:
        spec = played.project.apps[app]
        rounds = "1" if spec.num_rounds == 1 else f"1-{spec.num_rounds}"
        for kind, model in spec.record_classes():
            for name, field in model.declared_fields().items():
                row = rows[(f"{app}.csv", f"{kind}.{name}")]
                assert (row["app"], row["record"], row["rounds"]) == (app, kind, rounds)
                assert row["field_type"] == field.type_name
                assert row["label"] == field.display_label
                assert row["doc"] == field.doc
                for bound in ("min", "max"):
                    value = getattr(field, bound, None)
                    assert row[bound] == ("" if value is None else str(value)), (app, name)
                assert row["unit"] == ("minor units" if field.type_name == "money" else "")
                for round_number in range(1, spec.num_rounds + 1):
                    wide = rows[("results_wide.csv", f"{app}.{round_number}.{kind}.{name}")]
                    assert (wide["field_type"], wide["rounds"]) == (field.type_name,
                                                                    str(round_number))


def test_a_field_row_says_what_its_declaration_says(played, tmp_path):
    _, book = exported(played, tmp_path)
    rows = {(r["file"], r["column"]): r for r in book}
    age = rows[("questionnaire.csv", "player.age")]
    assert (age["min"], age["max"], age["set_by_pages"]) == ("16", "110", "Demographics")
    gender = rows[("questionnaire.csv", "player.gender")]
    assert gender["choices"] == ("female: Female; male: Male; diverse: Diverse; "
                                 "no_answer: Prefer not to say")
    assert rows[("questionnaire.csv", "player.comments")]["set_by_pages"] == "Opinions"


def test_amounts_say_their_unit_and_currency_and_wide_columns_their_round(played, tmp_path):
    _, book = exported(played, tmp_path)
    rows = {(r["file"], r["column"]): r for r in book}
    sent = rows[("trust.csv", "group.sent_amount")]
    assert (sent["field_type"], sent["unit"], sent["currency"]) == ("money", "minor units",
                                                                     "EUR")
    assert sent["set_by_pages"] == "Send"
    assert sent["label"] == "How much do you send to the other participant?"
    offered = rows[("results_wide.csv", "ultimatum.2.group.amount_offered")]
    assert (offered["app"], offered["record"], offered["rounds"]) == ("ultimatum", "group", "2")
    assert rows[("ultimatum.csv", "group.amount_offered")]["rounds"] == "1-2"
    accepted = rows[("ultimatum.csv", "group.offer_accepted")]
    assert accepted["field_type"] == "boolean"
    assert accepted["choices"].startswith("1: ")


def test_columns_that_are_not_fields_are_described_per_file(played, tmp_path):
    _, book = exported(played, tmp_path)
    rows = {(r["file"], r["column"]): r for r in book}
    assert rows[("results_wide.csv", "participant.payment")]["doc"].startswith("fixed pay")
    assert rows[("results_wide.csv", "participant.payment")]["record"] == "participant"
    assert rows[("results_wide.csv", "session.currency")]["record"] == "session"
    assert rows[("results_wide.csv", "trust.1.player.role")]["doc"].startswith("the player's")
    assert rows[("page_timings.csv", "seconds")]["doc"] == "seconds on the page"
    assert rows[("batch_data.csv", "patch")]["doc"] == "the JSON Patch the change made"


def test_a_field_doc_reaches_the_codebook(played, tmp_path):
    field = played.project.apps["questionnaire"].player_class.declared_fields()["age"]
    field.doc = "self-reported age in years"
    _, book = exported(played, tmp_path)
    row = next(r for r in book if r["column"] == "player.age")
    assert row["doc"] == "self-reported age in years"


def test_a_newly_registered_file_is_described_in_one_place(played, tmp_path):
    original = FILE_DESCRIPTIONS["page_timings.csv"]
    describe_file("page_timings.csv", "visit of a page (test)", {"seconds": "time taken"})
    try:
        out, book = exported(played, tmp_path)
        row = next(r for r in book if (r["file"], r["column"]) == ("page_timings.csv",
                                                                    "seconds"))
        assert row["doc"] == "time taken"
        assert "One row per visit of a page (test)." in (out / "codebook.md").read_text()
    finally:
        FILE_DESCRIPTIONS["page_timings.csv"] = original


def test_the_markdown_has_a_section_per_file_and_escapes_cells(played, tmp_path):
    field = played.project.apps["questionnaire"].player_class.declared_fields()["comments"]
    field.doc = "free text | may hold <b>html</b>"
    out, book = exported(played, tmp_path)
    text = (out / "codebook.md").read_text(encoding="utf-8")
    for name in {r["file"] for r in book}:
        assert f"\n## {name}\n" in text
    assert "free text \\| may hold &lt;b>html&lt;/b>" in text


def test_a_json_export_gets_the_codebook_too(played, tmp_path):
    out, book = exported(played, tmp_path, "json")
    assert {"results_wide.csv", "trust.csv"} <= {r["file"] for r in book}
    assert (out / "codebook.md").is_file()

