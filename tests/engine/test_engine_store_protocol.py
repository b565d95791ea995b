"""The engine's ``Store`` Protocol is the whole contract: SqliteStore and PostgresStore
implement every method with the same parameters, and the engine calls nothing on a store that
the Protocol lacks; both implement the server's ``ServerRecords`` too."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import labctl.engine
from labctl.engine import store as store_module
from labctl.storage import server_records
from labctl.storage.postgres import PostgresStore
from labctl.storage.sqlite import SqliteStore

STORES = [SqliteStore, PostgresStore]

ENGINE_DIR = Path(labctl.engine.__file__).parent


def protocol_members() -> dict[str, object]:
    members = {}
    for name in dir(store_module.Store):
        if name.startswith("_"):
            continue
        members[name] = getattr(store_module.Store, name)
    return members


@pytest.mark.parametrize("store_class", STORES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted(protocol_members()))
def test_each_store_implements_each_method_with_the_same_parameters(name, store_class):
    declared = protocol_members()[name]
    implemented = getattr(store_class, name, None)
    assert implemented is not None, f"{store_class.__name__} lacks {name}"
    if isinstance(declared, property):
        assert isinstance(implemented, property), f"{name} must be a property"
        return
    wanted = list(inspect.signature(declared).parameters)
    found = list(inspect.signature(implemented).parameters)
    assert found == wanted, (f"{store_class.__name__}.{name}{found} differs from the "
                             f"Protocol's {wanted}")


@pytest.mark.parametrize("store_class", STORES, ids=lambda c: c.__name__)
def test_each_store_keeps_the_servers_records_with_the_same_parameters(store_class):
    for name in dir(server_records.ServerRecords):
        if name.startswith("_"):
            continue
        declared = inspect.signature(getattr(server_records.ServerRecords, name))
        implemented = inspect.signature(getattr(store_class, name))
        assert list(implemented.parameters) == list(declared.parameters), name


def store_calls_in_engine() -> set[str]:
    """Every ``<something>.store.<method>`` and ``store.<method>`` the engine's code makes."""
    called = set()
    for path in ENGINE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "store") or (
                    isinstance(owner, ast.Attribute) and owner.attr == "store"):
                called.add(node.attr)
    return called


def test_the_engine_calls_only_what_the_protocol_declares():
    calls = store_calls_in_engine()
    assert {"transaction", "reading", "participant_by_code", "add_release"} <= calls
    assert calls - set(protocol_members()) == set()
