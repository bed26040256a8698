"""Notes QA scoring on answers written the way capable models write them, for a real notes patient: a note's
phrase (chief complaint) and a note's lists (plan items, prescriptions); note section keys count as known."""

from pathlib import Path

import pytest

from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.gold import bundle_tasks
from medcite.evals.fhir.raw_notes import plan_items, prescribed, split_top_sections
from medcite.evals.fhir.scoring import Outcome, score_answer
from medcite.evals.fhir.tasks import FhirTask
from tests.conftest import NOTES_DIR

BUNDLE = NOTES_DIR / "new_york__ead2e08e-47c2-89a2-06d4-321a776c4d86.json"
LATEST = "DocumentReference/ddb1668e-db09-6f5b-5e95-ea57e2791fa9"
PRESCRIBING = "DocumentReference/30f8d1f1-3059-19a3-371c-f0396bd69c0f"
PLAN = (
    "The plan of the 2025-05-22 note lists:\n- Dental consultation and report\n- Dental care\n"
    "- Removal of supragingival plaque and calculus from all teeth using dental instrument\n"
    "- Removal of subgingival plaque and calculus from all teeth using dental instrument\n"
    "- Dental plain X-ray bitewing\n- Examination of gingivae\n"
    "- Restoration of tooth with coverage of all cusps using dental filling material\n- Oral health education\n"
    f"[{LATEST}#assessment-and-plan]"
)
CASES: list[tuple[str, str, Outcome]] = [
    (
        "note_chief_complaint",
        f'The chief complaint recorded on 2025-05-22 was "No complaints." [{LATEST}#chief-complaint]',
        "answered_correct",
    ),
    ("note_chief_complaint", f"**Chief complaint:** no complaints [{LATEST}#chief-complaint].", "answered_correct"),
    (
        "note_chief_complaint",
        f"The patient came in with a loose dental filling [{LATEST}#assessment-and-plan].",
        "answered_wrong",
    ),
    ("note_chief_complaint", "The record does not contain a chief complaint for that visit.", "abstained_wrong"),
    ("note_latest_plan", PLAN, "answered_correct"),
    ("note_latest_plan", PLAN.replace("- Oral health education\n", ""), "answered_wrong"),
    (
        "note_prescribed",
        f"The note prescribed 24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet and "
        f"lisinopril 10 MG Oral Tablet [{PRESCRIBING}#assessment-and-plan].",
        "answered_correct",
    ),
    (
        "note_prescribed",
        f"Lisinopril 10 mg oral tablet was prescribed [{PRESCRIBING}#assessment-and-plan].",
        "answered_wrong",
    ),
    (
        "note_prescribed",
        "Metformin and lisinopril, alongside simvastatin 20 MG Oral Tablet, clopidogrel 75 MG Oral "
        "Tablet, nitroglycerin 0.4 MG/ACTUAT Mucosal Spray and 24 HR metoprolol succinate 100 MG Extended Release Oral "
        "Tablet; 24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet; lisinopril 10 MG Oral Tablet.",
        "answered_wrong",
    ),  # a listing of the record's medications, not an answer
]


def _task(kind: str) -> FhirTask:
    return next(t for t in bundle_tasks(BUNDLE) if t.kind == kind)


@pytest.mark.parametrize(("kind", "text", "outcome"), CASES)
def test_notes_answers_get_their_outcome(kind: str, text: str, outcome: Outcome) -> None:
    score = score_answer(_task(kind), EvalAnswer(text=text))
    assert score.outcome == outcome, score.read_as


def test_cited_note_sections_are_known_keys_and_made_up_sections_are_not() -> None:
    text = f"No complaints [{LATEST}#chief-complaint] [{LATEST}#made-up] [DocumentReference/nope#plan]."
    score = score_answer(_task("note_chief_complaint"), EvalAnswer(text=text))
    assert score.citation_correct and score.cited_unknown == [f"{LATEST}#made-up", "DocumentReference/nope#plan"]


def test_raw_note_parts() -> None:
    text = "x\n# A\none\n## Sub\ntwo\n# B\nthree"
    assert split_top_sections(text) == {"A": "one\n## Sub\ntwo", "B": "three"}
    plan = (
        "Presenting with x.\n## Plan\nPatient was given the following immunizations: influenza, seasonal.\n"
        "The following procedures were conducted:\n- depression screening (procedure)\n- depression screening "
        "(procedure)\n- phq-2 [reported]\nThe patient was prescribed the following medications:\n- aspirin 81 mg"
        "\nFollow up."
    )
    assert plan_items(plan) == ["influenza, seasonal", "depression screening", "phq-2 (reported)", "aspirin 81 mg"]
    assert prescribed(plan) == ["aspirin 81 mg"] and prescribed("## Plan\n- a") == []


def test_note_tasks_only_for_bundles_with_notes(synthea_bundles: list[Path]) -> None:
    assert not any(t.kind.startswith("note_") for t in bundle_tasks(synthea_bundles[0]))
