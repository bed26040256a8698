"""The installed layout: agent/, tools/, corpora/ and evals/ install as medcite.* and nothing generic
lands at the top of site-packages; every package folder and data file of the checkout is shipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

MAPPED = {"medcite": "medcite", "medcite.agent": "agent", "medcite.tools": "tools", "medcite.corpora": "corpora",
          "medcite.evals": "evals"}


def _pyproject() -> dict[str, object]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _package_folders() -> set[str]:
    """Every folder under the mapped roots that holds Python files or data, as a dotted package name."""
    found: set[str] = set()
    for package, folder in MAPPED.items():
        root = PROJECT_ROOT / folder
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.parent.relative_to(root)
                found.add(".".join([package, *rel.parts]))
    return found


def test_pyproject_names_every_package_folder() -> None:
    setuptools = _pyproject()["tool"]["setuptools"]  # type: ignore[index]
    assert setuptools["package-dir"] == MAPPED
    assert set(setuptools["packages"]) == _package_folders()


def test_namespaced_imports_work_from_outside_the_checkout(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-c", "import medcite.agent, medcite.tools, medcite.corpora, medcite.evals, medcite.cli"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    for generic in ("agent", "tools", "corpora", "evals"):
        bad = subprocess.run([sys.executable, "-c", f"import {generic}"], cwd=tmp_path, capture_output=True, text=True)
        assert bad.returncode != 0 and "ModuleNotFoundError" in bad.stderr, generic


def _tracked(*paths: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", *paths], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.slow
def test_wheel_ships_every_data_file_under_medcite(tmp_path: Path) -> None:
    """Built from a copy of the tracked files (the build leaves nothing in the checkout)."""
    src = tmp_path / "src"
    for path in _tracked("pyproject.toml", "README.md", *MAPPED.values()):
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / path, src / path)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(src)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("medcite-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {n.split("/")[0] for n in names if not n.startswith("medcite-")}
    assert top == {"medcite"}
    for path in _tracked(*MAPPED.values()):
        folder, _, rest = path.partition("/")
        package = next(p for p, f in MAPPED.items() if f == folder)
        assert "/".join([*package.split("."), rest]) in names, path
