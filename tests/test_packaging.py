"""A plain install works: the wheel carries the app templates (`labctl new-project`), and every
module labctl imports is a runtime dependency (`labctl test`)."""

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds the wheel and installs it in a fresh environment

try:
    import tomllib
except ImportError:  # Python 3.10: the test that reads pyproject.toml is skipped
    tomllib = None

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
    # labctl's catalogues, compiled: participants' pages read the .mo files
    for language in ("de", "fr", "es", "it", "nl", "pt_BR", "zh_Hans", "ja", "ko"):
        assert f"labctl/locale/{language}/LC_MESSAGES/labctl.mo" in names, language
    assert not any("__pycache__" in name for name in names)


def _imported_packages() -> set[str]:
    """Top-level names of every third-party module that labctl's own code imports."""
    found: set[str] = set()
    for path in (ROOT / "labctl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found
            if name not in sys.stdlib_module_names and name not in ("labctl", "__future__")}


#: extras for an optional feature, imported only where the feature is used (with a message
#: that says which extra to install when it is missing): never the test extra
FEATURE_EXTRAS = ("browsers", "postgres")


def _declared_closure() -> set[str]:
    """The runtime dependencies of pyproject.toml (and of the feature extras) and all that
    they require, normalized."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    declared = [*project["dependencies"],
                *(spec for extra in FEATURE_EXTRAS for spec in extras.get(extra, []))]
    todo = [re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0] for spec in declared]
    closure: set[str] = set()
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in closure:
            continue
        closure.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # left out by its marker on this platform
            continue
        for requirement in requirements:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[<>=!~\[; (]", requirement, maxsplit=1)[0])
    return closure


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_every_module_labctl_imports_comes_with_a_plain_install():
    """`pip install labctl` (no test extra) must bring every module labctl imports: a
    module only the test extra brings breaks `labctl test` for researchers."""
    distributions = metadata.packages_distributions()
    closure = _declared_closure()
    missing = {module: distributions.get(module) for module in _imported_packages()
               if not any(d.lower().replace("_", "-") in closure
                          for d in distributions.get(module, []))}
    assert missing == {}, "imported by labctl but not a runtime dependency in pyproject.toml"
