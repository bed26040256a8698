"""``medcite eval qa`` with the real embedded default model on the real MIRAGE dev sample."""

import json
from pathlib import Path

import pytest

from medcite.cli import main
from medcite.evals.qa.report import write_report
from medcite.evals.results_log import ResultLog

pytestmark = pytest.mark.slow

BUDGET = ["--max-new-tokens", "48", "--no-progress"]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _numbers(out: Path) -> tuple[object, ...]:
    s = write_report(out / "qa").runs[0].overall
    return s.n, s.correct, s.unparseable, s.accuracy


def test_medqa_three_questions_writes_jsonl_markdown_and_png(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "qa", "--dataset", "medqa", "--limit", "3", "--out", str(tmp_path), *BUDGET]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "medqa" in out and "unparseable=" in out
    qa = tmp_path / "qa"
    (results,) = [p for p in qa.glob("*.jsonl") if not p.name.endswith(".sessions.jsonl")]
    lines = _lines(results)
    assert [r["qid"] for r in lines] == ["0003", "0007", "0046"]
    for r in lines:
        assert r["model"] == "llamacpp:smollm2" and r["mode"] == "closed"
        assert len(str(r["prompt_hash"])) == 16 and r["raw_output"]
        assert r["correct"] == (r["extracted"] == r["gold"])
        assert r["parsed"] == (r["extracted"] is not None)
        assert float(r["latency_s"]) > 0 and int(r["output_tokens"]) > 0  # type: ignore[arg-type]
    report = (qa / "report.md").read_text()
    assert "medqa" in report and "87.7" in report and "reported elsewhere" in report
    assert (qa / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_redoes_nothing_finished_and_keeps_the_numbers(shared_data: Path, tmp_path: Path) -> None:
    argv = ["eval", "qa", "--dataset", "pubmedqa", "--out", str(tmp_path), "--run-name", "r", *BUDGET]
    results = tmp_path / "qa" / "r.jsonl"

    assert main([*argv, "--limit", "2"]) == 0  # stopped after 2 questions
    first = _lines(results)
    assert main([*argv, "--limit", "3"]) == 0  # resumed: only the third is asked
    after = _lines(results)
    assert after[:2] == first and len(after) == 3
    numbers = _numbers(tmp_path)

    text = results.read_text()
    results.write_text(text[: len(text) - 25])  # killed while writing the last line
    assert main([*argv, "--limit", "3"]) == 0
    redone = _lines(results)
    assert redone[:2] == first and len(redone) == 3
    assert redone[2]["qid"] == after[2]["qid"] and redone[2]["raw_output"] == after[2]["raw_output"]
    assert _numbers(tmp_path) == numbers
    assert len(ResultLog(results).records()) == 3


def test_rag_run_records_the_guideline_passages_it_was_given(shared_data: Path, tmp_path: Path) -> None:
    argv = ["eval", "qa", "--rag", "--k", "2", "--dataset", "bioasq", "--limit", "1", "--out", str(tmp_path), *BUDGET]
    assert main(argv) == 0
    (line,) = _lines(tmp_path / "qa" / "llamacpp-smollm2-rag.jsonl")
    assert line["mode"] == "rag"
    retrieved = line["retrieved"]
    assert isinstance(retrieved, list) and len(retrieved) == 2
    assert all(str(k).startswith("guideline:") for k in retrieved)
    assert int(line["input_tokens"]) > 100  # type: ignore[arg-type]
