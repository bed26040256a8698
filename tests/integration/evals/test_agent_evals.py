"""The agent in the evaluation harness: FHIR QA against the local bundles and against a real FHIR server
(identical answers), and summary faithfulness, all with the default model offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcite.cli import main
from tests.fixtures.fhir_server import LoadedFhirServer

LIMIT = "3"


def records(folder: Path) -> list[dict[str, object]]:
    [results] = [p for p in folder.glob("*.jsonl") if not p.name.endswith(".sessions.jsonl")]
    return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]


def test_fhir_qa_through_the_agent_local_and_server_agree(
    tmp_path: Path, fhir_server: LoadedFhirServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    common = ["eval", "fhir", "--limit", LIMIT, "--no-progress", "--max-new-tokens", "96"]
    assert main([*common, "--out", str(tmp_path / "local")]) == 0
    monkeypatch.setenv("MEDCITE_FHIR_TOKEN", fhir_server.token)
    assert main([*common, "--out", str(tmp_path / "server"), "--fhir-url", fhir_server.base_url]) == 0

    local, server = records(tmp_path / "local" / "fhir"), records(tmp_path / "server" / "fhir")
    assert len(local) == len(server) == int(LIMIT)
    for a, b in zip(local, server, strict=True):
        assert a["task_id"] == b["task_id"]
        assert a["answer"] == b["answer"], a["task_id"]  # same evidence, greedy decoding: same answer
        assert a["system"]["agent"] == "medcite"  # type: ignore[index]
        assert isinstance(a["score"], dict) and "citation_correct" in a["score"]
        assert "[" in a["answer"]["text"]  # type: ignore[index]  # cited, even when the model's draft failed
    report = (tmp_path / "local" / "fhir" / "report.md").read_text()
    assert "accuracy" in report.lower()


def test_summary_faithfulness_through_the_agent(tmp_path: Path) -> None:
    out = tmp_path / "sums"
    assert (
        main(["eval", "summaries", "--limit", "2", "--no-progress", "--max-new-tokens", "96", "--out", str(out)]) == 0
    )
    rows = records(out / "summaries")
    assert len(rows) == 2
    for row in rows:
        text = json.dumps(row)
        assert "coverage" in text and "precision" in text


def test_notes_qa_through_the_agent_next_to_coded_tasks(tmp_path: Path, notes_bundles: list[Path]) -> None:
    kinds = ["active_med_count", "note_chief_complaint", "note_latest_plan"]
    args = ["eval", "fhir", "--bundles", str(notes_bundles[0]), "--limit", LIMIT, "--no-progress"]
    args += ["--max-new-tokens", "96", "--out", str(tmp_path), *(a for k in kinds for a in ("--kind", k))]
    assert main(args) == 0
    rows = records(tmp_path / "fhir")
    assert [r["kind"] for r in rows] == kinds
    assert all(isinstance(r["score"], dict) and r["score"]["outcome"] for r in rows)  # type: ignore[index]
    report = (tmp_path / "fhir" / "report.md").read_text()
    assert "| (coded data) | 1 |" in report and "| (notes) | 2 |" in report
