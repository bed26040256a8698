"""Graph logic with a scripted fake chat model over a real Synthea bundle: routing, loop bound,
verification, flags, fallback, memory and audit. (Behaviour with real models is in tests/integration.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from medcite.agent.answer_templates import record_wording
from medcite.agent.assistant import Assistant
from medcite.core.errors import InputError
from medcite.core.evidence import ObservationFact
from medcite.core.safe_text import markdown_cited
from medcite.core.settings import Settings
from medcite.tools.fhir import facts, open_source
from tests.conftest import SYNTHEA_DIR
from tests.fakes import CapableScriptedChatModel, FakeScriptedChatModel

BUNDLE = SYNTHEA_DIR / "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json"
SOURCE = open_source(BUNDLE)
PID = SOURCE.patient_ids()[0]
EGFR = facts.observations(SOURCE, PID, "egfr", latest_n=5)  # newest first
BP = facts.observations(SOURCE, PID, "blood pressure", latest_n=1)[0]
LABELS = record_wording().labels
OTHER_BUNDLE = SYNTHEA_DIR / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"


def SETTINGS(tmp_path: Path) -> Settings:
    return Settings.from_env(max_steps=0, data_dir=tmp_path)


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
    # Removed sentences are reported by position, length and reason (a value or date named by a problem is
    # quoted: it has the grammar of a number or date), never quoted whole; an unknown key is not repeated.
    report = answer.model_dump_json()
    assert "not-in-record" not in report and "Potassium was" not in report and "9.9 mmol" not in report
    assert answer.checks[2].sentence == "(removed, 53 characters)"
    assert any(f.reason.startswith("draft sentence 3 of 3 (53 characters) removed: cites 1 key") for f in answer.flags)


def test_unverifiable_draft_gives_the_answer_rendered_from_the_record(tmp_path: Path) -> None:
    assistant, _ = bot(["He is perfectly healthy and needs nothing."], tmp_path, max_steps=0)
    answer = assistant.ask("What is the latest blood pressure?")
    assert (answer.basis, answer.fallback) == ("record", False)
    assert "perfectly healthy" not in answer.text
    (sentence,) = answer.sentences
    assert sentence.origin == "record" and sentence.keys[0] == BP.key and f"on {BP.date} [{BP.key}]" in sentence.text
    assert answer.text == f"{LABELS.record}\n{sentence.text}"
    kinds = {f.kind for f in answer.flags}
    assert "unverified_claim" in kinds and "incomplete" not in kinds


def test_a_question_of_no_recognised_kind_falls_back_to_the_matched_entries_only(tmp_path: Path) -> None:
    assistant, _ = bot(["He is perfectly healthy and needs nothing."], tmp_path, max_steps=0)
    answer = assistant.ask("How are his kidneys?")
    assert (answer.basis, answer.fallback, answer.sentences) == ("fallback", True, [])
    head, *lines = answer.text.splitlines()
    assert head == record_wording().fallback.with_entries
    creatinine = facts.observations(SOURCE, PID, "creatinine", latest_n=5) or [facts.no_observations("creatinine")]
    matched = [*EGFR, *creatinine]  # what the kidney rule searches (an empty search is its "none recorded" line)
    assert lines == [f"- {markdown_cited(e.text)}" for e in matched][:12]  # record text escaped as Markdown
    assert "Condition/" not in answer.text and "Patient/" not in answer.text  # gathered for every question, not matched
    assert any(f.kind == "incomplete" for f in answer.flags)


def test_a_capable_models_verified_answer_leads_and_the_record_answer_backs_it(tmp_path: Path) -> None:
    latest, earlier = EGFR[0], EGFR[1]
    assert isinstance(latest.fact, ObservationFact) and isinstance(earlier.fact, ObservationFact)
    draft = (
        f"His eGFR fell from {earlier.fact.values[0].text} on {earlier.date} "
        f"to {latest.fact.values[0].text} on {latest.date} [{latest.key}]."
    )
    model = CapableScriptedChatModel(outputs=[draft])
    answer = Assistant(
        source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=SETTINGS(tmp_path)
    ).ask("What is his latest eGFR?")
    assert answer.basis == "model" and [c.status for c in answer.checks] == ["verified"]
    assert [s.origin for s in answer.sentences] == ["model", "record"]
    record = answer.sentences[1]
    assert record.keys == [latest.key, earlier.key] and latest.fact.values[0].text in record.text
    text = answer.text
    shown = [LABELS.model, markdown_cited(draft), LABELS.record, markdown_cited(record.text)]
    assert [text.index(part) for part in shown] == sorted(text.index(part) for part in shown)


HYPERTENSION = "Condition/0894e750-c11a-49d4-848d-cbd4873da9fa"


@pytest.mark.parametrize("wrong", ["answers about another entry", "a value not in the record"])
def test_a_capable_models_wrong_answer_is_replaced_by_the_record_answer(wrong: str, tmp_path: Path) -> None:
    latest = EGFR[0]
    if wrong == "answers about another entry":  # verifies, but does not rest on the eGFR the record answer cites
        draft = f"He has had hypertension since 2011-03-27 [{HYPERTENSION}]."
    else:
        draft = f"His most recent eGFR was 41.2 mL/min/{{1.73_m2}} on {latest.date} [{latest.key}]."
    model = CapableScriptedChatModel(outputs=[draft])
    answer = Assistant(
        source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=SETTINGS(tmp_path)
    ).ask("What is his latest eGFR?")
    assert answer.basis == "record" and [s.origin for s in answer.sentences] == ["record"]
    assert draft not in answer.text and answer.sentences[0].keys[0] == latest.key
    removed = [f for f in answer.flags if f.kind == "removed_claim"]
    if wrong == "answers about another entry":
        assert answer.checks[0].status == "verified"
        assert (
            removed[-1].keys == [latest.key] and "replaced by the answer rendered from the record" in removed[-1].reason
        )
    else:
        assert answer.checks[0].status != "verified" and "41.2" in removed[0].reason


def test_an_abstention_backed_by_empty_searches_is_an_abstention_not_a_fallback(tmp_path: Path) -> None:
    assert not facts.observations(SOURCE, PID, "hba1c") and not facts.observations(SOURCE, PID, "glucose")
    assistant, _ = bot(["No HbA1c or glucose results are recorded for him."], tmp_path, max_steps=0)
    answer = assistant.ask("Does he have diabetes?")  # the diabetes rule searches HbA1c and glucose
    assert (answer.basis, answer.fallback) == ("abstention", False)
    assert [(s.origin, s.abstention) for s in answer.sentences] == [
        ("model", True),
        ("record", False),
        ("record", False),
    ]
    assert [k for s in answer.sentences for k in s.keys] == ["none:observations-hba1c", "none:observations-glucose"]
    assert answer.text.startswith(LABELS.abstention)


def test_an_abstention_about_one_empty_search_is_an_abstention_too(tmp_path: Path) -> None:
    assert EGFR and not facts.observations(SOURCE, PID, "creatinine")  # the kidney rule finds one, not the other
    assistant, _ = bot(["No creatinine results are recorded for him."], tmp_path, max_steps=0)
    answer = assistant.ask("How are his kidneys?")
    assert (answer.basis, answer.fallback) == ("abstention", False) and answer.checks[0].status == "abstention"
    assert [k for s in answer.sentences for k in s.keys] == ["none:observations-creatinine"]


def test_an_abstention_the_record_contradicts_is_replaced(tmp_path: Path) -> None:
    patria = open_source(OTHER_BUNDLE)
    (pid,) = patria.patient_ids()
    latest = facts.observations(patria, pid, "hba1c")[0]
    model = FakeScriptedChatModel(outputs=["No HbA1c result is recorded in the chart."])
    answer = Assistant(
        source=patria, model=model, retriever=False, checkpointer=InMemorySaver(), settings=SETTINGS(tmp_path)
    ).ask("Is there an HbA1c on file?")
    assert answer.basis == "record" and answer.sentences[0].text.startswith("Yes: the most recent ")
    assert answer.sentences[0].keys[0] == latest.key
    removed = [f for f in answer.flags if f.kind == "removed_claim"]
    assert any("says no HbA1c is recorded, but the record has" in f.reason for f in removed)
    assert not any("No HbA1c result" in f.reason for f in removed)  # a flag never quotes model text


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


HYPERTENSION = "Condition/0894e750-c11a-49d4-848d-cbd4873da9fa"


def test_the_prompt_shows_handles_and_the_answer_cites_keys(tmp_path: Path) -> None:
    """A capable model cites the short handles the prompt shows; the checked answer carries the record keys."""
    draft = "Hypertension is active since 2011-03-27 [E2]. He has hypertension and obesity [E2, E3]."
    assistant, model = bot([draft], tmp_path)
    summary = assistant.summarize()
    prompt = model.requests[0][0][-1]["content"]
    assert "\n[E2] Hypertension: active, onset 2011-03-27\n" in prompt and HYPERTENSION not in prompt
    assert f"Hypertension is active since 2011-03-27 [{HYPERTENSION}]." in (summary.synopsis or "")
    assert [c.status for c in summary.checks] == ["verified", "verified"] and HYPERTENSION in summary.cited_keys()
    assert f"[{HYPERTENSION}, Condition/4440bfe4-b752-4c5e-b113-e0a38067d3dd]" in summary.text


def test_constrained_drafts_choose_among_the_handles_shown(tmp_path: Path) -> None:
    reply = '{"sentences": [{"text": "Hypertension is active since 2011-03-27.", "cite": ["E2"]}]}'
    model = FakeScriptedChatModel(outputs=[reply], constrains=True)
    settings = Settings.from_env(data_dir=tmp_path)
    summary = Assistant(
        source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=settings
    ).summarize()
    schema = model.requests[0][1]
    assert schema is not None
    handles = schema["properties"]["sentences"]["items"]["properties"]["cite"]["items"]["enum"]
    assert handles[:3] == ["E1", "E2", "E3"] and all(h.startswith("E") for h in handles)
    assert summary.synopsis == f"Hypertension is active since 2011-03-27 [{HYPERTENSION}]."
    log = tmp_path / "runs" / f"{summary.trace_id}.jsonl"
    (shown,) = [json.loads(line) for line in log.read_text().splitlines() if '"prompt_evidence"' in line]
    assert shown["keys"][:2] == [f"Patient/{PID}", HYPERTENSION] and shown["tokens"] <= shown["budget"] == 1500


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


class NativeToolCallFake(FakeScriptedChatModel):
    """A backend with native tool calling that returns whatever tool names it likes (none validated)."""

    calls: list[list[dict[str, Any]]] = Field(default_factory=list)

    def _tool_turn(self, messages: Any, specs: Any, tool_choice: Any, stop: Any) -> AIMessage:
        calls = self.calls.pop(0) if self.calls else []
        requested = [{**c, "id": f"c{i}", "type": "tool_call"} for i, c in enumerate(calls)]
        return AIMessage(content="", tool_calls=requested)


def test_reason_runs_only_registered_tools_and_never_quotes_the_others(tmp_path: Path) -> None:
    model = NativeToolCallFake(
        outputs=["Hypertension is active [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."],
        calls=[[{"name": "delete_records", "args": {"all": True}}, {"name": "list_procedures", "args": {}}]],
    )
    settings = Settings.from_env(max_steps=1, data_dir=tmp_path)
    assistant = Assistant(source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=settings)
    answer = assistant.ask("What is going on?")
    events = [json.loads(x) for x in (tmp_path / "runs" / f"{answer.trace_id}.jsonl").read_text().splitlines()]
    executed = [e["tool"] for e in events if e["event"] == "tool_start"]
    assert "delete_records" not in executed and executed.count("list_procedures") == 1
    refused = [e for e in events if e["event"] == "tool_request_refused"]
    assert refused and refused[0]["calls"][0]["name"] == "delete_records"  # the audit log keeps it
    (flag,) = [f for f in answer.flags if f.kind == "tool_error"]
    assert flag.reason.startswith("1 tool call(s) of the model named no available tool") and "delete" not in flag.reason
