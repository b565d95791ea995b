"""Creating a session: participants with unguessable codes, one subsession per app round,
groups by the app's matching, and each app's ``creating_session`` hook.
"""

from __future__ import annotations

import random
import secrets
from functools import partial

from ..app import AppSpec
from ..errors import LabctlError
from ..exit_links import completion_code
from ..project import Project
from ..records import Subsession
from ..session_type import SessionType
from .hooks import call_hook
from .matching import check_matrix, group_matrix, groups_by_arrival
from .recordset import initial_values
from .store import Store
from .tx import Tx

#: bytes of randomness in a participant code: 96 bits, 16 URL-safe characters
PARTICIPANT_CODE_BYTES = 12


def participant_code() -> str:
    """A new participant code (URL-safe base64) that starts with a letter or digit.

    A code starting with ``-`` is shown in CSV exports with the apostrophe that keeps
    spreadsheets from reading a cell as a formula (``'-Ab…``), so analysts matching codes
    against links had to strip it; one code in 32 would start so, and is drawn again instead.
    """
    while True:
        code = secrets.token_urlsafe(PARTICIPANT_CODE_BYTES)
        if code[0].isalnum():
            return code


def check_participant_count(project: Project, session_type: SessionType, count: int) -> None:
    if count < 1:
        raise LabctlError(f"a session needs at least 1 participant, not {count}")
    for name in session_type.app_sequence:
        size = project.apps[name].players_per_group
        if size and count % size:
            raise LabctlError(
                f"{count} participants cannot form groups of {size} in app '{name}'",
                f"use a multiple of {size}, e.g. -n {count + size - count % size}")


def insert_session(store: Store, session_type: SessionType, count: int, seed: int,
                   labels: list[str] | None, now_iso: str, room: str | None = None,
                   demo: bool = False) -> str:
    """Write the session and its participants; returns the session code."""
    code = secrets.token_hex(4)
    store.insert_session({"code": code, "session_type": session_type.name,
                          "created_at": now_iso, "num_participants": count,
                          "params": session_type.params, "seed": seed, "label": None,
                          "room": room, "is_demo": int(demo)})
    for number in range(1, count + 1):
        label = labels[number - 1] if labels and number <= len(labels) else None
        store.insert_participant({
            "session_code": code, "id_in_session": number,
            "code": participant_code(), "label": label,
            "vars": "{}", "step": -1, "bonus": 0,
            "completion_code": session_type.completion_code or completion_code()})
    return code


def create_subsessions(tx: Tx, project: Project, seed: int) -> None:
    """Every app round's subsession, groups and players first, then ``creating_session``
    round by round in order, as oTree does: round 1's hook can read and set later rounds'
    players (``player.in_rounds(1, C.NUM_ROUNDS)``, a treatment drawn once for all rounds).

    With ``fixed`` matching, later rounds keep round 1's groups as round 1's hook left them:
    when it regroups round 1, later rounds are regrouped likewise before their own hook runs.
    """
    rng = random.Random(seed)
    participants = tx.store.participants_of(tx.session_code)
    ids = {row["id_in_session"]: row["id"] for row in participants}
    codes = {row["id"]: row["code"] for row in participants}
    plan = list(project.subsession_plan(tx.session_type))
    first_rounds: dict[str, list[list[int]]] = {}
    for spec, round_number in plan:
        _insert_round(tx, spec, round_number, ids, codes, rng, first_rounds)
    regrouped: dict[str, list[list[int]]] = {}
    for spec, round_number in plan:
        subsession = tx.records.subsession(spec, round_number)
        if spec.name in regrouped and spec.settings.matching == "fixed":
            subsession.group_matrix = [list(row) for row in regrouped[spec.name]]
            apply_group_matrix(tx, spec, subsession, ids, "creating_session of round 1")
        if spec.creating_session is None:
            continue
        subsession._accepts_matrix = not groups_by_arrival(spec)
        subsession._regroup = partial(apply_group_matrix, tx, spec, subsession, ids,
                                      "creating_session")
        try:
            call_hook(spec.creating_session, subsession, root=tx.root,
                      what=f"creating_session of app '{spec.name}'")
        finally:
            subsession._accepts_matrix = False
            subsession._regroup = None
        if round_number == 1 and spec.name in first_rounds:
            now = _current_matrix(tx, spec, round_number, ids)
            if now != first_rounds[spec.name]:
                regrouped[spec.name] = now
    tx.records.flush()


def _insert_round(tx: Tx, spec: AppSpec, round_number: int, ids: dict[int, int],
                  codes: dict[int, str], rng: random.Random,
                  first_rounds: dict[str, list[list[int]]]) -> None:
    """One app round's subsession, groups (by the app's matching) and players."""
    subsession_id = tx.store.insert_record(spec.name, "subsession", {
        **initial_values(spec.subsession_class),
        "session_code": tx.session_code, "round_number": round_number})
    if groups_by_arrival(spec):
        _insert_players(tx, spec, round_number, subsession_id, [[n] for n in ids], ids,
                        codes, grouped=False)
        return
    matrix = group_matrix(spec, round_number, list(ids), rng, first_rounds.get(spec.name))
    _insert_players(tx, spec, round_number, subsession_id, matrix, ids, codes, grouped=True)
    if round_number == 1:
        first_rounds[spec.name] = matrix


def _insert_players(tx: Tx, spec: AppSpec, round_number: int, subsession_id: int,
                    matrix: list[list[int]], ids: dict[int, int], codes: dict[int, str],
                    grouped: bool) -> None:
    roles = spec.settings.roles
    for group_number, members in enumerate(matrix, start=1):
        group_id = tx.store.insert_record(spec.name, "group", {
            **initial_values(spec.group_class), "session_code": tx.session_code,
            "round_number": round_number,
            "subsession_id": subsession_id, "id_in_subsession": group_number}) if grouped else None
        for position, number in enumerate(members, start=1):
            tx.store.insert_record(spec.name, "player", {
                **initial_values(spec.player_class), "session_code": tx.session_code,
                "round_number": round_number,
                "subsession_id": subsession_id, "group_id": group_id,
                "participant_id": ids[number], "participant_code": codes[ids[number]],
                "id_in_group": position if grouped else None,
                "role": (roles[position - 1] if grouped and position <= len(roles)
                         else None)})


def apply_group_matrix(tx: Tx, spec: AppSpec, subsession: Subsession, ids: dict[int, int],
                       where: str) -> None:
    """Regroup a round by the matrix a hook set (``where`` names the hook), reusing the round's
    group rows; nothing happens when no matrix was set. ``ids``: participant number -> id."""
    matrix = subsession.group_matrix
    if matrix is None:
        return
    subsession.group_matrix = None
    check_matrix(spec, matrix, len(ids), where)
    groups = subsession.get_groups()
    while len(groups) < len(matrix):
        groups.append(tx.records.new_group(spec, subsession.round_number))
    for group, members in zip(groups, matrix, strict=False):
        for position, number in enumerate(members, start=1):
            player = tx.records.player(spec, ids[number], subsession.round_number)
            tx.records.assign_group(spec, player, group, position)
    for unused in groups[len(matrix):]:
        tx.store.delete_record(spec.name, "group", unused.id)


def _current_matrix(tx: Tx, spec: AppSpec, round_number: int, ids: dict[int, int]
                    ) -> list[list[int]]:
    numbers = {pid: number for number, pid in ids.items()}
    rows = tx.store.round_rows(spec.name, "player", tx.session_code, round_number)
    groups: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        if row["group_id"] is not None:
            groups.setdefault(row["group_id"], []).append(
                (row["id_in_group"], numbers[row["participant_id"]]))
    return [[number for _, number in sorted(members)] for _, members in sorted(groups.items())]

