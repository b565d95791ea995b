"""Extra records: typed rows of variable number per player or group (oTree's ExtraModel).

A real-effort task's 40 attempts or a market's orders do not fit one row per player. An app
declares a class of them with fields and a link to its player or group (or one to each, as
oTree's chat messages link to their group and their sender)::

    class Trial(labctl.ExtraRecord):
        player = labctl.Link(Player)
        answer = fields.Integer()
        correct = fields.Boolean()

    def before_next_page(player, timed_out):
        Trial.create(player=player, answer=42, correct=True)
        solved = len(Trial.filter(player=player, correct=True))

Each class has its own typed table (``<app>_<record>``, e.g. ``effort_trial``), made with the
app's tables; ``create`` and ``filter`` run inside the page's transaction (so a failed page
keeps none of its records), and a change to a record's field is written back with the step,
like a player's. ``labctl export results`` writes one tidy CSV per class, ``<app>.<record>.csv``.
``filter()`` with no link is oTree's "every record": inside a custom export it gives those of
the exported sessions.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from .errors import ModelError
from .records import Group, Player, Record

if TYPE_CHECKING:
    from .app import AppSpec

__all__ = ["EXTRA_COLUMNS", "ExtraRecord", "Link", "engine_columns", "extra_record_classes",
           "link_id", "record_kind", "round_column"]

#: the columns the engine keeps in every extra record's table, before the fields: the record's
#: session, round and group, and for a record linked to a player, that player and participant
EXTRA_COLUMNS: dict[str, type] = {"id": int, "session_code": str, "round_number": int,
                                  "group_id": int, "player_id": int, "participant_id": int}
#: where the round goes for a class that has a field of its own called ``round_number`` (a
#: trial counter in an n-back task): that name is the researcher's there
OWN_ROUND_COLUMN = "app_round_number"


def engine_columns(cls: type) -> dict[str, type]:
    """``EXTRA_COLUMNS`` of a class, its round under ``round_column(cls)``, and the id of
    each record it links to (``puzzle_id`` for ``puzzle = Link(Puzzle)``)."""
    column = round_column(cls)
    return {**{column if name == "round_number" else name: kind
               for name, kind in EXTRA_COLUMNS.items()},
            **{link_id(link): int for link in getattr(cls, "_links", ())
               if link.kind == "record"}}


def round_column(cls: type) -> str:
    """The column of the round a record of ``cls`` was created in."""
    return OWN_ROUND_COLUMN if "round_number" in getattr(cls, "_fields", {}) \
        else "round_number"

E = TypeVar("E", bound="ExtraRecord")


class ExtraNavigator(Protocol):
    """What the engine's record set does for extra records (``RecordSet`` implements it)."""

    def create_extra(self, spec: AppSpec, record: ExtraRecord, row: dict[str, Any]) -> None:
        """Insert the record's row in the current transaction and keep the record, so a later
        change to its fields is written back with the step."""
        ...

    def extra_records(self, spec: AppSpec, cls: type[E], criteria: dict[str, Any]
                      ) -> list[E]:
        """The records of ``cls`` in this session whose columns equal ``criteria``."""
        ...

    def extra_link(self, spec: AppSpec, record: ExtraRecord, kind: str) -> Player | Group:
        """The player (``kind`` ``player``) or group a loaded record is linked to."""
        ...


#: ``filter()`` without a link inside a custom export: (app name) -> the records' loader
every_record: contextvars.ContextVar[Any] = contextvars.ContextVar("every_record", default=None)

#: the record set of the step running now (held weakly: the engine frees a step's records as
#: soon as it is over), for the records of a class without a link, which belong to the session
step_records: contextvars.ContextVar[Callable[[], Any] | None] = contextvars.ContextVar(
    "step_records", default=None)


class SessionRecords(Protocol):
    """What a step's record set offers records that belong to the session (``RecordSet``)."""

    session: Any

    def spec_declaring(self, cls: type) -> AppSpec:
        """The app whose module declares ``cls``."""
        ...

    def create_extra(self, spec: AppSpec, record: ExtraRecord, row: dict[str, Any]) -> None:
        ...

    def extra_records(self, spec: AppSpec, cls: type[E], criteria: dict[str, Any]
                      ) -> list[E]:
        ...


@contextlib.contextmanager
def kept_step_records() -> Iterator[None]:
    """Whatever step runs inside, the record set before is the current one afterwards."""
    token = step_records.set(None)
    try:
        yield
    finally:
        step_records.reset(token)


def _step_records(cls: type, action: str) -> SessionRecords:
    made = step_records.get()
    records = made() if made is not None else None
    if records is None:
        raise ModelError(f"{cls.__name__}.{action}() of a record without a link runs inside a "
                         "session: in a hook or a live method",
                         "call it there, or give the class a labctl.Link(Player)")
    return records


class Link:
    """oTree's ``models.Link(Player)``: the player or group an extra record belongs to, or
    another extra record of the app (``puzzle = Link(Puzzle)``: a slider of a puzzle), whose
    player and group it then belongs to."""

    def __init__(self, to: type[Player] | type[Group] | type[ExtraRecord]) -> None:
        self.to = to
        self.name = ""

    @property
    def kind(self) -> str:
        """``player``, ``group`` or ``record`` (what the link's column and the export key
        on)."""
        if isinstance(self.to, type) and issubclass(self.to, Group):
            return "group"
        if isinstance(self.to, type) and issubclass(self.to, ExtraRecord):
            return "record"
        return "player"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if self.name not in instance._linked:
            instance._linked[self.name] = self._load(instance)
        return instance._linked[self.name]

    def _load(self, instance: Any) -> Any:
        navigator = instance._extra_nav()
        if self.kind != "record":
            return navigator.extra_link(instance._app, instance, self.kind)
        found = navigator.extra_records(instance._app, self.to,
                                        {"id": instance._keys.get(link_id(self))})
        return found[0] if found else None

    def __set__(self, instance: Any, value: Any) -> None:
        raise ModelError(f"{type(instance).__name__}.{self.name} cannot be changed",
                         "create a new record for the other player or group")


def link_id(link: Link) -> str:
    """A link's id as oTree named its column (``player_id`` for ``player = Link(Player)``);
    a link to another extra record keeps that record's id in a column of this name."""
    return f"{link.name}_id"


def engine_column(link: Link) -> str:
    """The column labctl keeps a link's id in: the record's player or group, or the linked
    record's (``link_id``)."""
    return {"player": "player_id", "group": "group_id"}.get(link.kind, link_id(link))


def record_kind(cls: type) -> str:
    """``market_order`` for ``MarketOrder``: the record's name in its table and file."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", cls.__name__).lower()


class ExtraRecord(Record):
    """Base of an app's extra records: declare fields and a ``Link(Player)``, a
    ``Link(Group)``, or one of each; use ``create`` and ``filter`` in hooks.

    A record's row keys it to a player and a group: with a player link, its player and that
    player's group, unless a group link names another; with only a group link, its group."""

    _link: ClassVar[Link | None] = None
    _links: ClassVar[list[Link]] = []
    builtin_names = frozenset({"id", "round_number", "session"})
    round_number: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        links = [value for base in reversed(cls.__mro__) for value in vars(base).values()
                 if isinstance(value, Link)]
        cls._link = links[-1] if links else None
        cls._links = links

    def __init__(self, **values: Any) -> None:
        # a copy made from values_dicts() (``Puzzle(**datum)``) carries its links' ids
        keys = {engine_column(link): values.pop(link_id(link)) for link in self._links
                if link_id(link) in values}
        super().__init__(**values)
        self._linked: dict[str, Player | Group] = {}
        self._keys: dict[str, Any] = keys

    @classmethod
    def values_dicts(cls, order_by: str | None = None, **criteria: Any) -> list[dict[str, Any]]:
        """oTree's ``values_dicts``: each record ``filter(**criteria)`` finds as a dict of its
        ``id``, its links' ids (``player_id``) and its fields, in creation order or by the
        key ``order_by``; copies, so changing one changes no record."""
        found = [{"id": record.id,
                  **{link_id(link): record._keys.get(engine_column(link)) for link in cls._links},
                  **record.field_values()} for record in cls.filter(**criteria)]
        if order_by is not None:
            if not isinstance(order_by, str) or (found and order_by not in found[0]):
                raise ModelError(f"{cls.__name__}.values_dicts(order_by={order_by!r}) names no "
                                 "field", "give the name of a field, or 'id'")
            found.sort(key=lambda values: (values[order_by] is None, values[order_by]))
        return found

    @classmethod
    def link(cls) -> Link:
        """The link that keys a record: to the player when there is one, else to the group."""
        if cls._link is None:
            raise ModelError(f"{cls.__name__} has no link to a player or group",
                             f"declare e.g. player = labctl.Link(Player) in {cls.__name__}")
        return next((link for link in cls._links if link.kind == "player"), cls._link)

    @classmethod
    def _owners(cls, values: dict[str, Any], action: str) -> dict[str, Player | Group]:
        """The linked records given as ``values`` (taken out of them), each checked."""
        given = {link.name: values.pop(link.name) for link in cls._links if link.name in values}
        owners = {name: owner for name, owner in given.items() if owner is not None}
        for name, owner in owners.items():
            cls._spec_of(owner, action, next(k for k in cls._links if k.name == name))
        return owners

    @classmethod
    def create(cls: type[E], **values: Any) -> E:
        """A new record linked to ``player=`` (or ``group=``, or both), stored in the
        current step; of a class without a link (oTree allows it), a record of the session."""
        if not cls._links:
            return cls._create_in_session(values)
        link = cls.link()
        owners = cls._owners(values, "create")
        owner: Any = owners.get(link.name)  # checked to be a Player or Group by _spec_of
        spec = cls._spec_of(owner, "create", link)
        record = cls(**values)
        record._linked = owners
        keys = _keys_of(owner)
        keys[round_column(cls)] = keys.pop("round_number")
        row = {**record.field_values(), **keys}
        if link.kind == "record":
            row[link_id(link)] = owner.id
        for other in cls._links:
            if other.kind == "group" and other.name in owners:
                row["group_id"] = owners[other.name].id
        if round_column(cls) == "round_number":  # else round_number is the class's field
            record.round_number = row["round_number"]
        record.session = owner.session
        record._keys = {k: row[k] for k in engine_columns(cls) if k in row}
        cls._owner_nav(owner).create_extra(spec, record, row)
        return record

    @classmethod
    def _create_in_session(cls: type[E], values: dict[str, Any]) -> E:
        """A record of a class without a link: it belongs to the running session only."""
        records = _step_records(cls, "create")
        spec = records.spec_declaring(cls)
        record = cls(**values)
        record._linked = {}
        row = {**record.field_values(), "session_code": records.session.code,
               round_column(cls): None, "group_id": None, "player_id": None,
               "participant_id": None}
        if round_column(cls) == "round_number":
            record.round_number = row["round_number"]
        record.session = records.session
        record._keys = {k: row[k] for k in engine_columns(cls) if k in row}
        records.create_extra(spec, record, row)
        return record

    @classmethod
    def filter(cls: type[E], **criteria: Any) -> list[E]:
        """The records whose links and fields equal the given values, in creation order. Of a
        class without a link: the running session's records (oTree's ``filter()`` read every
        session's), or, in a custom export, those of the exported sessions."""
        if not cls._links:
            loader = every_record.get()
            if loader is not None:
                return loader(cls, cls._columns(criteria))
            records = _step_records(cls, "filter")
            return records.extra_records(records.spec_declaring(cls), cls,
                                         cls._columns(criteria))
        link = cls.link()
        owners = cls._owners(criteria, "filter")
        owner = next(iter(owners.values()), None)
        columns = cls._columns(criteria)
        if owner is None:
            loader = every_record.get()
            if loader is None:
                raise ModelError(
                    f"{cls.__name__}.filter() needs {link.name}=... inside a session",
                    f"write {cls.__name__}.filter({link.name}={link.name}, ...); filter() "
                    "without it gives every record only in a custom export")
            return loader(cls, columns)
        for other in cls._links:
            if other.name in owners:
                columns[engine_column(other)] = owners[other.name].id
        spec: AppSpec = owner._app
        found = cls._owner_nav(owner).extra_records(spec, cls, columns)
        for record in found:
            record._linked = {**record._linked, **owners}
        return found

    @classmethod
    def _columns(cls, criteria: dict[str, Any]) -> dict[str, Any]:
        """``filter``'s field criteria as column values, each a field of the class."""
        columns: dict[str, Any] = {}
        for name, value in criteria.items():
            declared = cls._fields.get(name)
            if declared is None:
                raise ModelError(f"{cls.__name__}.filter({name}=...): {cls.__name__} has no "
                                 f"field '{name}'", "fields: " + ", ".join(cls._fields))
            columns[name] = declared.coerce(value) if value is not None else None
        return columns

    @classmethod
    def _spec_of(cls, owner: Any, action: str, link: Link) -> AppSpec:
        """The app of the linked record, checked to be this class's app and kind."""
        if not isinstance(owner, link.to) or getattr(owner, "_navigator", None) is None:
            raise ModelError(
                f"{cls.__name__}.{action} needs {link.name}= a {link.to.__name__} of a running "
                f"session, not {type(owner).__name__}",
                f"write {cls.__name__}.{action}({link.name}={link.name}, ...)")
        spec: AppSpec = owner._app
        if getattr(spec.module, cls.__name__, None) is not cls:
            raise ModelError(f"{cls.__name__} is not declared in app '{spec.name}'",
                             f"create it from the app that declares {cls.__name__}")
        return spec

    @staticmethod
    def _owner_nav(owner: Any) -> ExtraNavigator:
        return owner._nav()

    def _extra_nav(self) -> ExtraNavigator:
        return self._nav()  # type: ignore[return-value]


def _keys_of(owner: Player | Group | ExtraRecord) -> dict[str, Any]:
    """The engine's columns of a record linked to ``owner``: another extra record's are
    that record's own (its session, round, group and player)."""
    if isinstance(owner, ExtraRecord):
        keys = {name: owner._keys.get(name) for name in EXTRA_COLUMNS if name != "id"}
        keys["round_number"] = owner._keys.get(round_column(type(owner)))
        return keys
    if isinstance(owner, Player):
        group = owner.group
        return {"session_code": owner.session.code, "round_number": owner.round_number,
                "group_id": group.id if group is not None else None, "player_id": owner.id,
                "participant_id": owner.participant.id}
    return {"session_code": owner.session.code, "round_number": owner.round_number,
            "group_id": owner.id, "player_id": None, "participant_id": None}


def extra_record_classes(spec: AppSpec) -> list[type[ExtraRecord]]:
    """The extra record classes an app module declares (not those it imports), in source
    order; found when the app's tables are made and when it is exported."""
    return [value for value in vars(spec.module).values()
            if isinstance(value, type) and issubclass(value, ExtraRecord)
            and value is not ExtraRecord and value.__module__ == spec.module.__name__]
