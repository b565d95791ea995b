"""An oTree project of several apps (a live page, a randomly paid app, a multi-round app)
imported with ``labctl import otree`` and then played by its own ``tests.py`` bots with
``labctl test``: no hand edits in between."""

from pathlib import Path

import pytest

from tests.test_import_otree import imported, invoke, text_of, write

pytestmark = pytest.mark.slow

STUDY = {
    "settings.py": """
    SESSION_CONFIGS = [
        dict(name='study', display_name='Bargain or bet', num_demo_participants=2,
             app_sequence=['intro', 'bargain', 'lottery', 'payment']),
    ]
    SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=0.10, participation_fee=3.00,
                                   doc="")
    PARTICIPANT_FIELDS = ['paid_app']
    REAL_WORLD_CURRENCY_CODE = 'EUR'
    USE_POINTS = True
    """,
    "intro/__init__.py": """
    from otree.api import *
    import random


    class C(BaseConstants):
        NAME_IN_URL = 'intro'
        PLAYERS_PER_GROUP = None
        NUM_ROUNDS = 1
        PAID_APPS = ['bargain', 'lottery']


    class Subsession(BaseSubsession):
        pass


    class Group(BaseGroup):
        pass


    class Player(BasePlayer):
        consent = models.BooleanField(label='I agree', widget=widgets.CheckboxInput)


    def creating_session(subsession):
        players = subsession.get_players()
        paid = (C.PAID_APPS * len(players))[:len(players)]  # each app paid for half of them
        random.shuffle(paid)
        for player, app in zip(players, paid):
            player.participant.paid_app = app


    class Welcome(Page):
        form_model = 'player'
        form_fields = ['consent']


    page_sequence = [Welcome]
    """,
    "intro/Welcome.html": """
    {{ block title }}Welcome{{ endblock }}
    {{ block content }}
    {{ formfields }}
    {{ next_button }}
    {{ endblock }}
    """,
    "intro/tests.py": """
    from otree.api import Currency as c, currency_range, expect, Bot
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Welcome, dict(consent=True)
    """,
    "bargain/__init__.py": """
    from otree.api import *


    class C(BaseConstants):
        NAME_IN_URL = 'bargain'
        PLAYERS_PER_GROUP = 2
        NUM_ROUNDS = 1
        PIE = cu(15)


    class Subsession(BaseSubsession):
        pass


    class Group(BaseGroup):
        offer = models.CurrencyField(initial=0)


    class Player(BasePlayer):
        accept = models.BooleanField(label='Accept the last offer?')


    class Bargain(Page):
        form_model = 'player'
        form_fields = ['accept']

        @staticmethod
        def live_method(player, data):
            if 'offer' in data:
                player.group.offer = cu(data['offer'])
            return {0: dict(offer=player.group.offer)}


    class ResultsWaitPage(WaitPage):
        @staticmethod
        def after_all_players_arrive(group):
            for p in group.get_players():
                if p.participant.paid_app == 'bargain' and p.accept:
                    p.payoff = C.PIE / 2  # half the pie each
                else:
                    p.payoff = cu(0)


    class Results(Page):
        pass


    page_sequence = [Bargain, ResultsWaitPage, Results]
    """,
    "bargain/Bargain.html": """
    {{ block title }}Bargain{{ endblock }}
    {{ block content }}
    <p>The pie is {{ C.PIE }}. Offer: <span id="offer"></span></p>
    {{ formfields }}
    {{ next_button }}
    {{ endblock }}
    {{ block scripts }}
    <script>
      function liveRecv(data) { document.getElementById('offer').textContent = data.offer; }
      liveSend({});
    </script>
    {{ endblock }}
    """,
    "bargain/Results.html": """
    {{ block content }}
    <p>You earned {{ player.payoff }}.</p>
    {{ next_button }}
    {{ endblock }}
    """,
    "bargain/tests.py": """
    from otree.api import Currency as c, currency_range, expect, Bot
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Bargain, dict(accept=True)
            paid = self.participant.paid_app == 'bargain'
            expect(self.player.payoff, c(8) if paid else c(0))
            yield Results
    """,
    "lottery/__init__.py": """
    from otree.api import *


    class C(BaseConstants):
        NAME_IN_URL = 'lottery'
        PLAYERS_PER_GROUP = None
        NUM_ROUNDS = 2
        WIN = cu(20)


    class Subsession(BaseSubsession):
        pass


    class Group(BaseGroup):
        pass


    class Player(BasePlayer):
        bet = models.CurrencyField(choices=currency_range(cu(0), cu(10), cu(5)),
                                   widget=widgets.RadioSelectHorizontal)


    class Bet(Page):
        form_model = 'player'
        form_fields = ['bet']

        @staticmethod
        def before_next_page(player, timeout_happened):
            paid = player.participant.paid_app == 'lottery'
            last = player.round_number == C.NUM_ROUNDS
            player.payoff = C.WIN - player.bet if paid and last else cu(0)


    page_sequence = [Bet]
    """,
    "lottery/Bet.html": """
    {{ block content }}
    {{ formfield 'bet' }}
    {{ next_button }}
    {{ endblock }}
    """,
    "lottery/tests.py": """
    from otree.api import Currency as c, currency_range, expect, Bot
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Bet, dict(bet=c(10))
    """,
    "payment/__init__.py": """
    from otree.api import *


    class C(BaseConstants):
        NAME_IN_URL = 'payment'
        PLAYERS_PER_GROUP = None
        NUM_ROUNDS = 1


    class Subsession(BaseSubsession):
        pass


    class Group(BaseGroup):
        pass


    class Player(BasePlayer):
        pass


    class Payment(Page):
        pass


    page_sequence = [Payment]
    """,
    "payment/Payment.html": """
    {{ block content }}
    <p>The paid part was {{ participant.paid_app }}; you earned {{ participant.payoff }}.</p>
    {{ endblock }}
    """,
    "payment/tests.py": """
    from otree.api import Currency as c, currency_range, expect, Bot
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            expected = dict(bargain=c(8), lottery=c(10))[self.participant.paid_app]
            expect(self.participant.payoff, expected)
            yield Payment
    """,
}


def test_an_imported_multi_app_session_with_a_live_page_and_a_random_paid_app_plays(
        tmp_path: Path):
    source = write(tmp_path / "otree_study", STUDY)
    dest, output = imported(tmp_path, source)  # exit 0, and labctl validate passes
    assert "bargain/__init__.py:" in output and "oTree rounded this Currency" in output
    assert "inline <script> moved to bargain/static/Bargain_1.js" in output
    sessions = text_of(dest / "sessions.py")
    assert "fixed_pay=300," in sessions and "money_per_point='10'," in sessions
    # the bots check each payoff: 8 (15 / 2, rounded) or 10 points, in the paid app only
    played = invoke("test", "study", "-n", 4, dest)
    assert played.exit_code == 0, played.output
    assert "OK 4 bots played study" in played.output
