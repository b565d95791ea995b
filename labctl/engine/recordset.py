"""A unit of work: the records one engine step loads, navigates and writes back.

Inside one transaction, a ``RecordSet`` loads players, groups, subsessions and participants on
demand (each at most once), serves as the records' ``Navigator``, and at the end writes back
exactly the fields that changed, then recomputes the bonus of participants whose payoff changed.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import vars_codec
from ..app import AppSpec
from ..errors import ModelError, ResearcherCodeError, SourceLocation
from ..extra_records import ExtraRecord, engine_columns, record_kind, round_column
from ..project import Project
from ..records import Group, Participant, Player, Record, Session, Subsession
from ..session_type import SessionType
from .store import Store


def initial_values(model: type[Record]) -> dict[str, Any]:
    """The declared initial values of a model's fields: what a new row starts with."""
    return {name: field.initial for name, field in model.declared_fields().items()
            if field.initial is not None}


R = TypeVar("R", bound=Record)
E = TypeVar("E", bound=ExtraRecord)


class RecordSet:
    """Records of one session loaded within one transaction; implements ``Navigator``.

    The set holds its records (its caches) and the records hold its ``links``, which hold
    the set only weakly: no reference cycle, so reference counting frees a step's records as
    soon as the step is over, without waiting for Python's cycle collector (whose full
    collections, with hundreds of requests in flight, paused every page).
    """

    def __init__(self, store: Store, project: Project, session_type: SessionType,
                 session_row: dict[str, Any]) -> None:
        self.store = store
        self.project = project
        self.session = Session(session_row["code"], session_type,
                               params=vars_codec.decode(session_row["params"]),
                               vars=vars_codec.decode(session_row["vars"]),
                               declared=project.session_fields,
                               num_participants=session_row.get("num_participants") or 0,
                               is_demo=bool(session_row.get("is_demo")))
        self._session_vars = session_row["vars"] or "{}"
        self._records: dict[tuple[str, str, int], Record] = {}
        #: (app, participant id, round) -> player, and (app, round) -> subsession: one step
        #: asks for the same few records many times (each page's hooks, the wait page, the
        #: next page), and each would otherwise be a query
        self._players: dict[tuple[str, int, int], Player] = {}
        self._subsessions: dict[tuple[str, int], Subsession] = {}
        self._participants: dict[int, tuple[Participant, str]] = {}
        #: participant id -> the row read in this step (see ``unmoved_participant_rows``)
        self._participant_rows: dict[int, dict[str, Any]] = {}
        #: participant id -> their players loaded in this step: what ``participant.payoff``
        #: adds to the stored bonus for payoffs set and not yet saved
        self._players_of: dict[int, list[Player]] = {}
        #: (app, group id) -> its players: a wait page asks for its group's members when the
        #: participant arrives and again to say how many are still missing
        self._members: dict[tuple[str, int], list[Player]] = {}
        #: set by the engine: ``(player, scope) -> SharedDoc``
        self.shared_access: Callable[[Player, str], Any] | None = None
        #: what the loaded records navigate through (see ``RecordLinks``)
        self.links = RecordLinks(self, store, project, session_type, session_row)

    # -- loading ---------------------------------------------------------------------------
    def participant(self, participant_id: int) -> Participant:
        if participant_id not in self._participants:
            self.know_participant(_found(self.store.participant_by_id(participant_id),
                                         f"participant {participant_id}"))
        return self._participants[participant_id][0]

    def participant_row(self, participant_id: int) -> dict[str, Any]:
        """A participant's row as stored now (read afresh: steps move participants)."""
        return _found(self.store.participant_by_id(participant_id),
                      f"participant {participant_id}")

    def know_participant(self, row: dict[str, Any]) -> None:
        """Take a participant's row the engine has just read (the one whose request this
        is), rather than reading it again when a record asks for its participant."""
        if row["id"] in self._participants:
            return
        self._participant_rows[row["id"]] = row
        person = Participant(row["code"], row["id_in_session"], row["label"],
                             vars_codec.decode(row["vars"]), row["bonus"] or 0,
                             declared=self.project.participant_fields)
        person.id = row["id"]
        person._session = self.session
        person._links = self.links
        self._participants[row["id"]] = (person, row["vars"] or "{}")

    def unmoved_participant_rows(self, participant_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Participants' rows by id as read in this step, those not read yet in one query:
        for a step that moves nobody (a live message), whose rows read earlier in its
        transaction are still current; a live message reached its members' rows twice."""
        missing = [i for i in participant_ids if i not in self._participant_rows]
        for row in self.store.participants_by_ids(missing):
            self._participant_rows[row["id"]] = row
        return {i: self._participant_rows[i] for i in participant_ids}

    def _know_participants(self, participant_ids: list[int]) -> None:
        """Load the participants of players about to load in one read: a group's members
        were one query each, on every live message of a market."""
        missing = [i for i in participant_ids if i not in self._participants]
        if len(missing) > 1:
            for row in self.store.participants_by_ids(missing):
                self.know_participant(row)

    def player(self, spec: AppSpec, participant_id: int, round_number: int) -> Player:
        key = (spec.name, participant_id, round_number)
        if key not in self._players:
            row = self.store.player_row(spec.name, participant_id, round_number)
            if row is None:
                raise ModelError(f"no player for participant {participant_id} in {spec.name} "
                                 f"round {round_number}")
            self._players[key] = self._player(spec, row)
        return self._players[key]

    def group(self, spec: AppSpec, group_id: int) -> Group:
        cached = self._records.get((spec.name, "group", group_id))
        if isinstance(cached, Group):
            return cached
        row = _found(self.store.record_row(spec.name, "group", group_id),
                     f"group {group_id} of app '{spec.name}'")
        return self._group(spec, row)

    def subsession(self, spec: AppSpec, round_number: int) -> Subsession:
        key = (spec.name, round_number)
        if key not in self._subsessions:
            rows = self.store.round_rows(spec.name, "subsession", self.session.code,
                                         round_number)
            self._subsessions[key] = self._subsession(spec, rows[0])
        return self._subsessions[key]

    def record(self, spec: AppSpec, kind: str, record_id: int) -> Record:
        """A player, group or subsession of the app by its row's id."""
        row = _found(self.store.record_row(spec.name, kind, record_id),
                     f"{kind} {record_id} of app '{spec.name}'")
        load = {"player": self._player, "group": self._group, "subsession": self._subsession}
        return load[kind](spec, row)

    def reload(self) -> None:
        """Read every loaded record's fields, and the vars, again as stored now: oTree's
        bots hold the database's own objects, so a ``call_live_method`` test reads what the
        live method it just ran changed (``player.iteration``)."""
        with self.store.reading():
            for (app, kind, record_id), record in self._records.items():
                row = self.store.record_row(app, kind, record_id)
                if row is None:
                    continue
                record.__dict__.update(_values=_field_values(type(record), row), _dirty=set())
            for participant_id, (person, _) in list(self._participants.items()):
                row = self.store.participant_by_id(participant_id)
                if row is not None:
                    person.vars = vars_codec.decode(row["vars"])
                    self._participants[participant_id] = (person, row["vars"] or "{}")
            session_row = self.store.session_row(self.session.code)
            if session_row is not None:
                self.session.vars = vars_codec.decode(session_row["vars"])
                self._session_vars = session_row["vars"] or "{}"

    def unsaved(self) -> Unsaved:
        """What code changed on the loaded records and has not been flushed: each record's
        fields, and the vars of the session and of each loaded participant with the text
        they were loaded from (to tell which keys changed)."""
        return Unsaved(
            fields=[(app, kind, record_id, record.changed_fields())
                    for (app, kind, record_id), record in self._records.items()
                    if record.changed_fields()],
            participant_vars={pid: (dict(person.vars), original)
                              for pid, (person, original) in self._participants.items()},
            session_vars=(dict(self.session.vars), self._session_vars))

    def _record(self, cls: type[R], spec: AppSpec, kind: str, row: dict[str, Any]
                ) -> tuple[R, bool]:
        """The loaded record of a row (each row loads once per set), and whether it is new
        (then the caller binds its built-in attributes)."""
        key = (spec.name, kind, row["id"])
        cached = self._records.get(key)
        if isinstance(cached, cls):
            return cached, False
        record = cls.__new__(cls)
        # what ``Record.__init__`` and the built-in attributes' checked assignment would
        # set, set at once: a market's live message loads ten members each time
        record.__dict__.update(_values=_field_values(cls, row), _dirty=set(),
                               _navigator=self.links, id=row["id"], _app=spec)
        self._records[key] = record
        return record, True

    def _player(self, spec: AppSpec, row: dict[str, Any]) -> Player:
        player, new = self._record(spec.player_class, spec, "player", row)
        if new:
            round_number = row["round_number"]
            player.__dict__.update(
                round_number=round_number, session=self.session,
                id_in_group=row["id_in_group"] or 0, _role=row["role"] or "",
                participant=self.participant(row["participant_id"]),
                _loaded_payoff=row.get("payoff") or 0,
                subsession=self.subsession(spec, round_number),
                # a player has no group until one forms (groups formed as players arrive)
                group=(self.group(spec, row["group_id"])
                       if row["group_id"] is not None else None))
            self._players_of.setdefault(row["participant_id"], []).append(player)
        return player

    def _group(self, spec: AppSpec, row: dict[str, Any]) -> Group:
        group, new = self._record(spec.group_class, spec, "group", row)
        if new:
            group.round_number = row["round_number"]
            group.session = self.session
            group.id_in_subsession = row["id_in_subsession"]
            group.subsession = self.subsession(spec, row["round_number"])
        return group

    def _subsession(self, spec: AppSpec, row: dict[str, Any]) -> Subsession:
        subsession, new = self._record(spec.subsession_class, spec, "subsession", row)
        if new:
            subsession.round_number = row["round_number"]
            subsession.session = self.session
            subsession.group_matrix = None
        return subsession

    def new_group(self, spec: AppSpec, round_number: int) -> Group:
        """Create the next group of a round (used when groups form by arrival)."""
        subsession = self.subsession(spec, round_number)
        existing = self.store.round_rows(spec.name, "group", self.session.code, round_number)
        group_id = self.store.insert_record(spec.name, "group", {
            **initial_values(spec.group_class), "session_code": self.session.code,
            "round_number": round_number,
            "subsession_id": subsession.id,
            "id_in_subsession": len(existing) + 1})
        return self.group(spec, group_id)

    def assign_group(self, spec: AppSpec, player: Player, group: Group, id_in_group: int) -> None:
        """Put a player in a group at a position; the role follows from the position."""
        roles = spec.settings.roles
        role = roles[id_in_group - 1] if roles and id_in_group <= len(roles) else ""
        self.store.update_record(spec.name, "player", player.id, {
            "group_id": group.id, "id_in_group": id_in_group, "role": role})
        self._members.clear()
        player.group = group
        player.id_in_group = id_in_group
        player._role = role

    # -- extra records (``labctl.extra_records``): the ``ExtraNavigator`` -----------------
    def spec_declaring(self, cls: type) -> AppSpec:
        """The app whose module declares ``cls`` (an extra record class without a link)."""
        for spec in self.project.apps.values():
            if getattr(spec.module, cls.__name__, None) is cls:
                return spec
        raise ModelError(f"{cls.__name__} is not declared in an app of this project")

    def create_extra(self, spec: AppSpec, record: ExtraRecord, row: dict[str, Any]) -> None:
        kind = record_kind(type(record))
        record.id = self.store.insert_record(spec.name, kind, row)
        record._navigator = self.links
        record._app = spec
        self._records[(spec.name, kind, record.id)] = record

    def extra_records(self, spec: AppSpec, cls: type[E], criteria: dict[str, Any]) -> list[E]:
        """The records matching ``criteria`` with their fields as they are now: a record
        changed earlier in the same step is found by its new values (``slider.is_correct =
        True``, then ``Slider.filter(is_correct=True)``) and not by its stored ones, as
        oTree's database session flushed before each query."""
        kind = record_kind(cls)
        declared = cls.declared_fields()
        fields = {name: value for name, value in criteria.items() if name in declared}
        with self.store.reading():
            rows = self.store.extra_rows(spec.name, kind,
                                         {"session_code": self.session.code, **criteria})
        found: dict[int, E] = {}
        columns, own_round = engine_columns(cls), round_column(cls) != "round_number"
        for row in rows:
            record, new = self._record(cls, spec, kind, row)
            if new:
                if not own_round:  # else round_number is the class's own field
                    record.round_number = row["round_number"]
                record.session = self.session
                record._linked = {}
                record._keys = {name: row.get(name) for name in columns}
            if _has(record, fields):
                found[row["id"]] = record
        keys = {"session_code": self.session.code,
                **{name: value for name, value in criteria.items() if name not in declared}}
        for (app, loaded_kind, record_id), loaded in self._records.items():
            if loaded._dirty and record_id not in found and app == spec.name \
                    and loaded_kind == kind and isinstance(loaded, cls) \
                    and all(loaded._keys.get(name) == value for name, value in keys.items()) \
                    and _has(loaded, fields):
                found[record_id] = loaded  # changed to match since it was stored
        return [found[record_id] for record_id in sorted(found)]

    def extra_link(self, spec: AppSpec, record: ExtraRecord, kind: str) -> Player | Group:
        keys = record._keys
        with self.store.reading():
            if kind == "group":
                return self.group(spec, keys["group_id"])
            return self.player(spec, keys["participant_id"], keys[round_column(type(record))])

    # -- Navigator -------------------------------------------------------------------------
    def player_in_round(self, player: Player, round_number: int) -> Player:
        spec: AppSpec = player._app
        if not 1 <= round_number <= spec.num_rounds:
            raise ModelError(f"app '{spec.name}' has no round {round_number}",
                             f"rounds go from 1 to {spec.num_rounds}")
        return self.player(spec, player.participant.id, round_number)

    def group_players(self, group: Group) -> list[Player]:
        spec: AppSpec = group._app
        key = (spec.name, group.id)
        if key not in self._members:
            rows = self.store.group_player_rows(spec.name, key[1])
            self._know_participants([row["participant_id"] for row in rows])
            self._members[key] = [self._player(spec, row) for row in rows]
        return list(self._members[key])

    def group_in_round(self, group: Group, round_number: int) -> Group:
        spec: AppSpec = group._app
        if not 1 <= round_number <= spec.num_rounds:
            raise ModelError(f"app '{spec.name}' has no round {round_number}",
                             f"rounds go from 1 to {spec.num_rounds}")
        for other in self.subsession_groups(self.subsession(spec, round_number)):
            if other.id_in_subsession == group.id_in_subsession:
                return other
        raise ModelError(f"app '{spec.name}' has no group {group.id_in_subsession} in round "
                         f"{round_number} yet",
                         "groups formed by arrival exist once their players have arrived")

    def shared(self, player: Player, scope: str) -> Any:
        if self.shared_access is None:
            raise ModelError("shared data is available inside a running session")
        return self.shared_access(player, scope)

    def unsaved_payoff(self, participant_id: int) -> int:
        """What the payoffs set in this step and not yet saved add to the stored bonus."""
        return sum((player.payoff or 0) - player._loaded_payoff
                   for player in self._players_of.get(participant_id, ())
                   if "payoff" in player._dirty)

    def subsession_in_round(self, subsession: Subsession, round_number: int) -> Subsession:
        spec: AppSpec = subsession._app
        if not 1 <= round_number <= spec.num_rounds:
            raise ModelError(f"app '{spec.name}' has no round {round_number}",
                             f"rounds go from 1 to {spec.num_rounds}")
        return self.subsession(spec, round_number)

    def subsession_groups(self, subsession: Subsession) -> list[Group]:
        spec: AppSpec = subsession._app
        rows = self.store.round_rows(spec.name, "group", self.session.code,
                                     subsession.round_number)
        return [self._group(spec, row) for row in rows]

    # -- writing back ----------------------------------------------------------------------
    def flush(self) -> None:
        """Write every changed field, participant vars and session vars; update bonuses."""
        payoff_changed: set[int] = set()
        for (app, kind, record_id), record in self._records.items():
            changes = record.changed_fields()
            if changes:
                self.store.update_record(app, kind, record_id, changes)
                if isinstance(record, Player) and "payoff" in changes:
                    payoff_changed.add(record.participant.id)
                    record._loaded_payoff = changes["payoff"] or 0
                record._dirty.clear()
        apps = list(self.project.apps)
        for participant_id, (person, original) in self._participants.items():
            person_changes: dict[str, Any] = {}
            encoded = self._encoded_vars(person.vars, original, "participant", participant_id)
            if encoded is not None:
                person_changes["vars"] = encoded
            if participant_id in payoff_changed:
                person.settle_payoff(self.store.sum_payoffs(
                    [a for a in self.session.session_type.app_sequence if a in apps],
                    participant_id))
                person_changes["bonus"] = person.payoff
            if person_changes:
                self.store.update_participant(participant_id, person_changes)
                self._participants[participant_id] = (
                    person, person_changes.get("vars", original))
        encoded = self._encoded_vars(self.session.vars, self._session_vars, "session", None)
        if encoded is not None:
            self.store.update_session(self.session.code, {"vars": encoded})
            self._session_vars = encoded

    def _encoded_vars(self, current: dict[str, Any], stored: str, owner: str,
                      participant_id: int | None) -> str | None:
        """``_changed_vars``, with a value vars cannot keep (one put inside a stored list or
        dict, past ``VarsDict``'s check) reported as the app's mistake, naming its key."""
        try:
            return _changed_vars(current, stored, owner)
        except ModelError as exc:
            apps = [app for app, pid, _ in self._players if participant_id in (None, pid)]
            where = (self.project.apps[apps[-1]].init_file if apps
                     else self.project.sessions_file)
            raise ResearcherCodeError(f"saving {owner}.vars: {exc.args[0]}",
                                      SourceLocation(where),
                                      f"{exc.hint}; nothing of this step was saved") from exc


@dataclass
class Unsaved:
    """``RecordSet.unsaved``: changed fields by (app, kind, id), and vars with their text."""

    fields: list[tuple[str, str, int, dict[str, Any]]]
    participant_vars: dict[int, tuple[dict[str, Any], str]]
    session_vars: tuple[dict[str, Any], str]


def _field_values(cls: type[Record], row: dict[str, Any]) -> dict[str, Any]:
    """A stored row's values of the class's fields, each of the field's type."""
    values = {}
    for name, field in cls._fields.items():
        value = row.get(name)
        values[name] = field.coerce(value) if value is not None else None
    return values


def _found(row: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """A row the session's own records point at; missing, the database was changed by hand."""
    if row is None:
        raise ModelError(f"{what} is missing from the database",
                         "restore the database from a backup; it was changed outside labctl")
    return row


def _changed_vars(current: dict[str, Any], stored: str, owner: str) -> str | None:
    """The JSON to store for ``vars`` if they differ from what was loaded, else ``None``.

    Most participants never get vars; their empty dict is settled without encoding anything.
    Values keep their types (``vars_codec``): a set stored is a set on the next page.
    """
    if not current and stored in ("{}", ""):
        return None
    encoded = vars_codec.encode(current, owner)
    return None if encoded == json.dumps(json.loads(stored), sort_keys=True) else encoded


class RecordLinks:
    """The ``Navigator`` a set's records point at: their set while it lives (cached, inside
    the step's transaction); after the step, a fresh set for each navigation, so records kept
    past their transaction still reach their neighbours, reloading them."""

    def __init__(self, records: RecordSet, store: Store, project: Project,
                 session_type: SessionType, session_row: dict[str, Any]) -> None:
        self._records = weakref.ref(records)
        self._reload = (store, project, session_type, session_row)

    def _set(self) -> RecordSet:
        records = self._records()
        return records if records is not None else RecordSet(*self._reload)

    def player_in_round(self, player: Player, round_number: int) -> Player:
        return self._set().player_in_round(player, round_number)

    def group_players(self, group: Group) -> list[Player]:
        return self._set().group_players(group)

    def subsession_groups(self, subsession: Subsession) -> list[Group]:
        return self._set().subsession_groups(subsession)

    def shared(self, player: Player, scope: str) -> Any:
        return self._set().shared(player, scope)

    def group_in_round(self, group: Group, round_number: int) -> Group:
        return self._set().group_in_round(group, round_number)

    def subsession_in_round(self, subsession: Subsession, round_number: int) -> Subsession:
        return self._set().subsession_in_round(subsession, round_number)

    def unsaved_payoff(self, participant_id: int) -> int:
        """Payoffs set and not saved: only while the step's set lives (after it, all saved)."""
        records = self._records()
        return 0 if records is None else records.unsaved_payoff(participant_id)

    def create_extra(self, spec: AppSpec, record: ExtraRecord, row: dict[str, Any]) -> None:
        self._set().create_extra(spec, record, row)

    def extra_records(self, spec: AppSpec, cls: type[E], criteria: dict[str, Any]) -> list[E]:
        return self._set().extra_records(spec, cls, criteria)

    def extra_link(self, spec: AppSpec, record: ExtraRecord, kind: str) -> Player | Group:
        return self._set().extra_link(spec, record, kind)


def _has(record: Record, fields: dict[str, Any]) -> bool:
    """Whether the record's fields hold these values now."""
    return all(getattr(record, name) == value for name, value in fields.items())


def stored_records(store: Store, project: Project, session_code: str) -> RecordSet:
    """A set of the session's records as stored now, read outside any step: what the bots
    check their records against. While the caller holds it, every record reached from it is
    loaded once, so what code changes on them can be told (``unsaved``)."""
    with store.reading():
        row = _found(store.session_row(session_code), f"session {session_code}")
        return RecordSet(store, project, project.session_type(row["session_type"]), row)


def stored_player(store: Store, project: Project, session_code: str, spec: AppSpec,
                  participant_id: int, round_number: int) -> Player:
    """A player as stored now, read outside any step; its neighbours load when navigated
    to."""
    with store.reading():
        return stored_records(store, project, session_code).player(spec, participant_id,
                                                                  round_number)
