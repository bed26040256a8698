"""QA against an OpenAI-compatible server (llama.cpp's) with concurrent requests."""

import json
from pathlib import Path

import pytest

from medcite.cli import main

pytestmark = pytest.mark.slow


def test_concurrent_requests_to_a_server(llamacpp_server: str, shared_data: Path, tmp_path: Path) -> None:
    argv = ["eval", "qa", "--model", f"openai:{llamacpp_server}#smollm2", "--concurrency", "3"]
    argv += ["--dataset", "bioasq", "--limit", "3", "--max-new-tokens", "24", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    (results,) = [p for p in (tmp_path / "qa").glob("*.jsonl") if not p.name.endswith(".sessions.jsonl")]
    lines = [json.loads(x) for x in results.read_text().splitlines()]
    assert len(lines) == len({r["qid"] for r in lines}) == 3  # each question answered once
    assert all(r["model"].startswith("openai:") and r["raw_output"] for r in lines)
    session = json.loads(results.with_name(results.name.replace(".jsonl", ".sessions.jsonl")).read_text())
    assert session["concurrency"] == 3 and session["finished"] == 3
