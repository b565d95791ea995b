"""Payments of a session that pays points: the total is converted once, rounding half up.

Each participant earns points in three rounds; the bonus is the sum of points, and the money is
that sum times the rate, rounded half up once (so three rounds of 1 point at 0.5 cent per point
pay 2 cents, not 3 as rounding each round would).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_stores

EARN_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=3)


class Player(labctl.Player):
    earned = fields.Money(min=0, max=100)


class Earn(labctl.Page):
    form_fields = ["earned"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.earned


page_sequence = [Earn]
"""

#: points per round of each participant, and the money (cents) their total must pay at 0.5
HALF_CENT_CASES = [
    ([1, 1, 1], 2),      # 1.5 rounds up once (rounding each round would pay 3)
    ([1, 1, 0], 1),      # 1.0 exactly (rounding each round would pay 2)
    ([1, 0, 0], 1),      # 0.5 rounds up
    ([0, 0, 0], 0),
    ([100, 100, 99], 150),
    ([2, 2, 3], 4),      # 3.5 rounds up
]


@pytest.fixture
def points_session(make_project, open_engine, driver_of):
    """``points_session(rate, rounds)``: play a points session; returns (engine, session)."""

    def play(rate: str, rounds: list[list[int]]):
        project = make_project({"earn": EARN_APP}, f'name="points", app_sequence=["earn"], '
                               f'fixed_pay=1000, money_per_point="{rate}"')
        engine = open_engine(project)
        driver = driver_of(engine)
        session = engine.create_session("points", len(rounds), seed=1)
        for code, earned in zip(driver.codes(session), rounds, strict=True):
            for points in earned:
                driver.advance(code, {"earned": str(points)})
            assert driver.look(code).kind == "finished"
        return engine, session

    return play


def test_total_points_are_converted_once_rounding_half_up(points_session, driver_of, dbfile):
    rounds = [earned for earned, _ in HALF_CENT_CASES]
    engine, session = points_session("0.5", rounds)

    payments = engine.payments(session)

    assert [(p.bonus, p.bonus_money, p.total) for p in payments] == [
        (sum(earned), money, 1000 + money) for earned, money in HALF_CENT_CASES]
    assert all(p.points and p.currency == "EUR" and p.fixed_pay == 1000 and p.finished
               for p in payments)
    assert [row["bonus"] for row in dbfile.rows("SELECT bonus FROM participants ORDER BY id")
            ] == [sum(earned) for earned in rounds]
    finished = [driver_of(engine).look(code) for code in driver_of(engine).codes(session)]
    assert [(seen.bonus, seen.total_pay) for seen in finished] == [
        (sum(earned), 1000 + money) for earned, money in HALF_CENT_CASES]


@pytest.mark.parametrize(("rate", "points", "money"), [
    ("2.5", 3, 8),       # 7.5 rounds up
    ("0.1", 14, 1),      # 1.4 rounds down
    ("0.1", 15, 2),      # 1.5 rounds up, exactly (0.1 is not a float here)
    ("0.01", 250, 3),    # 2.5 rounds up
    ("1", 7, 7),
])
def test_other_rates_convert_exactly(points_session, rate, points, money):
    split = [min(100, max(0, points - 100 * n)) for n in range(3)]
    engine, session = points_session(rate, [split])

    (payment,) = engine.payments(session)

    assert (payment.bonus, payment.bonus_money, payment.total) == (points, money, 1000 + money)


def test_points_are_typed_as_whole_numbers(make_project, open_engine, driver_of, dbfile):
    project = make_project({"earn": EARN_APP}, 'name="points", app_sequence=["earn"], '
                           'money_per_point="0.5"')
    engine = open_engine(project)
    driver = driver_of(engine)
    code = driver.codes(engine.create_session("points", 1))[0]
    driver.look(code)

    refused = [engine.submit(code, 0, {"earned": typed}).errors for typed in ("1.5", "101")]
    driver.advance(code, {"earned": "3"})

    assert refused == [{"earned": "Please use at most 0 decimal places."},
                       {"earned": "Please enter a value of at most 100."}]
    assert dbfile.value("SELECT earned FROM earn_player WHERE round_number = 1") == 3


def test_unfinished_participants_are_paid_what_they_have_so_far(engine, driver, bot):
    session = engine.create_session("my_session", 4, seed=4)
    driver.play(session, bot.answer, stop=lambda seen: seen.app == "ultimatum")

    payments = engine.payments(session)

    assert [(p.bonus, p.total, p.finished) for p in payments] == [
        (payoff, 1000 + payoff, False) for payoff in bot.trust_payoffs().values()]
