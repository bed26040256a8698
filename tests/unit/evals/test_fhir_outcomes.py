"""Outcome classes of the FHIR QA scorer on answers written the way capable models write them, for real
Synthea patients: answered-correct, answered-wrong (wrong value, several candidates, a listing of the
record), abstained right and wrong, and fallback (decided by the answer's typed mark, never by its words)."""

from pathlib import Path

import pytest

from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.gold import bundle_tasks
from medcite.evals.fhir.scoring import Outcome, score_answer
from medcite.evals.fhir.tasks import FhirTask

BIRGIT = "Birgit_Schmeler_7e8ee10e-569b-4229-9380-62c49244902c.json"
KERMIT = "Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json"
BRUNO = "Bruno_Bernhard_4c627fdd-8f65-4ba2-b498-b432c57e70fe.json"  # medication orders, none active
NOEL = "Noel_Reynolds_368d6c9b-be99-45a0-a126-ae796bc32eac.json"  # no medication orders at all
CHOL = "[Observation/0110483f-ab98-4396-a01b-003ffc1227cd]"
CHOL_2015 = "[Observation/bbb5c7dc-04b2-46f6-a8b4-0908e318868f]"
LDL = "[Observation/25e02321-9500-421e-a437-4252b419156c]"
OBESITY = "[Condition/618222a9-796f-4676-b1a4-2db1c132c837]"
MEDS = (
    "[MedicationRequest/f7e4c00a-5cc9-4d27-b72b-0fd5c54f15af] [MedicationRequest/31a5c0ed-ca08-4179-b7ad-f5773ee2aa65]"
)
FALLBACK_HEADER = (
    "The model's answer could not be verified against the evidence, so no model text is shown. Record entries "
    "and passages gathered for this question:"
)
# The agent's fallback for "most recent total cholesterol", as measured: three conditions, two LDL and two
# total-cholesterol values; the gold value and date are in it.
GATHERED = "\n".join(
    [
        "- [Condition/618222a9-796f-4676-b1a4-2db1c132c837] Body mass index 30+ - obesity (finding) (SNOMED "
        "162864005): active, onset 1998-01-18",
        "- [Condition/5b31c551-33c7-4237-8e56-9b4a47a85a33] Chronic intractable migraine without aura (SNOMED "
        "124171000119105): active, onset 2007-01-13",
        "- [Condition/3f9fc322-ab36-4334-ae68-f33d7b5c4f77] Chronic obstructive bronchitis (disorder) (SNOMED "
        "185086009): active, onset 2009-05-31",
        f"- {LDL} 2018-05-20 Low Density Lipoprotein Cholesterol (LOINC 18262-6): 75.53 mg/dL",
        "- [Observation/c2af8d89-7fef-48c8-a2cc-87efe3f1425b] 2015-05-03 Low Density Lipoprotein Cholesterol "
        "(LOINC 18262-6): 106.9 mg/dL",
        f"- {CHOL} 2018-05-20 Total Cholesterol (LOINC 2093-3): 171.9 mg/dL",
        f"- {CHOL_2015} 2015-05-03 Total Cholesterol (LOINC 2093-3): 198.1 mg/dL",
    ]
)

SEVERAL = (
    f"Total cholesterol results: 171.9 mg/dL (2018-05-20) {CHOL}; 198.1 mg/dL (2015-05-03) "
    f"{CHOL_2015}; 177 mg/dL (2011-06-05)."
)
LISTING = (  # the right value, then other record entries
    f"The latest total cholesterol is 171.9 mg/dL on 2018-05-20 {CHOL}. The record also "
    "holds: Body Height 161.9 cm; Body Weight 75.96 kg; Body Mass Index 28.97 kg/m2; Triglycerides 134.4 mg/dL; "
    "Oral temperature 37.85 Cel."
)

CASES: list[tuple[str, str, str, Outcome]] = [
    # (bundle, task, answer text, outcome)
    # --- answered-correct
    (
        BIRGIT,
        "latest_lab-1",
        f"The most recent total cholesterol was 171.9 mg/dL, measured on 2018-05-20 {CHOL}.",
        "answered_correct",
    ),
    (
        BIRGIT,
        "latest_lab-1",
        f"Her most recent total cholesterol result is **171.87 mg/dL** (May 20, 2018) {CHOL}, "
        f"down from 198.1 mg/dL on 2015-05-03 {CHOL_2015}.",
        "answered_correct",
    ),
    (
        BIRGIT,
        "latest_lab-1",
        f"The latest total cholesterol is 171.9 mg/dL on 2018-05-20 {CHOL}. This is within the "
        "desirable range (below 200 mg/dL).",
        "answered_correct",
    ),
    (
        BIRGIT,
        "latest_lab-2",
        f"LDL cholesterol: 75.5 mg/dL on 2018-05-20 {LDL}. Previously 106.9 mg/dL (2015-05-03).",
        "answered_correct",
    ),
    (
        BIRGIT,
        "active_med_count-1",
        "The patient has 2 active medication orders: ferrous sulfate 325 MG oral tablet "
        f"and a fluticasone/salmeterol dry powder inhaler {MEDS}.",
        "answered_correct",
    ),
    (BIRGIT, "active_med_count-1", f"Two active orders are recorded {MEDS}.", "answered_correct"),
    (
        BIRGIT,
        "condition_active-1",
        f"Yes — obesity (BMI 30+) is recorded as an active condition since 1998-01-18 {OBESITY}.",
        "answered_correct",
    ),
    (
        BIRGIT,
        "condition_active-2",
        "No. Acute viral pharyngitis is resolved; the latest episode abated on "
        "2017-03-11 [Condition/724fbd7d-56df-48e4-a60b-23468a7dce2b].",
        "answered_correct",
    ),
    (
        BIRGIT,
        "condition_active-1",
        f"Yes, it is active {OBESITY}. There is no record of it being resolved.",
        "answered_correct",
    ),
    (
        BIRGIT,
        "last_encounter-2",
        "The most recent ambulatory encounter was a check-up on 2020-05-31 "
        "[Encounter/66d52cde-a5b5-4bdd-a4f1-62927692763c].",
        "answered_correct",
    ),
    (
        BIRGIT,
        "last_encounter-1",
        "Her most recent inpatient stay began on 2007-01-13 and she was discharged on "
        "2007-01-14 [Encounter/dd770a46-9121-47d3-9c58-783e0a1d769c].",
        "answered_correct",
    ),
    (
        BIRGIT,
        "last_encounter-1",
        "The last inpatient encounter ran from January 13, 2007 to January 14, 2007 "
        "[Encounter/dd770a46-9121-47d3-9c58-783e0a1d769c].",
        "answered_correct",
    ),
    (
        BIRGIT,
        "trend-1",
        f"Decreasing: total cholesterol fell from 198.1 mg/dL (2015-05-03) to 171.9 mg/dL "
        f"(2018-05-20) {CHOL_2015} {CHOL}.",
        "answered_correct",
    ),
    (
        KERMIT,
        "allergy_list-1",
        "Three allergies are recorded: bee venom [AllergyIntolerance/802da608-1336-43bb-bc33-"
        "25f1b2e8a8f0], shellfish [AllergyIntolerance/6cb079b0-0862-492a-b41f-5462611a3c4f] and peanuts "
        "[AllergyIntolerance/d8447579-83ad-4423-8256-b09732bd1dcf].",
        "answered_correct",
    ),
    (
        KERMIT,
        "allergy_list-1",
        "Recorded allergies:\n- Allergy to bee venom\n- Shellfish allergy\n- Allergy to peanuts",
        "answered_correct",
    ),
    (
        BIRGIT,
        "latest_lab-1",
        "**Most recent total cholesterol:** 171.87 mg/dL\n**Date:** 2018-05-20",
        "answered_correct",
    ),
    (
        BIRGIT,
        "latest_lab-1",
        f"The most recent total cholesterol result was 171.9 mg/dL {CHOL}. It was measured on 2018-05-20 {CHOL}.",
        "answered_correct",
    ),
    (BIRGIT, "active_med_count-1", "2", "answered_correct"),
    (
        BRUNO,
        "active_med_count-1",
        "The patient has no active medication orders; both recorded orders are stopped.",
        "answered_correct",
    ),
    # --- answered-wrong: a wrong value
    (
        BIRGIT,
        "latest_lab-1",
        f"The most recent total cholesterol was 198.1 mg/dL on 2015-05-03 {CHOL_2015}.",
        "answered_wrong",
    ),
    (BIRGIT, "active_med_count-1", "The patient has 3 active medication orders.", "answered_wrong"),
    (BIRGIT, "condition_active-1", "No, it has resolved.", "answered_wrong"),
    (BIRGIT, "trend-1", "Total cholesterol is stable.", "answered_wrong"),
    (KERMIT, "allergy_list-1", "The patient is allergic to bee venom and shellfish.", "answered_wrong"),
    (BIRGIT, "absent_lab-1", "The most recent hemoglobin A1c was 5.8 % on 2018-05-20.", "answered_wrong"),
    (BIRGIT, "absent_allergy-1", "The patient is allergic to penicillin.", "answered_wrong"),
    # --- answered-wrong: several candidates for the asked item (the gold among them)
    (
        BIRGIT,
        "latest_lab-1",
        SEVERAL,
        "answered_wrong",
    ),
    (BIRGIT, "latest_lab-1", "- 2018-05-20: 171.9 mg/dL\n- 2015-05-03: 198.1 mg/dL", "answered_wrong"),
    (
        BIRGIT,
        "latest_lab-1",
        "Total cholesterol was 171.9 mg/dL on 2018-05-20 and 198.1 mg/dL on 2015-05-03.",
        "answered_wrong",
    ),
    (BIRGIT, "latest_lab-1", GATHERED, "answered_wrong"),  # the fallback's lines without the fallback mark
    (
        BIRGIT,
        "last_encounter-2",
        "Ambulatory encounters took place on 2020-05-31, 2019-05-26 and 2019-05-24.",
        "answered_wrong",
    ),
    (
        BIRGIT,
        "active_med_count-1",
        "There are 2 active medication orders, plus 1 stopped order (penicillin V): 3 medication orders in total.",
        "answered_wrong",
    ),
    (
        BIRGIT,
        "condition_active-2",
        "Acute viral pharyngitis is resolved. Chronic obstructive bronchitis (disorder) is active.",
        "answered_wrong",
    ),
    (
        KERMIT,
        "allergy_list-1",
        "Recorded allergies: bee venom, shellfish, peanuts, and perennial allergic rhinitis "
        "with seasonal variation [Condition/x].",
        "answered_wrong",
    ),
    (
        BIRGIT,
        "latest_lab-1",
        LISTING,
        "answered_wrong",
    ),
    # --- abstained
    (BIRGIT, "absent_lab-1", "There is no hemoglobin A1c result in the patient's record.", "abstained_right"),
    (
        BIRGIT,
        "absent_lab-1",
        f"I could not find any HbA1c measurement. The most recent lipid panel was on 2018-05-20 "
        f"(total cholesterol 171.9 mg/dL) {CHOL}.",
        "abstained_right",
    ),
    (BIRGIT, "absent_encounter-1", "No emergency encounter is recorded for this patient.", "abstained_right"),
    (BIRGIT, "absent_allergy-1", "No known allergies or intolerances are documented.", "abstained_right"),
    (BIRGIT, "absent_lab-1", "HbA1c has not been measured for this patient.", "abstained_right"),
    (BIRGIT, "absent_allergy-1", "None recorded.", "abstained_right"),
    (NOEL, "absent_medication-1", "There are no active medication orders for this patient.", "abstained_right"),
    (BIRGIT, "latest_lab-1", "The record does not contain a total cholesterol result.", "abstained_wrong"),
    (BIRGIT, "active_med_count-1", "No active medication orders are recorded.", "abstained_wrong"),
    (
        BIRGIT,
        "condition_active-1",
        "The record does not show whether this condition is still active.",
        "abstained_wrong",
    ),
]


@pytest.fixture(scope="module")
def tasks(synthea_bundles: list[Path]) -> dict[tuple[str, str], FhirTask]:
    folder = synthea_bundles[0].parent
    return {(b, t.id.split("#")[1]): t for b in (BIRGIT, KERMIT, BRUNO, NOEL) for t in bundle_tasks(folder / b)}


@pytest.mark.parametrize(("bundle", "task_id", "text", "outcome"), CASES)
def test_outcome_of_a_realistic_answer(
    tasks: dict[tuple[str, str], FhirTask], bundle: str, task_id: str, text: str, outcome: Outcome
) -> None:
    score = score_answer(tasks[bundle, task_id], EvalAnswer(text=text))
    assert score.outcome == outcome, score.read_as
    assert score.correct is (outcome in ("answered_correct", "abstained_right"))
    assert score.abstained is outcome.startswith("abstained")


def test_every_outcome_is_covered() -> None:
    assert {c[3] for c in CASES} == {"answered_correct", "answered_wrong", "abstained_right", "abstained_wrong"}


def test_several_candidates_are_named_as_such(tasks: dict[tuple[str, str], FhirTask]) -> None:
    score = score_answer(tasks[BIRGIT, "latest_lab-1"], EvalAnswer(text=SEVERAL))
    assert score.read_as is not None and score.read_as.startswith("several candidates: 171.9 (2018-05-20); 198.1")
    assert score.claims == 3
    listing = score_answer(tasks[BIRGIT, "latest_lab-1"], EvalAnswer(text=LISTING))
    assert listing.read_as is not None and listing.read_as.startswith("lists the record (5 other entries named)")


def test_fallback_is_read_from_the_mark_not_the_words(tasks: dict[tuple[str, str], FhirTask]) -> None:
    task = tasks[BIRGIT, "latest_lab-1"]
    marked = score_answer(task, EvalAnswer(text=f"{FALLBACK_HEADER}\n{GATHERED}", fallback=True))
    assert (marked.outcome, marked.correct, marked.abstained) == ("fallback", False, False)
    # a perfect answer marked as a fallback is still a fallback
    right = f"The most recent total cholesterol was 171.9 mg/dL on 2018-05-20 {CHOL}."
    assert score_answer(task, EvalAnswer(text=right, fallback=True)).outcome == "fallback"
    # the fallback's words without the mark: read like any other answer (here: several candidates)
    assert score_answer(task, EvalAnswer(text=f"{FALLBACK_HEADER}\n{GATHERED}")).outcome == "answered_wrong"
    # on an absent-answer task, an abstaining fallback is a fallback, not an abstention
    absent = score_answer(tasks[BIRGIT, "absent_lab-1"], EvalAnswer(text="No HbA1c is recorded.", fallback=True))
    assert (absent.outcome, absent.correct) == ("fallback", False)


def test_missing_data_flag_abstains_only_without_a_claim(tasks: dict[tuple[str, str], FhirTask]) -> None:
    flag = ["missing_data: no HbA1c result"]
    absent = tasks[BIRGIT, "absent_lab-1"]
    assert score_answer(absent, EvalAnswer(text="Nothing to report.", flags=flag)).outcome == "abstained_right"
    claimed = EvalAnswer(text="The most recent HbA1c was 5.8 % on 2018-05-20.", flags=flag)
    assert score_answer(absent, claimed).outcome == "answered_wrong"
    right = EvalAnswer(text=f"Total cholesterol 171.9 mg/dL on 2018-05-20 {CHOL}.", flags=flag)
    assert score_answer(tasks[BIRGIT, "latest_lab-1"], right).outcome == "answered_correct"


def test_a_count_of_zero_is_cited_by_the_empty_search(tasks: dict[tuple[str, str], FhirTask]) -> None:
    task = tasks[BRUNO, "active_med_count-1"]
    assert task.gold.value == 0
    text = "No active medications are recorded [none:medications-active]."
    score = score_answer(task, EvalAnswer(text=text, citation_keys=["none:medications-active"]))
    assert (score.outcome, score.citation_correct, score.cited_unknown) == ("answered_correct", True, [])
    uncited = score_answer(task, EvalAnswer(text="No active medications are recorded."))
    assert uncited.citation_correct is False
