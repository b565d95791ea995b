"""Bots: play every page of a session through the real server before anyone enters the lab.

An app may have a ``bots.py`` with a ``PlayerBot``; its ``play_round`` yields what it submits,
page by page, and checks what it sees::

    from labctl.bots import Bot, Submission, expect
    from . import Send, SendBack, Results

    class PlayerBot(Bot):
        def play_round(self):
            if self.player.role == "trustor":
                yield Submission(Send, {"sent_amount": "20.00"}, error="at most 10.00")
                yield Send, {"sent_amount": "4.00"}
            else:
                yield SendBack, {"sent_back_amount": "1.00"}
            yield Results
            expect(self.player.payoff == (700 if self.player.role == "trustor" else 2100))

Values are typed as a participant types them (money in major units: ``"4.00"``). A
``Submission`` with ``error=`` must be refused with that message, and the bot stays on the page
(oTree's ``SubmissionMustFail(Page, values)`` is the same, refused with any message). As in
oTree, the code after ``yield Page`` runs once the bot has reached its next page (past any wait
page), with ``self.html`` that page; ``cases = ["basic", "max"]`` on a ``PlayerBot`` plays the
whole session once per case, with ``self.case`` set.
Pages without a form that a bot does not yield are passed with their Next button. Apps without
a bots module are played by automatic bots that fill every form with valid random values drawn
from the field declarations (reproducible with ``--seed``) and wait on wait pages.
"""

from __future__ import annotations

from .api import Bot, BotCheckFailed, Submission, SubmissionMustFail, expect
from .runner import BotFailure, TestReport, run_bots

__all__ = ["Bot", "BotCheckFailed", "BotFailure", "Submission", "SubmissionMustFail",
           "TestReport", "expect", "run_bots"]
