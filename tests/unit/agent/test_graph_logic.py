"""Graph logic with a scripted fake chat model over a real Synthea bundle: routing, loop bound,
verification, flags, fallback, memory and audit. (Behaviour with real models is in tests/integration.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.core.errors import InputError
from medcite.core.evidence import ObservationFact
from medcite.core.settings import Settings
from medcite.tools.fhir import facts, open_source
from tests.conftest import SYNTHEA_DIR
from tests.fakes import FakeScriptedChatModel

BUNDLE = SYNTHEA_DIR / "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json"
SOURCE = open_source(BUNDLE)
PID = SOURCE.patient_ids()[0]
EGFR = facts.observations(SOURCE, PID, "egfr", latest_n=5)  # newest first
BP = facts.observations(SOURCE, PID, "blood pressure", latest_n=1)[0]


def bot(outputs: list[str], tmp_path: Path, max_steps: int = 2) -> tuple[Assistant, FakeScriptedChatModel]:
    model = FakeScriptedChatModel(outputs=outputs)
    settings = Settings.from_env(max_steps=max_steps, data_dir=tmp_path)
    return Assistant(
        source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=settings
    ), model


def test_tool_round_trip_adds_evidence_the_draft_can_cite(tmp_path: Path) -> None:
    older = EGFR[-1]
    assert isinstance(older.fact, ObservationFact)
    value = float(older.fact.values[0].text.split()[0])  # as displayed in the evidence line
    outputs = [
        '{"tool": "search_observations", "arguments": {"code_or_name": "egfr"}}',
        '{"answer": "ready"}',
        f"Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]. "
        f"An earlier eGFR was {value:g} on {older.date} [{older.key}].",
    ]
    assistant, model = bot(outputs, tmp_path)
    answer = assistant.ask("How is he doing overall?")
    assert older.key in answer.cited_keys() and not answer.fallback
    assert [c.status for c in answer.checks] == ["verified", "verified"]
    assert len(model.requests) == 3 and model.outputs == []
    assert model.requests[0][0][0]["content"].count('"name": "search_observations"') == 1


def test_loop_is_bounded_and_says_so(tmp_path: Path) -> None:
    call = '{"tool": "list_procedures", "arguments": {}}'
    assistant, model = bot(
        [call, call, "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."], tmp_path, max_steps=2
    )
    answer = assistant.ask("What happened?")
    assert len(model.requests) == 3
    assert any(f.kind == "incomplete" and "stopped after 2 tool steps" in f.reason for f in answer.flags)
    assert answer.checks[0].status == "verified"


def test_unusable_tool_calls_become_a_flag_not_a_crash(tmp_path: Path) -> None:
    assistant, _ = bot(
        [
            '{"tool": "search_observations", "arguments": {"code_or_name": ',
            '{"tool": "drop_db"}',
            "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa].",
        ],
        tmp_path,
        max_steps=1,
    )
    answer = assistant.ask("What is going on?")
    assert any(f.kind == "tool_error" and "unusable" in f.reason for f in answer.flags)
    assert "[Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]" in answer.text


def test_planted_false_number_and_citation_are_caught(tmp_path: Path) -> None:
    assert isinstance(BP.fact, ObservationFact)
    systolic = float(next(v for v in BP.fact.values if v.label and "Systolic" in v.label).text.split()[0])
    draft = (
        f"Systolic blood pressure was {systolic:g} mm(Hg) on {BP.date} [{BP.key}]. "
        f"Systolic blood pressure was {systolic + 31:g} mm(Hg) [{BP.key}]. "
        "Potassium was 9.9 mmol/L [Observation/not-in-record]."
    )
    assistant, _ = bot([draft], tmp_path, max_steps=0)
    answer = assistant.ask("What is the latest blood pressure?")
    assert [c.status for c in answer.checks] == ["verified", "unsupported_value", "unknown_citation"]
    assert f"{systolic + 31:g}" not in answer.text and "not-in-record" not in answer.text.split("### ")[0]
    kinds = [f.kind for f in answer.flags]
    assert kinds.count("removed_claim") == 2
    assert answer.cited_keys()[0] == BP.key


def test_unverifiable_draft_falls_back_to_cited_record_lines(tmp_path: Path) -> None:
    assistant, _ = bot(["He is perfectly healthy and needs nothing."], tmp_path, max_steps=0)
    answer = assistant.ask("What is the latest blood pressure?")
    assert answer.fallback
    assert "perfectly healthy" not in answer.text
    assert f"- [{BP.key}]" in answer.text
    assert {"unverified_claim", "incomplete"} <= {f.kind for f in answer.flags}


def test_missing_data_is_flagged(tmp_path: Path) -> None:
    assistant, _ = bot(["No allergies are recorded."], tmp_path, max_steps=0)
    answer = assistant.ask("Is he allergic to anything?")
    assert answer.checks[0].status == "abstention"
    assert any(f.kind == "missing_data" and "allergies" in f.reason for f in answer.flags)


def test_conversation_memory_across_turns(tmp_path: Path) -> None:
    first = "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."
    assistant, model = bot([first, "This is not found in the record."], tmp_path, max_steps=0)
    assistant.ask("What conditions does he have?", thread_id="t1")
    assistant.ask("And since when?", thread_id="t1")
    second_prompt = model.requests[1][0][-1]["content"]
    assert "Earlier in this conversation" in second_prompt and "What conditions does he have?" in second_prompt


def test_flags_are_raised_once_and_start_afresh_each_turn(tmp_path: Path) -> None:
    good = "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."
    planted = f"{good} He smokes 40 a day [Condition/x]."
    assistant, _ = bot([planted, good], tmp_path, max_steps=0)
    first = assistant.ask("What conditions does he have?", thread_id="t-flags")
    assert [f.kind for f in first.flags].count("removed_claim") == 1
    assert len({(f.kind, f.reason) for f in first.flags}) == len(first.flags)
    second = assistant.ask("What conditions does he have now?", thread_id="t-flags")
    assert "removed_claim" not in {f.kind for f in second.flags}


OTHER_BUNDLE = SYNTHEA_DIR / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"


def test_memory_never_crosses_patients(tmp_path: Path) -> None:
    """Without --thread each patient has a conversation of its own; a thread never continues with another."""
    first = "Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."
    model = FakeScriptedChatModel(outputs=[first, "This is not found in the record.", first])
    settings = Settings.from_env(max_steps=0, data_dir=tmp_path)
    saver = InMemorySaver()
    edward = Assistant(source=SOURCE, model=model, retriever=False, checkpointer=saver, settings=settings)
    patria = Assistant(source=OTHER_BUNDLE, model=model, retriever=False, checkpointer=saver, settings=settings)
    assert edward.default_thread != patria.default_thread
    edward.ask("What conditions does Edward have?")
    patria.ask("What conditions does she have?")
    second_prompt = model.requests[1][0][-1]["content"]
    assert "Earlier in this conversation" not in second_prompt
    assert "Edward" not in second_prompt and "0894e750" not in second_prompt
    edward.ask("And since when?")  # his own conversation continues
    assert "What conditions does Edward have?" in model.requests[2][0][-1]["content"]
    with pytest.raises(InputError, match="belongs to another patient"):
        patria.ask("And since when?", thread_id=edward.default_thread)
    with pytest.raises(InputError, match="belongs to another patient"):
        next(patria.stream("And since when?", thread_id=edward.default_thread))


def test_summary_sections_come_from_the_record_and_export_validates(tmp_path: Path) -> None:
    assistant, _ = bot(
        ["Hypertension is active since 2011-03-27 [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."], tmp_path
    )
    summary = assistant.summarize()
    titles = [s.title for s in summary.sections]
    assert titles[:3] == ["Patient", "Active problems", "Active medications"]
    assert summary.synopsis and summary.synopsis.startswith("Hypertension is active since 2011-03-27")
    active = next(s for s in summary.sections if s.title == "Active problems")
    problems, findings = facts.problems_and_findings(SOURCE, PID, "active")
    assert active.keys == [e.key for e in problems]
    assert sorted(active.keys + [e.key for e in findings]) == sorted(e.key for e in facts.conditions(SOURCE, PID))
    from medcite.agent.output import render

    bundle = json.loads(render(summary, "fhir"))
    composition, provenance = (e["resource"] for e in bundle["entry"])
    assert {"reference": active.keys[0]} in next(s for s in composition["section"] if s["title"] == "Active problems")[
        "entry"
    ]
    assert provenance["target"][0]["reference"] == f"Composition/{composition['id']}"
    assert provenance["agent"][0]["who"]["display"].startswith("medcite 0.1.0 (model ")
    assert {"role": "source", "what": {"reference": active.keys[0]}} in provenance["entity"]


def test_audit_trail_records_nodes_tools_and_model_calls(tmp_path: Path) -> None:
    assistant, _ = bot(
        ['{"tool": "list_allergies", "arguments": {}}', "No allergies are recorded."], tmp_path, max_steps=1
    )
    answer = assistant.ask("Any allergies?")
    log = tmp_path / "runs" / f"{answer.trace_id}.jsonl"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    nodes = [e["node"] for e in events if e["event"] == "node_end"]
    assert nodes == ["gather", "reason", "absorb", "reason", "draft", "verify", "flag", "finalize"]
    calls = [e for e in events if e["event"] == "model_call"]
    assert len(calls) == 2 and all(c["prompt_chars"] > 100 and "duration_s" in c for c in calls)
    assert any(e["event"] == "tool_start" and e["tool"] == "list_allergies" for e in events)
    assert any(e["event"] == "tool_end" and e["tool"] == "list_allergies" for e in events)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_a_user_error(question: str, tmp_path: Path) -> None:
    assistant, _ = bot([], tmp_path)
    with pytest.raises(InputError, match="empty"):
        assistant.ask(question)
    with pytest.raises(InputError, match="empty"):
        next(assistant.stream(question))
