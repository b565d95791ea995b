"""oTree's arrival recipes played by bots under ``labctl test``: a new partner each round, and a
player left waiting going on to a solo task (the server's sweep asks the rule again)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # each test runs labctl test: bots against a server process

NEW_PARTNER = {
    "__init__.py": '''\
        import labctl
        from labctl import fields

        app = labctl.App(players_per_group=2, num_rounds=3)


        class Player(labctl.Player):
            partner = fields.Integer(required=False)
            repeated = fields.Boolean(required=False)


        def group_by_arrival_time_method(subsession, waiting_players):
            for first in waiting_players:
                met = first.participant.vars.get("met", set())
                for second in waiting_players:
                    if second is not first and second.participant.id_in_session not in met:
                        return [first, second]
            return None


        class Lobby(labctl.WaitPage):
            group_by_arrival_time = True

            @staticmethod
            def after_all_players_arrive(group):
                for player in group.get_players():
                    other = player.get_others_in_group()[0].participant.id_in_session
                    met = player.participant.vars.get("met", set())
                    player.partner = other
                    player.repeated = other in met
                    player.participant.vars["met"] = met | {other}


        class Play(labctl.Page):
            pass


        page_sequence = [Lobby, Play]
        ''',
    "Play.html": '''\
        {% block content %}<p>Partner {{ player.partner }}</p>{{ next_button() }}{% endblock %}
        ''',
    "bots.py": '''\
        from labctl.bots import Bot, expect

        from . import Play


        class PlayerBot(Bot):
            def play_round(self):
                expect(not self.player.repeated,
                       f"round {self.round_number}: partner {self.player.partner} again")
                yield Play
        ''',
}

SOLO = {
    "__init__.py": '''\
        import labctl
        from labctl import fields

        app = labctl.App(players_per_group=None)


        class Player(labctl.Player):
            alone = fields.Boolean(initial=False)


        def group_by_arrival_time_method(subsession, waiting_players):
            if len(waiting_players) >= 2:
                return waiting_players[:2]
            for player in waiting_players:
                if labctl.waiting_seconds(player) >= 1:
                    player.alone = True
                    return [player]
            return None


        class Lobby(labctl.WaitPage):
            group_by_arrival_time = True


        class Task(labctl.Page):
            pass


        page_sequence = [Lobby, Task]
        ''',
    "Task.html": '''\
        {% block content %}<p>{{ "Solo" if player.alone else "Pair" }}</p>
        {{ next_button() }}{% endblock %}
        ''',
    "bots.py": '''\
        from labctl.bots import Bot, expect

        from . import Task


        class PlayerBot(Bot):
            def play_round(self):
                size = len(self.player.group.get_players())
                expect(size == (1 if self.player.alone else 2), f"a group of {size}")
                yield Task
        ''',
}


def test_bots_play_a_new_partner_every_round(cli, small_project):
    project = small_project({"partners": NEW_PARTNER}, num_participants=4)

    result = cli("test", "play", "--seed", 1, "--project", project)

    assert result.exit_code == 0, result.output
    assert "OK 4 bots played play" in result.output


def test_bots_left_waiting_go_on_to_the_solo_task(cli, small_project):
    # three bots in pairs: at least one is left over and must go on alone, which only the
    # rule asked again by the server's sweep can decide (nobody else arrives)
    project = small_project({"solo": SOLO}, num_participants=3)

    result = cli("test", "play", "--seed", 1, "--project", project)

    assert result.exit_code == 0, result.output
    assert "OK 3 bots played play" in result.output
