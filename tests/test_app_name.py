"""An app knows its own name, as oTree apps do with ``__name__``: ``app.name`` once loaded, and
``__name__.rsplit(".", 1)[-1]`` while its module runs (``__name__`` itself is
``_labctl_project_<n>.<app>``, so that two projects with the same app names load side by side)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from labctl.project import load_project


def test_an_app_is_named_by_its_folder_in_app_name_and_in_dunder_name(tmp_path: Path):
    (tmp_path / "sessions.py").write_text(textwrap.dedent("""\
        from labctl import SessionType

        SESSION_TYPES = [SessionType(name="demo", app_sequence=["trust_game"])]
        """))
    (tmp_path / "trust_game").mkdir()
    (tmp_path / "trust_game" / "__init__.py").write_text(textwrap.dedent("""\
        import labctl

        app = labctl.App(players_per_group=None)
        NAME_AT_IMPORT = __name__.rsplit(".", 1)[-1]
        page_sequence = []
        """))
    project = load_project(tmp_path)
    try:
        module = project.apps["trust_game"].module
        assert module.app.name == "trust_game"
        assert module.NAME_AT_IMPORT == "trust_game"
    finally:
        project.unload()
