"""Which record a page's form writes to, decided in one place (``pages.form_model_kind``)."""

from __future__ import annotations

import pytest

import labctl
from labctl.pages import form_model_kind, form_target, is_sequence_item
from labctl.project import load_project


class PlayerForm(labctl.Page):
    form_fields = ["age"]


class GroupForm(labctl.Page):
    form_model = "group"


class BadForm(labctl.Page):
    form_model = "participant"


class Wait(labctl.WaitPage):
    pass


@pytest.mark.parametrize(("form_model", "kind"), [
    ("player", "player"), ("group", "group"), ("participant", None), ("subsession", None),
    (["group"], None), (None, None)])
def test_form_model_kind(form_model, kind):
    assert form_model_kind(form_model) == kind


def test_a_form_writes_to_the_player_or_the_players_group():
    group = labctl.Group(id_in_subsession=1)
    player = labctl.Player(id_in_group=1)
    player.group = group
    assert form_target(PlayerForm, player) is player
    assert form_target(GroupForm, player) is group


def test_the_app_names_the_class_a_form_writes_to(sample_project):
    project = load_project(sample_project)
    try:
        trust = project.apps["trust"]
        assert trust.model_class(PlayerForm.form_model) is trust.player_class
        assert trust.model_class(GroupForm.form_model) is trust.group_class
        assert trust.model_class(BadForm.form_model) is None
        assert trust.model_class(["group"]) is None
    finally:
        project.unload()


def test_only_page_and_wait_page_subclasses_are_sequence_items():
    assert is_sequence_item(PlayerForm) and is_sequence_item(Wait)
    assert not is_sequence_item(labctl.Page) and not is_sequence_item(labctl.WaitPage)
    assert not is_sequence_item(PlayerForm()) and not is_sequence_item("PlayerForm")
