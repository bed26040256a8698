"""Limits of one run and data at rest, with the named scripted model over a real Synthea bundle: the
tool-call budget, the audit trail without record content, owner-only files, whole-or-nothing outputs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.agent.output import FORMATS, write_outputs
from medcite.core.errors import InputError
from medcite.core.evidence import ObservationFact
from medcite.core.settings import Settings
from tests.fakes import FakeScriptedChatModel
from tests.unit.agent.test_graph_logic import BP, SOURCE

HYPERTENSION = "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assistant(tmp_path: Path, outputs: list[str], **settings: object) -> Assistant:
    return Assistant(
        source=SOURCE,
        model=FakeScriptedChatModel(outputs=outputs),
        retriever=False,
        checkpointer=InMemorySaver(),
        settings=Settings.from_env(data_dir=tmp_path / "data", **settings),
    )


def test_tool_calls_past_the_run_limit_are_refused_and_flagged(tmp_path: Path) -> None:
    """The question plans three record tools; the model asks for one more. With a limit of 2, the third
    planned call and the model's call are refused, each named in a tool_error flag; the run still answers."""
    bot = _assistant(
        tmp_path,
        ['{"tool": "list_allergies", "arguments": {}}', HYPERTENSION],
        max_tool_calls=2,
        max_steps=1,
    )
    answer = bot.ask("What is the latest HbA1c?")
    refused = [f.reason for f in answer.flags if f.kind == "tool_error" and "MEDCITE_MAX_TOOL_CALLS" in f.reason]
    assert len(refused) == 2, answer.flags
    assert any(r.startswith("search_observations failed: search_observations was not run") for r in refused)
    assert any("list_allergies was not run: this run reached its limit of 2 tool calls" in r for r in refused)
    assert not [f for f in answer.flags if f.kind == "missing_data"]  # a refused search says nothing of the record
    assert answer.checks[0].status == "verified"
    events = [json.loads(line) for line in (tmp_path / "data" / "runs" / f"{answer.trace_id}.jsonl").open()]
    assert [e["tool"] for e in events if e["event"] == "tool_end"] == ["get_patient", "list_conditions"]


def test_each_run_gets_the_whole_tool_budget(tmp_path: Path) -> None:
    bot = _assistant(tmp_path, [HYPERTENSION, HYPERTENSION], max_tool_calls=3, max_steps=0)
    for _ in range(2):
        answer = bot.ask("What is the latest HbA1c?")
        assert not [f for f in answer.flags if f.kind == "tool_error"], answer.flags


def test_audit_without_content_keeps_questions_outputs_and_record_text_out(tmp_path: Path) -> None:
    question = "Is the zebra-striped rash in the record?"
    assert isinstance(BP.fact, ObservationFact)
    systolic = next(v for v in BP.fact.values if v.label and "Systolic" in v.label).text
    kept = _assistant(tmp_path / "kept", [HYPERTENSION], max_steps=0)
    withheld = _assistant(tmp_path / "withheld", [HYPERTENSION], max_steps=0, audit_content=False)
    logs = {}
    for name, bot in (("kept", kept), ("withheld", withheld)):
        answer = bot.ask(question + " What is the latest blood pressure?")
        logs[name] = (tmp_path / name / "data" / "runs" / f"{answer.trace_id}.jsonl").read_text()
    assert "zebra-striped" in logs["kept"] and "Hypertension is active" in logs["kept"] and systolic in logs["kept"]
    for text in ("zebra-striped", "Hypertension is active", systolic, "Hemoglobin"):
        assert text not in logs["withheld"], text
    events = [json.loads(line) for line in logs["withheld"].splitlines()]
    start = next(e for e in events if e["event"] == "run_start")
    assert start["question"].startswith("[withheld: ") and start["patient"] == SOURCE.patient_ids()[0]
    assert [e["node"] for e in events if e["event"] == "node_end"][:2] == ["gather", "reason"]
    evidence = next(e for e in events if e["event"] == "evidence")
    assert BP.key in evidence["keys"]  # citation keys stay: they say what was read, not what it says
    call = next(e for e in events if e["event"] == "model_call")
    assert call["output"].startswith("[withheld: ") and call["prompt_chars"] > 100


def test_data_dir_conversations_and_audit_logs_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings.from_env(data_dir=data, max_steps=0)
    model = FakeScriptedChatModel(outputs=[HYPERTENSION, HYPERTENSION])
    first = Assistant(source=SOURCE, model=model, retriever=False, settings=settings)  # SQLite conversations
    first.ask("What conditions does he have?")
    (data / "conversations.sqlite").chmod(0o644)  # as an older version left it
    again = Assistant(source=SOURCE, model=model, retriever=False, settings=settings)
    answer = again.ask("And since when?")
    assert _mode(data) == 0o700 and _mode(data / "runs") == 0o700
    files = [*data.glob("conversations.sqlite*"), *(data / "runs").glob("*.jsonl")]
    assert len(files) >= 3 and (data / "runs" / f"{answer.trace_id}.jsonl") in files
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_summary_outputs_are_owner_only_and_written_all_or_none(tmp_path: Path) -> None:
    summary = _assistant(tmp_path, [HYPERTENSION]).summarize()
    written = write_outputs(summary, tmp_path / "out", list(FORMATS))
    assert [p.name for p in written] == ["summary.md", "summary.json", "summary.fhir.json"]
    assert all(_mode(p) == 0o600 for p in written)

    # a real write failure on the last file (its temporary name is over the file-name limit): none is written
    stem = "s" * 235
    with pytest.raises(InputError, match=r"cannot write the outputs to .*out2: File name too long"):
        write_outputs(summary, tmp_path / "out2", list(FORMATS), stem=stem)
    assert not (tmp_path / "out2").exists()

    (tmp_path / "out3" / "summary.json").mkdir(parents=True)
    with pytest.raises(InputError, match=r"summary\.json: a folder of that name is in the way"):
        write_outputs(summary, tmp_path / "out3", list(FORMATS))
    assert [p.name for p in (tmp_path / "out3").iterdir()] == ["summary.json"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"--out .*file is a file, not a folder"):
        write_outputs(summary, tmp_path / "file", ["md"])
