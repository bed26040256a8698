"""``medcite ingest`` / ``medcite search`` on a store holding the full default corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medcite.cli import main
from medcite.core.settings import Settings
from tests.fixtures.guideline_docs import GOOD_MARKDOWN


@pytest.fixture
def cli_env(default_corpus_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MEDCITE_DATA_DIR", str(default_corpus_settings.data_dir))
    return default_corpus_settings


def test_search_prints_citable_lines(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "colorectal cancer screening in adults aged 45 to 49", "-k", "3", "-q"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("[guideline:")]
    assert len(lines) == 3
    assert any("Colorectal Cancer" in line for line in lines)
    assert "Research use only" in out


def test_default_corpus_is_complete(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--default", "-q"]) == 0
    out = capsys.readouterr().out
    assert "default corpus ready: 7934 passages" in out


def test_ingest_reports_each_file(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ingest into a copy: the session's default store is shared with other tests and must stay as shipped.
    data_dir = tmp_path / "data"
    shutil.copytree(cli_env.data_dir, data_dir)
    monkeypatch.setenv("MEDCITE_DATA_DIR", str(data_dir))
    good = tmp_path / "htn.md"
    good.write_text(GOOD_MARKDOWN, encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    assert main(["ingest", str(good), str(empty), "-q"]) == 1
    out = capsys.readouterr().out
    assert f"added      {good} (2 chunks)" in out
    assert f"error      {empty}: {empty}: the file is empty" in out
    query = "antihypertensive drug when blood pressure stays above 140/90 lifestyle changes"
    assert main(["search", query, "-k", "5", "-q"]) == 0
    assert "Example Cardiology Society (2024-03-01)" in capsys.readouterr().out


def test_ingest_without_paths_is_a_usage_error(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest"]) == 2
    assert "give files or folders" in capsys.readouterr().err
