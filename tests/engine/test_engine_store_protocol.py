"""The engine's ``Store`` Protocol is the whole contract: SqliteStore implements every method
with the same parameters, and the engine calls nothing on a store that the Protocol lacks."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import labctl.engine
from labctl.engine import store as store_module
from labctl.storage.sqlite import SqliteStore

ENGINE_DIR = Path(labctl.engine.__file__).parent


def protocol_members() -> dict[str, object]:
    members = {}
    for name in dir(store_module.Store):
        if name.startswith("_"):
            continue
        members[name] = getattr(store_module.Store, name)
    return members


@pytest.mark.parametrize("name", sorted(protocol_members()))
def test_sqlite_store_implements_each_method_with_the_same_parameters(name):
    declared = protocol_members()[name]
    implemented = getattr(SqliteStore, name, None)
    assert implemented is not None, f"SqliteStore lacks {name}"
    if isinstance(declared, property):
        assert isinstance(implemented, property), f"{name} must be a property"
        return
    wanted = list(inspect.signature(declared).parameters)
    found = list(inspect.signature(implemented).parameters)
    assert found == wanted, f"SqliteStore.{name}{found} differs from the Protocol's {wanted}"


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
