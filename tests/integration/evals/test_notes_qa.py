"""FHIR QA from clinical notes on the 14 notes bundles: golds from the raw decoded note text, the oracle and the
record-dump baseline through the scorer, and a capable drafter through the whole agent (gather, search_notes,
read_notes, verification)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.core.settings import Settings
from medcite.evals.answers import to_eval_answer
from medcite.evals.fhir.dump import dump_factory
from medcite.evals.fhir.gold import generate_tasks
from medcite.evals.fhir.notes_gold import NOTE_KINDS
from medcite.evals.fhir.oracle import oracle_answer
from medcite.evals.fhir.scoring import score_answer
from medcite.evals.fhir.tasks import FhirTask
from medcite.evals.registry import AgentEnv
from tests.fakes import FakeScriptedChatModel

HAND_READ = "new_york__ead2e08e-47c2-89a2-06d4-321a776c4d86"


@pytest.fixture(scope="module")
def note_tasks(notes_bundles: list[Path]) -> list[FhirTask]:
    return [t for t in generate_tasks(notes_bundles) if t.kind in NOTE_KINDS]


def test_each_bundle_gets_the_three_notes_questions_with_golds_from_the_note_text(note_tasks: list[FhirTask]) -> None:
    assert len(note_tasks) == 42 and {t.kind for t in note_tasks} == set(NOTE_KINDS)
    by_id = {t.id: t for t in note_tasks if t.id.startswith(HAND_READ)}
    complaint = by_id[f"{HAND_READ}#note_chief_complaint-1"]
    assert complaint.question == "According to the clinical note of 2025-05-22, what was the patient's chief complaint?"
    assert complaint.gold.value == "No complaints."
    assert complaint.gold.resource_keys == ["DocumentReference/ddb1668e-db09-6f5b-5e95-ea57e2791fa9#chief-complaint"]
    plan = by_id[f"{HAND_READ}#note_latest_plan-1"].gold
    assert plan.value[:3] == [  # as written under '## Plan' of the 2025-05-22 note, semantic tags dropped
        "dental consultation and report",
        "dental care",
        "removal of supragingival plaque and calculus from all teeth using dental instrument",
    ]
    assert len(plan.value) == 8
    prescribed = by_id[f"{HAND_READ}#note_prescribed-1"]
    assert prescribed.question.endswith("clinical note of 2025-05-08 say were prescribed?")
    assert prescribed.gold.value == [
        "24 hr metformin hydrochloride 500 mg extended release oral tablet",
        "lisinopril 10 mg oral tablet",
    ]


def test_the_oracle_answers_every_notes_task_and_the_record_dump_none(note_tasks: list[FhirTask]) -> None:
    oracle = [score_answer(t, oracle_answer(t)) for t in note_tasks]
    assert all(s.outcome == "answered_correct" and s.citation_correct and not s.cited_unknown for s in oracle)
    dump = dump_factory(AgentEnv(settings=Settings.from_env()))
    dumped = [score_answer(t, to_eval_answer(dump(t))) for t in note_tasks]
    assert not any(s.outcome == "answered_correct" for s in dumped)


@pytest.mark.slow
def test_a_capable_drafter_through_the_agent_answers_every_notes_task(
    note_tasks: list[FhirTask], tmp_path: Path
) -> None:
    """A named scripted model that answers as a capable model would (the gold, cited to its section): the planner
    must gather that section (search_notes on the day asked, read_notes for the latest note) and the verifier
    must keep the sentence, or the task fails."""
    assistants: dict[Path, Assistant] = {}
    failed = []
    for task in note_tasks:
        model = FakeScriptedChatModel(outputs=['{"answer": "ready"}', oracle_answer(task).text])
        if task.bundle not in assistants:
            assistants[task.bundle] = Assistant(
                source=str(task.bundle),
                patient_id=task.patient_id,
                model=model,
                retriever=False,
                checkpointer=InMemorySaver(),
                settings=Settings.from_env(data_dir=tmp_path),
            )
        assistant = assistants[task.bundle]
        assistant.model = model
        answer = assistant.ask(task.question, thread_id=f"eval-{task.id}")
        score = score_answer(task, to_eval_answer(answer))
        if not (score.outcome == "answered_correct" and score.citation_correct):
            failed.append((task.id, score.read_as, [str(f) for f in answer.flags]))
    assert failed == []
