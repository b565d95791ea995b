"""The wheel carries the app templates, so `labctl new-project` works from a plain install."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to make a clean copy")
def test_wheel_ships_app_templates(tmp_path):
    pytest.importorskip("hatchling", reason="install the test extra: pip install -e '.[test]'")
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    wheel = next(out.glob("labctl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "labctl/app_templates/_project/sessions.py" in names
    assert "labctl/app_templates/blank/__init__.py" in names
    assert "labctl/py.typed" in names
    assert not any("__pycache__" in name for name in names)
