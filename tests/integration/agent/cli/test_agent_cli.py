"""``medcite --help``, ``ask``, ``chat`` and ``summarize`` end to end with the default model offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from medcite.cli import main
from medcite.core.disclaimer import DISCLAIMER
from medcite.core.settings import Settings

PROJECT = Path(__file__).resolve().parents[4]
EXAMPLE = PROJECT / "examples" / "synthea" / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"


@pytest.fixture
def cli_env(default_corpus_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MEDCITE_DATA_DIR", str(default_corpus_settings.data_dir))
    monkeypatch.setenv("MEDCITE_MAX_NEW_TOKENS", "96")
    return default_corpus_settings


def test_help_lists_the_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "medcite", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("ask", "chat", "summarize", "fhir", "ingest", "search", "eval"):
        assert command in out
    assert "not a medical device" in out


def test_ask_raw_streams_the_default_model(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What is hypertension?", "--raw"]) == 0
    out = capsys.readouterr().out
    assert len(out.split(DISCLAIMER)[0].strip()) > 0 and "unverified model output" in out


def test_ask_about_a_bundle_prints_a_cited_answer(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What is the latest HbA1c?", "--bundle", str(EXAMPLE), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert "[Observation/1caed8eb-8c92-4f00-ab6c-c45bb723a154]" in answer["text"]  # the latest HbA1c, cited
    assert answer["trace_id"] and answer["disclaimer"] == DISCLAIMER
    assert all(c["key"] in answer["text"] or c["source"] == "guideline" for c in answer["citations"])


def test_chat_reads_questions_until_an_empty_line(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = iter(["Which medications is she taking?", ""])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(questions))
    assert main(["chat", "--bundle", str(EXAMPLE), "--no-guidelines"]) == 0
    out = capsys.readouterr().out
    assert "MedicationRequest/738a0486-f8ca-41d6-af4d-199e3c231499" in out  # metformin, cited
    assert out.count("trace ") == 1


def test_summarize_writes_three_formats(cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    assert main(["summarize", str(EXAMPLE), "--out", str(out_dir)]) == 0
    md = (out_dir / "summary.md").read_text()
    assert "### Active problems" in md and "[Condition/c21b61f1-43d5-49b6-88d5-b8abea278a0c]" in md  # diabetes
    assert json.loads((out_dir / "summary.json").read_text())["patient_id"] == "148f10e1-2182-4297-ac1f-39bb9eca6f1a"
    bundle = json.loads((out_dir / "summary.fhir.json").read_text())
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Composition", "Provenance"]
    assert not list(out_dir.glob(".*.tmp"))


def test_summarize_takes_an_as_of_date(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(EXAMPLE), "--as-of", "2017-12-05", "--no-guidelines", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["care_gaps"]["as_of"] == {"day": "2017-12-05", "basis": "given", "last_activity": None}
    titles = [s["title"] for s in summary["sections"]]
    assert (
        "Preventive care (USPSTF A/B) — care gaps as of 2017-12-05 (the date asked for); "
        "USPSTF recommendations as of 2024-05-02"
    ) in titles
    assert "born 1974-05-21 (age 43)" in summary["sections"][0]["lines"][0]
    # the blood pressure of 2019-06-25 is not in the record yet: hypertension screening was last done 2017-12-05
    care = next(s for s in summary["sections"] if s["title"].startswith("Preventive care"))
    assert any("Hypertension screening" in line and "2017-12-05" in line for line in care["lines"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summarize", "/nonexistent/bundle.json"], "/nonexistent/bundle.json"),
        (["ask", "x", "--bundle", str(EXAMPLE), "--patient", "nobody"], "patient 'nobody' is not in"),
        (["summarize", str(EXAMPLE), "--model", "llamacpp:/no/such.gguf"], "GGUF model file not found"),
    ],
)
def test_user_errors_are_one_clear_line(
    argv: list[str], message: str, cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--no-guidelines"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
