"""The records an app's code works with: Player, Group, Subsession, Participant and Session.

A researcher subclasses ``Player``, ``Group`` and ``Subsession`` to declare fields; the engine
creates the instances and binds them to a ``Navigator`` that finds related records (the other
players of a group, the same participant in an earlier round). Nothing here touches storage, so
hooks can be unit-tested with records built by hand.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .declarations import UNKNOWN_SITE, declaration_site
from .declared_fields import DECLARATIONS, Declared, read_declared, stored_declared
from .errors import ModelError
from .fields import Field, Money
from .money import points_to_money
from .vars_codec import VarsDict

if TYPE_CHECKING:
    from collections.abc import Callable

    from .session_type import SessionType


#: the kinds of record an app declares, in the one order labctl lists them: the order every export
#: shows their columns in (a row is about a participant's player, then its group, then its
#: subsession). App tables have no foreign keys between them, so creating them in this order is
#: as good as any.
KINDS = ("player", "group", "subsession")

#: the columns the engine keeps in each kind's app table, with their Python types; every other
#: column is a declared field. They are reserved: a field of that name would overwrite them.
BUILTIN_COLUMNS: dict[str, dict[str, type]] = {
    "player": {"id": int, "session_code": str, "round_number": int, "subsession_id": int,
               "group_id": int, "participant_id": int, "participant_code": str,
               "id_in_group": int, "role": str},
    "group": {"id": int, "session_code": str, "round_number": int, "subsession_id": int,
              "id_in_subsession": int},
    "subsession": {"id": int, "session_code": str, "round_number": int},
}


class Navigator(Protocol):
    """What the engine provides so that records can reach their neighbours."""

    def player_in_round(self, player: Player, round_number: int) -> Player: ...

    def group_players(self, group: Group) -> list[Player]: ...

    def subsession_groups(self, subsession: Subsession) -> list[Group]: ...

    def shared(self, player: Player, scope: str) -> Any: ...

    def group_in_round(self, group: Group, round_number: int) -> Group: ...

    def subsession_in_round(self, subsession: Subsession, round_number: int) -> Subsession: ...


class _RecordClass(type):
    """Lets a field be added after the class body, as oTree (SQLAlchemy) allows:
    ``setattr(Player, f"q{i}", fields.Integer())`` in a loop making q1..q20 declares each."""

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if isinstance(value, Field) and not name.startswith("_"):
            value.__set_name__(cls, name)
            kind: Any
            for kind in (cls, *_subclasses(cls)):
                if name not in vars(kind) or kind is cls:
                    kind._fields = {**kind._fields, name: value}
                    kind._settable = kind._settable | {name}


def _subclasses(cls: type) -> list[type]:
    """Every class deriving from ``cls``, at any depth."""
    found: list[type] = []
    sub: type
    for sub in type.__subclasses__(cls):
        found += [sub, *_subclasses(sub)]
    return found


class Record(metaclass=_RecordClass):
    """A row of an app's table: declared fields plus the engine's built-in attributes."""

    _fields: ClassVar[dict[str, Field]] = {}
    _defined_at: ClassVar[tuple[str, int]] = UNKNOWN_SITE
    builtin_names: ClassVar[frozenset[str]] = frozenset()
    #: set by the engine when it loads the record: its row's id, and the ``AppSpec`` of the
    #: app it belongs to (typed loosely: ``app.py`` builds on this module, not the reverse)
    id: int
    _app: Any

    #: what code may assign on a record of this class: its fields, the engine's built-in
    #: attributes and properties with a setter (computed once per class)
    _settable: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        collected: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            collected.update(getattr(base, "_fields", {}))
        collected.update({k: v for k, v in vars(cls).items() if isinstance(v, Field)})
        cls._fields = collected
        cls._defined_at = declaration_site()
        cls._settable = frozenset(collected) | frozenset(
            name for name in cls.builtin_names if not callable(getattr(cls, name, None))
        ) | frozenset(
            name for base in cls.__mro__ for name, value in vars(base).items()
            if isinstance(value, property) and value.fset is not None)

    def _row(self) -> tuple[Any, ...] | None:
        """Which stored row this record is: its class, app and id (None before it is)."""
        row_id = self.__dict__.get("id")
        if row_id is None:
            return None
        app = self.__dict__.get("_app")
        return (type(self), getattr(app, "name", app), row_id)

    def __eq__(self, other: object) -> bool:
        """The same row is the same record, as oTree's models compare: a player read through
        its group (``self.player in group.get_players()``) equals the one read directly,
        though a later step loads it as another object."""
        if not isinstance(other, Record):
            return NotImplemented
        mine = self._row()
        return self is other if mine is None else mine == other._row()

    def __hash__(self) -> int:
        mine = self._row()
        return id(self) if mine is None else hash(mine)

    def __setattr__(self, name: str, value: Any) -> None:
        """Only fields are stored: any other attribute would live in memory for this one step
        and be gone on the next page (oTree users write ``player.some_var = 3`` expecting it
        saved), so it is refused with the fix instead. One set lookup per assignment."""
        if name in self._settable or name[0] == "_":
            object.__setattr__(self, name, value)
            return
        kind = type(self).__name__
        raise ModelError(
            f"{kind}.{name} = {value!r}: '{name}' is not a field of {kind}, so it would not be "
            "stored",
            f"declare it on {kind} to store it ({name} = fields.Integer(), fields.Text(), ...), "
            f"or keep it in participant.vars['{name}']")

    def __init__(self, **values: Any) -> None:
        self._values: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._navigator: Navigator | None = None
        for name, value in values.items():
            if name not in self._fields and name not in self.builtin_names:
                raise ModelError(f"{type(self).__name__} has no field '{name}'")
            setattr(self, name, value)
        self._dirty.clear()

    @classmethod
    def declared_fields(cls) -> dict[str, Field]:
        """The fields a researcher declared, in declaration order, plus the built-in ones."""
        return dict(cls._fields)

    def field_values(self) -> dict[str, Any]:
        """Every field's current value (initial where nothing was set)."""
        return {name: getattr(self, name) for name in self._fields}

    def changed_fields(self) -> dict[str, Any]:
        """Fields set since the record was loaded: what the engine writes back."""
        return {name: self._values.get(name) for name in sorted(self._dirty)}

    def field_maybe_none(self, name: str) -> Any:
        """A field's value, ``None`` when unset: oTree's guard for reading an empty field
        (labctl returns ``None`` for an unset field anyway; a name that is not a field is
        refused instead of reading something else)."""
        return getattr(self, self._field(name).name)

    def field_display(self, name: str) -> str:
        """The label of a choice field's current value (``"Yes"``, not ``True``), or the value
        as text for a field without choices."""
        declared = self._field(name)
        value = getattr(self, name)
        for choice, label in declared.choices or []:
            if choice == value:
                return str(label)  # a lazy label: in the page's language
        return "" if value is None else str(value)

    def _field(self, name: str) -> Field:
        declared = self._fields.get(name)
        if declared is None:
            kind = type(self).__name__
            raise ModelError(f"{kind} has no field {name!r}",
                             "fields: " + (", ".join(self._fields) or "none"))
        return declared

    def _nav(self) -> Navigator:
        if self._navigator is None:
            raise ModelError(
                f"this {type(self).__name__} is not part of a running session",
                "related records are available inside page and wait-page hooks",
            )
        return self._navigator

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.field_values().items())
        return f"<{type(self).__name__} {shown}>"


class Player(Record):
    """One participant inside one subsession (one round of one app).

    Built-in: ``id_in_group``, ``role``, ``round_number``, ``payoff`` (an amount in minor units,
    or points), ``participant``, ``group``, ``subsession``, ``session``.
    """

    payoff = Money(initial=0, label="Payoff")
    builtin_names = frozenset({
        "id", "id_in_group", "role", "round_number", "participant", "group", "subsession",
        "session", "payoff", "in_round", "in_rounds", "in_previous_rounds", "in_all_rounds",
        "get_others_in_group", "get_others_in_subsession", "field_values", "changed_fields",
        "declared_fields",
        "group_data", "batch_data", "study_data", "id_in_subsession", "field_maybe_none",
        "field_display",
    })

    id_in_group: int = 0
    #: the role of the player's position, as the engine loaded or assigned it
    _role: str = ""
    round_number: int = 1
    #: the payoff as stored when the engine loaded the player (``participant.payoff`` adds
    #: what was set since)
    _loaded_payoff: int = 0
    participant: Participant
    group: Group
    subsession: Subsession
    session: Session

    @property
    def role(self) -> str:
        """The role of the player's position in its group (``""`` without roles). A property
        over what the engine keeps, so that an old oTree app's own ``def role(self)`` on its
        Player (called as ``player.role()``) still works as written."""
        return self._role

    @role.setter
    def role(self, value: str) -> None:
        self._role = value

    def in_round(self, round_number: int) -> Player:
        """The same participant's player record in another round of this app."""
        return self._nav().player_in_round(self, round_number)

    def in_rounds(self, first: int, last: int) -> list[Player]:
        return [self.in_round(n) for n in range(first, last + 1)]

    def in_previous_rounds(self) -> list[Player]:
        return self.in_rounds(1, self.round_number - 1)

    def in_all_rounds(self) -> list[Player]:
        return self.in_rounds(1, self.round_number)

    @property
    def group_data(self) -> Any:
        """This player's group's shared document (see ``labctl.engine.shared_data``)."""
        return self._nav().shared(self, "group")

    @property
    def batch_data(self) -> Any:
        """The shared document of every participant in the session's batch."""
        return self._nav().shared(self, "batch")

    @property
    def study_data(self) -> Any:
        """This participant's own shared document, across apps and pages."""
        return self._nav().shared(self, "study")

    @property
    def id_in_subsession(self) -> int:
        """The player's number in its round: every participant plays every round, in the
        session's order, so it is the participant's ``id_in_session`` (as in oTree)."""
        return self.participant.id_in_session

    def get_others_in_group(self) -> list[Player]:
        return [p for p in self.group.get_players() if p.id_in_group != self.id_in_group]

    def get_others_in_subsession(self) -> list[Player]:
        return [p for p in self.subsession.get_players()
                if p.participant.id_in_session != self.participant.id_in_session]


class Group(Record):
    """The players of one subsession who interact."""

    builtin_names = frozenset({
        "id", "id_in_subsession", "round_number", "subsession", "session", "get_players",
        "get_player_by_id", "get_player_by_role", "field_values", "changed_fields",
        "declared_fields", "in_round", "in_rounds", "in_previous_rounds", "in_all_rounds",
        "field_maybe_none", "field_display", "set_players",
    })

    id_in_subsession: int = 0
    round_number: int = 1
    subsession: Subsession
    session: Session

    def in_round(self, round_number: int) -> Group:
        """The group with this group's number (``id_in_subsession``) in another round: the
        same people only when the app keeps groups fixed (``matching="fixed"``)."""
        return self._nav().group_in_round(self, round_number)

    def in_rounds(self, first: int, last: int) -> list[Group]:
        return [self.in_round(n) for n in range(first, last + 1)]

    def in_previous_rounds(self) -> list[Group]:
        return self.in_rounds(1, self.round_number - 1)

    def in_all_rounds(self) -> list[Group]:
        return self.in_rounds(1, self.round_number)

    def get_players(self) -> list[Player]:
        """The group's players ordered by ``id_in_group``."""
        return sorted(self._nav().group_players(self), key=lambda p: p.id_in_group)

    def set_players(self, players: list[Player]) -> None:
        """Put this group's own players in a new order (oTree's ``group.set_players``): the
        first becomes ``id_in_group`` 1, and so takes the first role. It regroups the round
        like ``subsession.set_group_matrix``, so it works where that does."""
        current = self.get_players()
        numbers = [_participant_number(player) for player in players]
        if sorted(numbers) != sorted(p.participant.id_in_session for p in current):
            raise ModelError(
                f"set_players of group {self.id_in_subsession} must list exactly its players "
                f"{[p.participant.id_in_session for p in current]}, got {numbers}",
                "to move players between groups, use subsession.set_group_matrix")
        subsession = self.subsession
        matrix = subsession.get_group_matrix()
        row = next(i for i, members in enumerate(matrix) if sorted(members) == sorted(numbers))
        matrix[row] = numbers
        subsession.set_group_matrix(matrix)

    def get_player_by_id(self, id_in_group: int) -> Player:
        for player in self.get_players():
            if player.id_in_group == id_in_group:
                return player
        raise ModelError(f"group {self.id_in_subsession} has no player {id_in_group}")

    def get_player_by_role(self, role: str) -> Player:
        for player in self.get_players():
            if player._role == role:
                return player
        raise ModelError(f"group {self.id_in_subsession} has no player with role '{role}'",
                         "check the roles declared in the app")


class Subsession(Record):
    """One round of one app inside a session."""

    builtin_names = frozenset({
        "id", "round_number", "session", "get_groups", "get_players", "group_matrix",
        "set_group_matrix", "get_group_matrix", "group_randomly", "group_like_round",
        "field_values", "changed_fields", "declared_fields", "field_maybe_none", "field_display",
        "in_round", "in_rounds", "in_previous_rounds", "in_all_rounds",
    })

    round_number: int = 1
    session: Session
    #: set by the engine while a hook runs whose group matrix it applies afterwards
    #: (``creating_session``, a wait page for all groups); ``False`` elsewhere, where a matrix
    #: would change nothing, so that setting one raises instead
    _accepts_matrix: bool = False
    #: set by the engine beside ``_accepts_matrix``: regroups the round at once, so that the
    #: rest of the hook sees the new groups (oTree's ``group_randomly()`` followed by a loop
    #: over ``player.id_in_group`` read the old groups)
    _regroup: Callable[[], None] | None = None

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.group_matrix: list[list[int]] | None = None

    def get_groups(self) -> list[Group]:
        return sorted(self._nav().subsession_groups(self), key=lambda g: g.id_in_subsession)

    def in_round(self, round_number: int) -> Subsession:
        """This app's subsession of another round (as oTree's ``subsession.in_round``)."""
        return self._nav().subsession_in_round(self, round_number)

    def in_rounds(self, first: int, last: int) -> list[Subsession]:
        return [self.in_round(n) for n in range(first, last + 1)]

    def in_previous_rounds(self) -> list[Subsession]:
        return self.in_rounds(1, self.round_number - 1)

    def in_all_rounds(self) -> list[Subsession]:
        return self.in_rounds(1, self.round_number)

    def get_players(self) -> list[Player]:
        return [p for g in self.get_groups() for p in g.get_players()]

    def set_group_matrix(self, matrix: list[list[Any]]) -> None:
        """Set this round's groups: lists of participant numbers (or players).

        ``[[1, 3], [2, 4]]`` puts participants 1 and 3 together and 2 and 4 together
        (participant numbers count from 1 in the order of the session's participants).
        Takes effect at once in ``creating_session``, and in ``after_all_players_arrive`` of
        a wait page with ``wait_for_all_groups = True`` (the players see it from the next page
        on): what the hook reads next (``player.id_in_group``, ``get_groups()``) is already
        the new grouping. Anywhere else it would change nothing, so it raises.
        """
        if self._navigator is not None and not self._accepts_matrix:  # built by hand: kept
            raise ModelError(
                f"set_group_matrix in round {self.round_number} would change nothing here",
                "regroup in creating_session, or in after_all_players_arrive of a wait page "
                "with wait_for_all_groups = True")
        self.group_matrix = [[_participant_number(member) for member in row] for row in matrix]
        if self._regroup is not None:
            self._regroup()

    def get_group_matrix(self, objects: bool = False) -> list[list[Any]]:
        """The groups as lists of participant numbers in ``id_in_group`` order (as oTree's
        ``get_group_matrix()``); players instead with ``objects=True``. A matrix set in this
        hook and not yet applied is the one returned."""
        if self.group_matrix is not None and not objects:
            return [list(row) for row in self.group_matrix]
        if self.group_matrix is not None:
            by_number = {p.participant.id_in_session: p for p in self.get_players()}
            return [[by_number[n] for n in row] for row in self.group_matrix]
        return [[p if objects else p.participant.id_in_session for p in group.get_players()]
                for group in self.get_groups()]

    def group_randomly(self, fixed_id_in_group: bool = False) -> None:
        """Shuffle players into groups of the same sizes (Python's ``random``, as in oTree:
        call ``random.seed`` first for a reproducible draw); with ``fixed_id_in_group`` each
        player keeps their position (and so their role)."""
        matrix = self.get_group_matrix()
        if fixed_id_in_group:
            columns = [list(column) for column in zip(*matrix, strict=True)]
            for column in columns:
                random.shuffle(column)
            self.set_group_matrix([list(row) for row in zip(*columns, strict=True)])
            return
        numbers = [n for row in matrix for n in row]
        random.shuffle(numbers)
        sizes = iter(len(row) for row in matrix)
        self.set_group_matrix([[numbers.pop() for _ in range(next(sizes))] for _ in matrix])

    def group_like_round(self, round_number: int) -> None:
        """Form the same groups, in the same positions, as in an earlier round."""
        if not 1 <= round_number < self.round_number:
            raise ModelError(
                f"group_like_round({round_number!r}) in round {self.round_number}",
                "name an earlier round of this app")
        players = self.get_players()
        earlier = players[0].in_round(round_number).subsession if players else self
        self.set_group_matrix(earlier.get_group_matrix())


def _participant_number(member: Any) -> Any:
    """A matrix entry: a participant number, or a player (as oTree allows)."""
    participant = getattr(member, "participant", None)
    return participant.id_in_session if participant is not None else member


class DeclaredAttributes:
    """Participant and session fields declared in ``sessions.py`` (``PARTICIPANT_FIELDS`` /
    ``SESSION_FIELDS``): read and set as attributes, kept in ``vars``; anything else set on the
    record is refused, since it would be lost after the step (oTree users expect it kept)."""

    _owner: ClassVar[str] = ""
    _settable: ClassVar[frozenset[str]] = frozenset()
    _declared: Declared
    vars: dict[str, Any]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._settable or name[0] == "_":
            object.__setattr__(self, name, value)
        elif name in self._declared:
            self.vars[name] = stored_declared(self._owner, name, self._declared[name], value)
        else:
            setting = DECLARATIONS[self._owner]
            raise ModelError(
                f"{self._owner}.{name} = {value!r}: '{name}' is not stored on the "
                f"{self._owner}, so it would be lost after this page",
                f"declare it in sessions.py ({setting} = ['{name}']), or keep it in "
                f"{self._owner}.vars['{name}']")

    def __getattr__(self, name: str) -> Any:
        """Only called for a name the record lacks: a declared field, or a clear refusal."""
        declared = self.__dict__.get("_declared", {})
        if name in declared:
            return read_declared(declared[name], self.vars.get(name))
        setting = DECLARATIONS[self._owner]
        raise AttributeError(
            f"{self._owner} has no attribute '{name}': declare it in sessions.py "
            f"({setting} = ['{name}']) or use {self._owner}.vars['{name}']")

    def declared_values(self) -> dict[str, Any]:
        """Every declared field's value, by name (what the export's columns hold)."""
        return {name: getattr(self, name) for name in self._declared}


class Participant(DeclaredAttributes):
    """A person in a session, across every app and round."""

    _owner = "participant"
    #: what code may assign besides declared fields: everything else is refused
    _settable: ClassVar[frozenset[str]] = frozenset(
        {"code", "id_in_session", "label", "vars", "id", "payoff"})

    #: the database id, set by the engine when it loads the participant
    id: int

    def __init__(
        self, code: str, id_in_session: int, label: str | None = None,
        vars: dict[str, Any] | None = None, payoff: int = 0, declared: Declared | None = None,
    ) -> None:
        self._declared = declared or {}
        self.code = code
        self.id_in_session = id_in_session
        self.label = label
        self.vars: dict[str, Any] = VarsDict("participant", vars)
        self._payoff = payoff

    @property
    def payoff(self) -> int:
        """The bonus: the sum of this participant's player payoffs (minor units or points),
        including payoffs set earlier in this same step (as oTree's, so a cap on the total
        pay reads the total so far)."""
        links = self.__dict__.get("_links")
        return self._payoff + (links.unsaved_payoff(self.id) if links is not None else 0)

    @payoff.setter
    def payoff(self, value: Any) -> None:
        """Refused: the bonus is always the sum of player payoffs, so a value set here would be
        replaced by that sum (an oTree habit, e.g. paying one randomly chosen app)."""
        raise ModelError(
            f"participant.payoff = {value!r}: the participant's payoff is the sum of their "
            "player payoffs and cannot be set",
            "pay a chosen app or round by setting player.payoff in that round only (and 0 "
            "elsewhere); labctl's bonus is the sum of the player payoffs")

    @property
    def session(self) -> Session:
        session = self.__dict__.get("_session")
        if session is None:
            raise ModelError("this participant is not part of a running session",
                             "use participant.session inside page and wait-page hooks")
        return session

    def payoff_plus_participation_fee(self) -> int:
        """The participant's whole payment in minor units: fixed pay plus the bonus (points
        converted at the session type's exact rate), as the payments sheet shows it."""
        session_type = self.session.session_type
        rate = session_type.rate
        bonus = self.payoff if rate is None else points_to_money(self.payoff, rate)
        return session_type.fixed_pay + bonus

    def settle_payoff(self, total: int) -> None:
        """Engine only: take the sum of player payoffs the store has just computed."""
        self._payoff = total

    def __repr__(self) -> str:
        return f"<Participant {self.id_in_session} {self.code}>"


class Session(DeclaredAttributes):
    """One event in the lab, made from a session type."""

    _owner = "session"
    _settable: ClassVar[frozenset[str]] = frozenset({"code", "session_type", "params", "vars"})

    def __init__(
        self, code: str, session_type: SessionType, params: dict[str, Any] | None = None,
        vars: dict[str, Any] | None = None, declared: Declared | None = None,
        num_participants: int = 0, is_demo: bool = False,
    ) -> None:
        self._declared = declared or {}
        self._num_participants = num_participants
        self._is_demo = is_demo
        self.code = code
        self.session_type = session_type
        #: the treatments: the session type's params, overridden per session where given
        self.params: dict[str, Any] = {**session_type.params, **(params or {})}
        self.vars: dict[str, Any] = VarsDict("session", vars)

    @property
    def currency(self) -> str:
        return self.session_type.currency

    @property
    def fixed_pay(self) -> int:
        return self.session_type.fixed_pay

    @property
    def num_participants(self) -> int:
        """How many participants the session was created with (as oTree's)."""
        return self._num_participants

    @property
    def is_demo(self) -> bool:
        """Whether the session was made from the demo page (as oTree's): for a demo's
        shortcuts, which a lab session does not show."""
        return self._is_demo

    @property
    def config(self) -> dict[str, Any]:
        """oTree's ``session.config``: the session type's params (this session's values),
        plus ``name``, ``display_name``, ``app_sequence``, ``doc``, ``participation_fee`` (the
        fixed pay, in minor units as every amount in labctl) and
        ``real_world_currency_per_point`` (``money_per_point``, or None when payoffs are
        money). A copy: change treatments in ``params`` before the session starts, not here."""
        session_type = self.session_type
        return {"name": session_type.name, "display_name": session_type.display_name,
                "app_sequence": list(session_type.app_sequence), "doc": session_type.doc,
                "participation_fee": session_type.fixed_pay,
                "real_world_currency_per_point": session_type.money_per_point, **self.params}

    def __repr__(self) -> str:
        return f"<Session {self.code} {self.session_type.name}>"
