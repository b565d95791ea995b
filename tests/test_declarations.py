"""Every declaration records the researcher's file and line, through one helper."""

import sys
from pathlib import Path

import labctl
from labctl import fields
from labctl.declarations import declaration_site


def _here() -> int:
    """The line of the caller: the line a declaration made there must record."""
    return sys._getframe(1).f_lineno


def test_every_kind_of_declaration_records_this_line():
    line = _here(); session_type = labctl.SessionType(name="s", app_sequence=["a"])  # noqa: E702
    assert session_type.defined_at == (__file__, line)
    line = _here(); app = labctl.App(num_rounds=2)  # noqa: E702
    assert app.defined_at == (__file__, line)
    line = _here(); room = labctl.Room(name="lab1", labels=["PC01"])  # noqa: E702
    assert room.defined_at == (__file__, line)
    line = _here(); field = fields.Money(min=0)  # noqa: E702
    assert field.defined_at == (__file__, line)


def test_classes_record_the_line_of_their_class_statement():
    line = _here() + 1
    class Offer(labctl.Page):
        pass
    class Player(labctl.Player):
        age = fields.Integer()
    assert Offer._defined_at == (__file__, line)
    assert Player._defined_at == (__file__, line + 2)
    assert Player.declared_fields()["age"].defined_at == (__file__, line + 3)


def test_a_field_subclass_of_the_researcher_points_at_its_use_not_at_labctl():
    class Percent(fields.Integer):
        def __init__(self, **kwargs):
            super().__init__(min=0, max=100, **kwargs)

    line = _here(); share = Percent()  # noqa: E702
    assert share.defined_at == (__file__, line - 2)  # its super().__init__ call


def test_labctls_own_declarations_are_sited_in_labctl():
    records = Path(labctl.records.__file__)
    file, line = labctl.Player.declared_fields()["payoff"].defined_at
    assert (Path(file), records.read_text().splitlines()[line - 1].strip()) == (
        records, 'payoff = Money(initial=0, label="Payoff")')


def test_the_helper_called_directly_gives_its_caller():
    assert declaration_site() == (__file__, _here())
