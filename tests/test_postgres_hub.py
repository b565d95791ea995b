"""The hub across processes: what one process publishes reaches the subscribers of another
(here: two stores and hubs on the same database, as two workers have), at the commit of the
step that published it, never for a step rolled back, in order, large messages included."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from labctl.engine import Engine
from labctl.hub import Channel
from labctl.hub_postgres import MAX_INLINE, PostgresHub
from labctl.project import load_project
from labctl.storage.open_store import open_hub, open_store

SAMPLE = Path(__file__).resolve().parent.parent / "sample_sessions"
WAIT = 20.0  # the bound of every wait for a message (it arrives in milliseconds)

pytestmark = pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)


@pytest.fixture
def two_workers(new_store_target):
    """Two (store, hub) pairs on one database, each hub listening."""
    url = new_store_target()
    made = []
    for _ in range(2):
        store = open_store(url)
        hub = open_hub(store)
        assert isinstance(hub, PostgresHub)
        assert hub.wait_listening(WAIT)
        made.append((store, hub))
    yield made
    for store, hub in made:
        hub.close()
        store.close()


def test_a_message_published_in_one_worker_reaches_the_other_in_order(two_workers):
    (_, hub_a), (_, hub_b) = two_workers
    inbox = hub_b.subscribe("room:lab")
    for n in range(5):
        hub_a.publish("room:lab", {"n": n})
    assert [inbox.get(timeout=WAIT)["n"] for _ in range(5)] == [0, 1, 2, 3, 4]


def test_a_message_of_a_rolled_back_transaction_never_leaves(two_workers):
    (store_a, hub_a), (_, hub_b) = two_workers
    inbox = hub_b.subscribe("room:lab")
    with pytest.raises(RuntimeError), store_a.transaction():
        hub_a.publish("room:lab", {"type": "never"})
        raise RuntimeError("the step failed")
    hub_a.publish("room:lab", {"type": "after"})
    assert inbox.get(timeout=WAIT) == {"type": "after"}
    with pytest.raises(queue.Empty):
        inbox.get_nowait()


def test_a_message_larger_than_a_notification_arrives_whole(two_workers):
    (_, hub_a), (_, hub_b) = two_workers
    inbox = hub_b.subscribe("live:abc")
    big = {"type": "live", "data": "x" * (MAX_INLINE * 3)}
    hub_a.publish("live:abc", big)
    hub_a.publish("live:abc", {"type": "small"})
    assert inbox.get(timeout=WAIT) == big
    assert inbox.get(timeout=WAIT) == {"type": "small"}


def test_a_wait_page_released_in_one_worker_moves_a_page_held_by_the_other(two_workers):
    (store_a, hub_a), (store_b, hub_b) = two_workers
    project = load_project(SAMPLE)
    try:
        engine_a = Engine(project, store_a, hub=hub_a)
        engine_b = Engine(project, store_b, hub=hub_b)
        session = engine_a.create_session("my_session", 2, seed=1)
        trustor, trustee = [row["code"] for row in engine_a.participant_rows(session)]
        with engine_b.view(trustee) as view:  # the trustee's page is served by worker B
            assert view.kind == "wait"
        moved = hub_b.subscribe(Channel.participant(trustee))
        monitor = hub_b.subscribe(Channel.monitor(session))
        with engine_a.view(trustor):
            pass
        assert engine_a.submit(trustor, 0, {"sent_amount": "4.00"}).status == "advanced"
        assert moved.get(timeout=WAIT) == {"type": "advance"}
        assert monitor.get(timeout=WAIT) == {"type": "update"}
        with engine_b.view(trustee) as view:
            assert (view.kind, view.step.name) == ("page", "SendBack")
    finally:
        project.unload()
