"""Group matching: which participants play together in each round of an app.

- ``fixed``: groups in participant order in round 1, the same groups in every later round;
- ``random``: a fresh random grouping every round (reproducible from the session's seed);
- ``players_per_group=None``: everyone in one group;
- ``group_by_arrival_time`` on the first wait page: no groups until people arrive there;
- ``creating_session`` may replace any of these with ``subsession.set_group_matrix`` (or
  ``group_randomly``, ``group_like_round``), and so may ``after_all_players_arrive`` of a wait
  page with ``wait_for_all_groups`` for the rest of its round.
"""

from __future__ import annotations

import random

from ..app import AppSpec
from ..errors import ModelError


def group_matrix(spec: AppSpec, round_number: int, participant_numbers: list[int],
                 rng: random.Random, first_round: list[list[int]] | None) -> list[list[int]]:
    """The groups of one round, as lists of participant numbers (1-based, session order)."""
    size = spec.players_per_group or len(participant_numbers)
    if spec.settings.matching == "fixed" and first_round is not None:
        return [list(row) for row in first_round]
    order = list(participant_numbers)
    if spec.settings.matching == "random":
        rng.shuffle(order)
    return [order[i:i + size] for i in range(0, len(order), size)]


def groups_by_arrival(spec: AppSpec) -> bool:
    """Does this app form its groups as people arrive at its first (wait) page?"""
    first = spec.page_sequence[0] if spec.page_sequence else None
    return bool(getattr(first, "group_by_arrival_time", False))


def check_matrix(spec: AppSpec, matrix: list[list[int]], count: int,
                 where: str = "creating_session") -> None:
    """A matrix set in a hook (``where``) must place every participant exactly once. Its
    groups may have any sizes, as in oTree: ``players_per_group`` is only the grouping a
    round starts with (a class of 5 plays as a pair and a trio); a member past the declared
    roles has the role ``""``."""
    placed = [n for row in matrix for n in row]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in placed) or sorted(
            placed) != list(range(1, count + 1)):
        raise ModelError(
            f"the group matrix set in {where} of app '{spec.name}' does not place "
            f"each of the {count} participants exactly once: {matrix}",
            "list every participant number from 1 to the session size once")
