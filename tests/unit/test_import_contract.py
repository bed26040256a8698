"""The layer contract (core <- tools <- corpora <- agent <- evals, CLI on top) holds, and the check
really fails on an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _tree(root: Path, copy: bool) -> Path:
    """The installed layout under ``root``: links to the checkout's folders, or copies of them."""
    pkg = root / "medcite"
    place = shutil.copytree if copy else (lambda src, dst: dst.symlink_to(src))
    pkg.mkdir(parents=True)
    for item in (PROJECT_ROOT / "medcite").iterdir():
        if item.name != "__pycache__":
            place(item, pkg / item.name) if item.is_dir() else shutil.copy(item, pkg / item.name)
    for folder in ("agent", "tools", "corpora", "evals"):
        place(PROJECT_ROOT / folder, pkg / folder)
    return root


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_the_contract_holds(tmp_path: Path) -> None:
    result = _lint_imports(_tree(tmp_path, copy=False))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_the_care_gap_engine_may_not_read_the_guideline_store(tmp_path: Path) -> None:
    tree = _tree(tmp_path, copy=True)
    rules = tree / "medcite" / "tools" / "caregaps" / "rules.py"
    rules.write_text(rules.read_text() + "\nfrom medcite.tools.retrieval import store  # noqa: E402,F401\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "medcite.tools.caregaps.rules -> medcite.tools.retrieval.store" in result.stdout


def test_an_upward_import_breaks_it(tmp_path: Path) -> None:
    tree = _tree(tmp_path, copy=True)
    errors = tree / "medcite" / "tools" / "fhir" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom medcite.agent import graph  # noqa: E402,F401\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "medcite.tools is not allowed to import medcite.agent" in result.stdout
    assert "medcite.tools.fhir.errors -> medcite.agent.graph" in result.stdout
