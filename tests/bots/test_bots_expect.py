"""``expect`` in a bot: labctl's ``expect(condition, "message")`` and oTree's
``expect(actual, expected)`` and ``expect(actual, "in", expected)``. oTree's two-argument form
must compare: read as a condition, ``expect(payoff, 0)`` failed for a payoff of 0 and passed
for any other."""

from __future__ import annotations

import pytest

from labctl.bots import expect
from labctl.bots.api import BotCheckFailed
from labctl.errors import LabctlError


@pytest.mark.parametrize("args", [
    (True, "never shown"), (0, 0), (50.0, 50), ("C", "C"), (True, True),
    ("you win", "in", "<p>you win!</p>"), (3, "<", 4), (4, ">=", 4), ("x", "not in", "abc"),
    (1, "!=", 2), (5,),
])
def test_checks_that_hold(args):
    expect(*args)


@pytest.mark.parametrize(("args", "message"), [
    ((False, "the payoff was not stored"), "the payoff was not stored"),
    ((100, 0), "expected 0, found 100"),
    ((0, 100), "expected 100, found 0"),
    (("D", "C"), "expected 'C', found 'D'"),
    (("you lose", "in", "<p>you win</p>"), "expected 'you lose' in '<p>you win</p>'"),
    ((5, "<", 4), "expected 5 < 4"),
    ((0,), "a bot's check failed"),
])
def test_checks_that_fail_say_what_was_found(args, message):
    with pytest.raises(BotCheckFailed) as failed:
        expect(*args)
    assert str(failed.value) == message


def test_an_unknown_comparison_or_argument_count_is_refused():
    with pytest.raises(LabctlError, match="is no comparison"):
        expect(1, "like", 2)
    with pytest.raises(LabctlError, match="1 to 3 arguments"):
        expect()
