"""Shared test setup: offline hub, an isolated data dir, and the real third-party data in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("MEDCITE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
SYNTHEA_DIR = SHARED_DATA / "fhir_synthea_r4" / "bundles"
NOTES_DIR = SHARED_DATA / "fhir_synthea_qicore_notes" / "bundles"
os.environ.setdefault("MEDCITE_EVAL_DATA_DIR", str(SHARED_DATA))

pytest_plugins: list[str] = [
    "tests.fixtures.models",
    "tests.fixtures.fhir_server",
    "tests.fixtures.guideline_docs",
    "tests.fixtures.guideline_store",
]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"third-party test data not found at {SHARED_DATA} (set MEDCITE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def synthea_bundles(shared_data: Path) -> list[Path]:
    bundles = sorted(SYNTHEA_DIR.glob("*.json"))
    assert bundles, f"no Synthea bundles in {SYNTHEA_DIR}"
    return bundles


@pytest.fixture(scope="session")
def notes_bundles(shared_data: Path) -> list[Path]:
    """The 14 Synthea bundles with clinical notes (QI-Core / US Core profiles)."""
    bundles = sorted(NOTES_DIR.glob("*.json"))
    assert len(bundles) == 14, f"expected the 14 notes bundles in {NOTES_DIR}"
    return bundles


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test's stores and audit logs out of the user's data dir."""
    if "MEDCITE_DATA_DIR" not in os.environ:
        monkeypatch.setenv("MEDCITE_DATA_DIR", str(tmp_path_factory.getbasetemp() / "medcite-data"))
