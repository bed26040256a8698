"""The layer contract (core <- tools <- corpora <- agent <- evals, CLI on top) and the contracts inside tools
hold, and the check really fails on an upward import or on the FHIR tools importing note search."""

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
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def _with_import(tmp_path: Path, module: str, statement: str) -> subprocess.CompletedProcess[str]:
    """lint-imports on a copy of the tree where ``module`` (a path below medcite/) gains ``statement``."""
    tree = _tree(tmp_path, copy=True)
    target = tree / "medcite" / module
    target.write_text(target.read_text() + f"\n{statement}  # noqa: E402,F401\n")
    return _lint_imports(tree)


def test_the_care_gap_engine_may_not_read_the_guideline_store(tmp_path: Path) -> None:
    result = _with_import(tmp_path, "tools/caregaps/rules.py", "from medcite.tools.retrieval import store")
    assert result.returncode == 1
    assert "medcite.tools.caregaps.rules -> medcite.tools.retrieval.store" in result.stdout


def test_an_upward_import_breaks_it(tmp_path: Path) -> None:
    result = _with_import(tmp_path, "tools/fhir/errors.py", "from medcite.agent import graph")
    assert result.returncode == 1
    assert "medcite.tools is not allowed to import medcite.agent" in result.stdout
    assert "medcite.tools.fhir.errors -> medcite.agent.graph" in result.stdout


def test_the_fhir_tools_importing_note_search_breaks_it(tmp_path: Path) -> None:
    result = _with_import(tmp_path, "tools/fhir/facts.py", "from medcite.tools.notes import index")
    assert result.returncode == 1
    assert "medcite.tools.fhir.facts -> medcite.tools.notes.index" in result.stdout
