"""An app listed twice in a session type (before and after a treatment): its second listing
plays as ``<app>_2``, with its own rounds and tables, so the two never mix."""

from __future__ import annotations

PGG = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=2)


class Player(labctl.Player):
    contribution = fields.Integer(min=0, max=100)
    rounds_seen = fields.Integer(required=False)


class Contribute(labctl.Page):
    form_fields = ["contribution"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.rounds_seen = len(player.in_all_rounds())


page_sequence = [Contribute]
"""
TREAT = """\
import labctl

app = labctl.App(players_per_group=None)


class Watch(labctl.Page):
    pass


page_sequence = [Watch]
"""


def test_the_second_listing_has_its_own_rounds_and_tables(make_project, open_engine,
                                                          driver_of, dbfile):
    project = make_project({"pgg": PGG, "treat": TREAT},
                           'name="demo", app_sequence=["pgg", "treat", "pgg"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    session = engine.create_session("demo", 2, seed=1)

    def answer(seen):
        if seen.page != "Contribute":
            return {}
        before = seen.app == "pgg"
        return {"contribution": str(10 * seen.round_number + (0 if before else 50))}

    shown = driver.play(session, answer)

    assert [seen.app for seen in shown[driver.codes(session)[0]]] == [
        "pgg", "pgg", "treat", "pgg_2", "pgg_2"]
    assert dbfile.rows("SELECT round_number, contribution, rounds_seen FROM pgg_player "
                       "WHERE participant_id = 1 ORDER BY round_number") == [
        {"round_number": 1, "contribution": 10, "rounds_seen": 1},
        {"round_number": 2, "contribution": 20, "rounds_seen": 2}]
    assert dbfile.rows("SELECT round_number, contribution, rounds_seen FROM pgg_2_player "
                       "WHERE participant_id = 1 ORDER BY round_number") == [
        {"round_number": 1, "contribution": 60, "rounds_seen": 1},
        {"round_number": 2, "contribution": 70, "rounds_seen": 2}]
    assert project.session_type("demo").app_sequence == ["pgg", "treat", "pgg_2"]
    assert project.repeated_apps == {"pgg_2": ("pgg", 2)}


def test_the_export_lays_out_each_listing_as_an_app_of_its_own(make_project, open_engine,
                                                               driver_of, tmp_path):
    from labctl.export import export_results

    project = make_project({"pgg": PGG, "treat": TREAT},
                           'name="demo", app_sequence=["pgg", "treat", "pgg"]')
    engine = open_engine(project)
    session = engine.create_session("demo", 2, seed=1)
    driver_of(engine).play(session, lambda seen: {"contribution": "5"} if seen.page ==
                           "Contribute" else {})

    written = export_results(project.root, engine.location, tmp_path / "out")

    names = sorted(path.name for path in written)
    assert "pgg.csv" in names and "pgg_2.csv" in names
    wide = next(path for path in written if path.name == "results_wide.csv").read_text()
    assert "pgg.2.player.contribution" in wide and "pgg_2.2.player.contribution" in wide
