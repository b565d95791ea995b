"""Files for the recruitment system: who came and what they were paid, by their id there.

A lab invites through ORSEE or SONA and books the pay back into it. Both files are built from
the payments sheet (``Results.payments``), so every amount is the one the sheet shows: the
``paid`` amount (rounded as the session type declares) as a plain decimal with a point
(``12.50``), which both systems read whatever the lab's locale. A participant without a
recruitment id (no label) cannot be booked back and is left out; ``labctl export payments``
says how many.
"""

from __future__ import annotations

from decimal import Decimal

from ..money import MINOR_UNITS
from .tables import Row, Table

ORSEE_FILE, SONA_FILE = "payments_orsee.csv", "payments_sona.csv"
#: ORSEE 3 keeps, per participant and session, whether they showed up, whether they
#: participated, and the amount paid (its ``participate_at`` record)
ORSEE_COLUMNS = ["participant_id", "session_code", "showup", "participated", "payment_amt"]
#: SONA grants credit and records payment by the survey code its study link passed on
SONA_COLUMNS = ["survey_code", "payment"]


def orsee_table(payments: Table) -> Table:
    """A row per participant with a recruitment id, no-shows included (``showup`` 0)."""
    rows = [{"participant_id": row["recruitment_id"], "session_code": row["session.code"],
             "showup": row["started"], "participated": row["finished"],
             "payment_amt": plain_amount(row) if row["started"] else plain_zero(row)}
            for row in _people(payments)]
    return Table(list(ORSEE_COLUMNS), rows)


def sona_table(payments: Table) -> Table:
    """A row per participant who came: SONA credits only those who took part."""
    rows = [{"survey_code": row["recruitment_id"], "payment": plain_amount(row)}
            for row in _people(payments) if row["started"]]
    return Table(list(SONA_COLUMNS), rows)


def without_recruitment_id(payments: Table) -> int:
    """How many participants who came have no recruitment id, and so are in neither file."""
    return sum(1 for row in payments.rows if row.get("participant.code") is not None
               and row["started"] and not row["recruitment_id"])


def plain_amount(row: Row) -> Decimal:
    """The paid amount as a decimal of the currency: 1250 EUR cents -> ``12.50``."""
    return Decimal(int(row["paid"])).scaleb(-MINOR_UNITS[row["currency"]])


def plain_zero(row: Row) -> Decimal:
    return Decimal(0).scaleb(-MINOR_UNITS[row["currency"]])


def _people(payments: Table) -> list[Row]:
    """The participant rows (not the totals) that have a recruitment id."""
    return [row for row in payments.rows
            if row.get("participant.code") is not None and row["recruitment_id"]]
