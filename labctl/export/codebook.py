"""The codebook: what every column of every file of an export means, derived from the model.

Analysts otherwise rebuild a codebook by hand from the app's source. Here it is written with
the data (``codebook.csv`` and a readable ``codebook.md``), from what the export actually wrote:
each file's columns, and for a column that is an app's field, the field's declaration (type,
label as the participant saw it, ``doc``, bounds, choices, the pages whose form sets it, the
rounds it exists in, and the unit of an amount). Nothing is written per project.

Columns that are not fields (who a row is about, times, shared-data changes) are described
once, per file, in ``FILE_DESCRIPTIONS``: a new file of the export adds its entry there (one
``describe_file`` call) and the codebook covers it. A column no entry describes (e.g. a
participant field declared by an app) is still listed, with its kind read from its prefix, so
the codebook never leaves a column out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from .. import fields
from ..app import AppSpec
from ..pages import Page, form_model_kind, is_sequence_item
from .snapshot import Column
from .tables import (
    Results,
    Table,
)

CODEBOOK_CSV, CODEBOOK_MARKDOWN = "codebook.csv", "codebook.md"
CODEBOOK_COLUMNS = ["file", "column", "app", "record", "rounds", "field_type", "label", "doc",
                    "min", "max", "choices", "set_by_pages", "unit", "currency"]


@dataclass
class FileDescription:
    """One file of an export: what a row is, and what its non-field columns mean."""

    one_row_per: str
    columns: dict[str, str] = field(default_factory=dict)


#: file name -> its description; ``APP_TABLE`` stands for every app's table
APP_TABLE = "APP.csv"
FILE_DESCRIPTIONS: dict[str, FileDescription] = {}


def describe_file(name: str, one_row_per: str, columns: dict[str, str]) -> None:
    """Register what a file of the export holds: the one place a new file's columns are
    described (``APP_TABLE`` names the per-app tables)."""
    FILE_DESCRIPTIONS[name] = FileDescription(one_row_per, columns)


_WHO = {
    "session.code": "the session's code",
    "participant.id_in_session": "the participant's number in the session (1, 2, ...)",
    "participant.code": "the participant's code, as in their link",
    "participant.label": "the participant's label (a lab PC or name), if any",
}
_PARTICIPANT = {
    **_WHO,
    "participant.started_at": "when the participant opened their link (ISO 8601, UTC)",
    "participant.finished_at": "when the participant reached the end (ISO 8601, UTC)",
    "participant.bonus": "the sum of the participant's payoffs (minor units, or points)",
    "participant.consent": "the answer to the consent page: agreed or declined (empty: none asked)",
    "participant.consent_at": "when the participant answered the consent page (ISO 8601, UTC)",
    "participant.payment": "fixed pay plus bonus converted to money, in minor units",
    "participant.payment_formatted": "the payment as shown, with its currency",
    "participant.vars": "participant.vars as JSON",
    "participant.completion_code": "the code the participant was given to prove completion "
                                   "(exit_url's {completion_code}; the session type's one "
                                   "code when it sets completion_code)",
}
_SESSION = {
    "session.session_type": "the session type's name in sessions.py",
    "session.label": "the label the experimenter gave the session",
    "session.room": "the room the session ran in",
    "session.created_at": "when the session was created (ISO 8601, UTC)",
    "session.num_participants": "how many participants the session was created with",
    "session.currency": "the session type's currency (ISO 4217)",
    "session.fixed_pay": "the show-up fee, in minor units",
    "session.params": "the session type's params (treatments) as JSON",
    "session.vars": "session.vars as JSON",
}
_TIMING = {
    "step": "the page's position in the session's page sequence (0 first)",
    "app": "the app of the page", "round_number": "the round of the page",
    "page": "the page's class name", "is_wait_page": "1 for a wait page",
    "arrived_at": "when the participant arrived on the page (ISO 8601, UTC)",
    "submitted_at": "when the participant left it (ISO 8601, UTC)",
    "seconds": "seconds on the page", "timed_out": "1 when the page's timeout submitted it",
    "decided_by": "who submitted the page: participant, timeout, bot (a dropout policy) or "
                  "admin (the monitor's Advance); empty for a wait page",
}
_PAYMENT = {
    "recruitment_id": "the participant's id in the recruitment system (their label)",
    "started": "1 when the participant opened their link",
    "finished": "1 when the participant reached the end",
    "in_total": "1 when the amount counts in the session's total (0: never started)",
    "currency": "the payment's currency", "fixed_pay": "show-up fee, minor units",
    "bonus_points": "the bonus in points, when the session type pays points",
    "bonus": "the bonus in money, minor units", "total": "fixed pay plus bonus, minor units",
    "fixed_pay_formatted": "fixed pay as shown", "bonus_formatted": "bonus as shown",
    "total_formatted": "total as shown",
    "paid": "the total rounded up to the session type's payment_rounding, minor units",
    "paid_formatted": "the amount paid as shown",
    "note": "why the payment is not the usual one, e.g. declined consent (show-up fee only)",
}
_HISTORY = {
    "scope": "the store: batch, group or study",
    "key": "which document: the batch name, SESSION/APP/ROUND/GROUP or a participant code",
    "version": "the document's version after this change",
    "author": "who made the change: a participant code, app or admin",
    "kind": "patch or replace", "patch": "the JSON Patch the change made",
    "at": "when the change was accepted (ISO 8601, UTC)",
}
_ENGINE = {
    "player.id_in_group": "the player's number in its group (1, 2, ...)",
    "player.role": "the player's role in its group, if the app declares roles",
    "group.id_in_subsession": "the group's number in its round (1, 2, ...)",
    "round_number": "the app's round",
}

describe_file("results_wide.csv", "participant",
              {**_PARTICIPANT, **_SESSION, **_ENGINE})
describe_file(APP_TABLE, "player per round", {**_WHO, **_ENGINE})
describe_file("page_timings.csv", "page visit", {**_WHO, **_TIMING})
describe_file("payments.csv", "participant, then a total row per session",
              {**_WHO, **_PAYMENT})
for _scope in ("batch", "group", "study"):
    describe_file(f"{_scope}_data.csv", f"accepted change of the {_scope} data", _HISTORY)
describe_file("shared_documents.csv", "shared document",
              {**_HISTORY, "doc": "the document's final JSON",
               "updated_at": "when it last changed (ISO 8601, UTC)"})
describe_file("shared_messages.csv", "group or batch message",
              {**_HISTORY, "sender": "the participant code that sent it",
               "recipient": "the participant code of a direct message",
               "body": "the message as JSON"})
del _scope
#: every app's table of an extra record class (``APP.RECORD.csv``)
EXTRA_TABLE = "APP.RECORD.csv"
describe_file(EXTRA_TABLE, "extra record (e.g. one trial)", {
    **_WHO, "app": "the app that created the record",
    "round_number": "the round it was created in",
    "app_round_number": "the round it was created in (the class has a field round_number)",
    "group.id_in_subsession": "the number of the group it belongs to in its round",
    "id": "the record's id, in creation order"})


def description_of(file: str, app_files: dict[str, str]) -> FileDescription:
    """A file's registered description (an app's table: ``APP_TABLE``); a file nobody
    registered is still listed, column by column."""
    if file in app_files:
        return FILE_DESCRIPTIONS[APP_TABLE]
    if file.count(".") == 2 and ".custom" not in file:
        return FILE_DESCRIPTIONS[EXTRA_TABLE]
    return FILE_DESCRIPTIONS.get(file) or FileDescription("row, as the file defines it")


@dataclass(frozen=True)
class FieldColumn:
    """A column that holds an app field: where it comes from."""

    app: AppSpec
    kind: str
    column: Column
    rounds: str


def app_field_columns(results: Results, app: str, wide: bool) -> dict[str, FieldColumn]:
    """The field columns of an app, by the name they have in the wide table or the app's."""
    spec, layout = results.project.apps[app], results.layouts[app]
    found = {}
    every_round = f"1-{layout.num_rounds}" if layout.num_rounds > 1 else "1"
    for round_number in range(1, layout.num_rounds + 1) if wide else [0]:
        for kind, columns in layout.kinds():
            for column in columns:
                name = (f"{app}.{round_number}.{kind}.{column.name}" if wide
                        else f"{kind}.{column.name}")
                found[name] = FieldColumn(spec, kind, column,
                                          str(round_number) if wide else every_round)
    return found


def codebook(results: Results, files: dict[str, list[str]], app_files: dict[str, str],
             custom_files: dict[str, str] | None = None,
             extra_fields: dict[str, dict[str, FieldColumn]] | None = None) -> Table:
    """A row per column of each file (``files``: name -> columns, in the order written), in
    file then column order; ``app_files`` names each app's table file, ``custom_files`` the
    app of each custom export's file, ``extra_fields`` the fields of each extra record
    table."""
    custom_files, extra_fields = custom_files or {}, extra_fields or {}
    field_columns: dict[str, dict[str, FieldColumn]] = {}
    for app in results.apps:
        field_columns[app] = app_field_columns(results, app, wide=False)
    wide_columns = {name: info for app in results.apps
                    for name, info in app_field_columns(results, app, wide=True).items()}
    rows = []
    for file, columns in files.items():
        described = description_of(file, app_files)
        known = wide_columns if file == "results_wide.csv" else extra_fields.get(
            file) or field_columns.get(app_files.get(file, ""), {})
        for name in columns:
            info = known.get(name)
            declared = _declared_cells(results, name) if file == "results_wide.csv" else None
            if declared is not None:
                rows.append({"file": file, "column": name, **declared})
            elif info is not None and info.column.field is not None:
                rows.append({"file": file, "column": name,
                             **_field_cells(results, info)})
            else:
                rows.append({"file": file, "column": name,
                             "app": info.app.name if info else app_files.get(
                                 file, custom_files.get(file, _extra_app(file, extra_fields))),
                             "record": info.kind if info else _extra_kind(
                                 file, extra_fields) or _record_of(name),
                             "rounds": info.rounds if info else None,
                             "doc": _custom_doc(file, custom_files)
                             or described.columns.get(_unqualified(name))
                             or described.columns.get(name)})
    return Table(list(CODEBOOK_COLUMNS), rows)


def extra_field_columns(results: Results, layout: Any) -> dict[str, FieldColumn]:
    """The field columns of an extra record table (``export.extra.ExtraLayout``)."""
    spec = results.project.apps[layout.app]
    rounds = f"1-{spec.num_rounds}" if spec.num_rounds > 1 else "1"
    return {column.name: FieldColumn(spec, layout.kind, column, rounds)
            for column in layout.columns}


def _extra_app(file: str, extra_fields: dict[str, dict[str, FieldColumn]]) -> str | None:
    return file.split(".", 1)[0] if file in extra_fields else None


def _extra_kind(file: str, extra_fields: dict[str, dict[str, FieldColumn]]) -> str | None:
    return file.split(".")[1] if file in extra_fields else None


def _custom_doc(file: str, custom_files: dict[str, str]) -> str | None:
    """What a custom export's column is: the app's own function wrote it."""
    if file not in custom_files:
        return None
    function = "custom_export" + file.split(".")[1].removeprefix("custom")
    return f"written by {function}(players) of app '{custom_files[file]}'"


def _unqualified(name: str) -> str:
    """``player.role`` for ``trust.1.player.role``: how engine columns are described."""
    parts = name.split(".")
    return ".".join(parts[2:]) if len(parts) == 4 else name


def _record_of(name: str) -> str | None:
    """``participant`` for ``participant.code``: the kind of a column no field describes."""
    prefix = name.split(".", 1)[0]
    return prefix if "." in name else None


def _field_cells(results: Results, info: FieldColumn) -> dict[str, Any]:
    field_ = info.column.field
    assert field_ is not None
    unit, currency = _unit(results, info.app.name, field_)
    choices = "; ".join(f"{_shown(value)}: {label}" for value, label in field_.choices or [])
    return {"app": info.app.name, "record": info.kind, "rounds": info.rounds,
            "field_type": field_.type_name, "label": field_.display_label,
            "doc": field_.doc or None, "min": getattr(field_, "min", None),
            "max": getattr(field_, "max", None), "choices": choices or None,
            "set_by_pages": ", ".join(_pages_setting(info.app, info.kind, field_.name)) or None,
            "unit": unit, "currency": currency}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _declared_cells(results: Results, name: str) -> dict[str, Any] | None:
    """A participant or session field declared in sessions.py (``PARTICIPANT_FIELDS``,
    ``SESSION_FIELDS``): its type, doc and bounds, as an app field's."""
    owner, _, attribute = name.partition(".")
    declared = {"participant": results.project.participant_fields,
                "session": results.project.session_fields}.get(owner, {})
    if attribute not in declared:
        return None
    field_ = declared[attribute]
    if field_ is None:
        return {"record": owner, "field_type": "any JSON value",
                "doc": f"declared in sessions.py's {owner.upper()}_FIELDS; lists and dicts "
                       "are written as JSON"}
    amounts = [_unit(results, app, field_) for app in results.apps]
    unit, currency = next((pair for pair in amounts if pair[0]), (None, None))
    choices = "; ".join(f"{_shown(value)}: {label}" for value, label in field_.choices or [])
    return {"record": owner, "field_type": field_.type_name, "label": field_.display_label,
            "doc": field_.doc or None, "min": getattr(field_, "min", None),
            "max": getattr(field_, "max", None), "choices": choices or None,
            "unit": unit, "currency": currency}


def _unit(results: Results, app: str, field_: fields.Field) -> tuple[str | None, str | None]:
    """An amount's unit (``minor units`` or ``points``) and currency, from the session types
    the exported sessions ran the app in."""
    if not isinstance(field_, fields.Money):
        return None, None
    types = {s.session_type.name: s.session_type for s in results.sessions if app in s.apps}
    units = sorted({"points" if t.pays_points else "minor units" for t in types.values()})
    currencies = sorted({t.currency for t in types.values()})
    return " or ".join(units) or "minor units", ", ".join(currencies) or None


def _pages_setting(spec: AppSpec, kind: str, name: str) -> list[str]:
    """The pages whose declared form sets the field (``get_form_fields`` is per player and
    not known before the session runs)."""
    return [page.__name__ for page in spec.page_sequence
            if is_sequence_item(page) and isinstance(page, type) and issubclass(page, Page)
            and form_model_kind(page.form_model) == kind and name in page.form_fields]


def codebook_markdown(table: Table, app_files: dict[str, str]) -> str:
    """The codebook as Markdown: a section per file, a table row per column."""
    out = io.StringIO()
    out.write("# Codebook\n\nWritten by `labctl export results` from the apps' declarations."
              " Amounts are integers in the unit given (minor units: 1050 is 10.50).\n")
    shown = [c for c in CODEBOOK_COLUMNS if c != "file"]
    current = None
    for row in table.rows:
        if row["file"] != current:
            current = row["file"]
            per = description_of(current, app_files).one_row_per
            out.write(f"\n## {current}\n\nOne row per {per}.\n\n")
            out.write("| " + " | ".join(shown) + " |\n|" + "-|" * len(shown) + "\n")
        out.write("| " + " | ".join(_md_cell(row.get(c)) for c in shown) + " |\n")
    return out.getvalue()


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;"))

