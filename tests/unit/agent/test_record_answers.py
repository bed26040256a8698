"""Question kinds the planner recognises, the wording file's checks, and answers composed from the typed facts of
real Synthea records (every sentence cited, and kept by the verifier)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from medcite.agent.answer_templates import RecordAnswerWording, record_wording
from medcite.agent.asked import Asked
from medcite.agent.planner import plan_question
from medcite.agent.record_answer import RecordAnswer, compose
from medcite.agent.rules import QuestionRules
from medcite.agent.verify import verify_draft
from medcite.core.citation_keys import citation_keys
from medcite.core.evidence import Evidence, with_history
from medcite.core.resources import load_json
from medcite.tools.fhir import make_fhir_tools, open_source
from tests.conftest import SYNTHEA_DIR

EDWARD = SYNTHEA_DIR / "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json"
PATRIA = SYNTHEA_DIR / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"
TOM = "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json"  # no emergency encounter


def kinds(question: str) -> list[dict[str, Any]]:
    return [item.model_dump(exclude={"keys"}) for item in plan_question(question).asked]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What was her last A1c?", [{"kind": "latest_value", "name": "hba1c"}]),
        ("Show me the most recent LDL", [{"kind": "latest_value", "name": "ldl"}]),
        ("What is the latest white blood cell count?", [{"kind": "latest_value", "name": "white blood cells"}]),
        ("Is his eGFR getting worse?", [{"kind": "trend", "name": "egfr"}]),
        ("How has her weight changed?", [{"kind": "trend", "name": "body weight"}]),
        ("Has a PSA ever been checked?", [{"kind": "is_recorded", "name": "psa"}]),
        ("Is there any TSH on file?", [{"kind": "is_recorded", "name": "tsh"}]),
        ("Is her asthma still active?", [{"kind": "condition_status", "name": "asthma"}]),
        ("Does she still have prediabetes?", [{"kind": "condition_status", "name": "prediabetes"}]),
        ("What is the status of his COPD?", [{"kind": "condition_status", "name": "COPD"}]),
        ("How many drugs does he take?", [{"kind": "active_medications"}]),
        ("Any drug allergies?", [{"kind": "allergies"}]),
        ("When was her last ER visit?", [{"kind": "last_encounter", "encounter_class": "EMER", "label": "emergency"}]),
        (
            "When was she last hospitalized?",
            [{"kind": "last_encounter", "encounter_class": "IMP", "label": "inpatient"}],
        ),
        ("When did she last see a doctor?", [{"kind": "last_encounter", "encounter_class": None, "label": ""}]),
        (
            "What is her latest HbA1c and is her diabetes still active?",
            [{"kind": "latest_value", "name": "hba1c"}, {"kind": "condition_status", "name": "diabetes"}],
        ),
        # a quoted condition name is a name, not a cue: no BMI value, no medication list
        (
            'Is the condition "Body mass index 30+ - obesity (finding)" active?',
            [{"kind": "condition_status", "name": "Body mass index 30+ - obesity (finding)"}],
        ),
        (
            'Is the patient\'s condition "Drug overdose" currently active?',
            [{"kind": "condition_status", "name": "Drug overdose"}],
        ),
        ("Which medications were stopped?", []),
        ("What is hypertension?", []),
        ("Should she be screened for diabetes?", []),
        ("what dose in mg?", []),  # 'mg' (magnesium) counts only written with a capital letter
        ("Is the patient's condition currently active?", []),
    ],
)
def test_question_kinds(question: str, expected: list[dict[str, Any]]) -> None:
    assert kinds(question) == expected


def test_each_kind_plans_the_calls_that_answer_it() -> None:
    signatures = [c.signature() for c in plan_question("When was her last ER visit?").calls if c.matched]
    assert 'list_encounters({"encounter_class": "EMER", "latest_n": 1})' in signatures
    plan = plan_question("Is her asthma still active?")
    assert 'list_conditions({"status": "all"})' in [c.signature() for c in plan.calls if c.matched]
    assert not [c for c in plan.calls if c.tool == "get_patient" and c.matched]  # asked of every question


def test_a_longer_name_wins_over_the_names_inside_it() -> None:
    searched = [
        c.args["code_or_name"] for c in plan_question("Latest hemoglobin A1c?").calls if c.args.get("code_or_name")
    ]
    assert searched == ["hba1c"]


def _wording(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(load_json("medcite.agent.rules", "record_answers.json")))
    for path, value in changes.items():
        section, field = path.split("__")
        data[section][field] = value
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"observation__latest": "The latest {name} was {value} on {day} {cite}{previous}."}, "latest uses ['day']"),
        ({"observation__latest": "The latest {name} was {value} on {date}{previous}."}, "must cite it"),
        ({"condition__active": "Yes: {name} is {status"}, "not a template"),
        ({"medications__many": "{count} orders: {items} {dosage}"}, "many uses ['dosage']"),
    ],
)
def test_the_wording_file_is_checked(changes: dict[str, str], message: str) -> None:
    RecordAnswerWording.model_validate(_wording())  # the shipped file passes
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        RecordAnswerWording.model_validate(_wording(**changes))


def test_a_name_pattern_must_capture_a_name() -> None:
    data = json.loads(json.dumps(load_json("medcite.agent.rules", "questions.json")))
    data["condition"]["patterns"] = ["\\bis (.+) active\\b"]
    with pytest.raises(ValidationError, match="no \\(\\?P<name>"):
        QuestionRules.model_validate(data)


def answer_for(bundle: Any, question: str) -> tuple[list[RecordAnswer], dict[str, Evidence]]:
    """What gather and finalize do for one question, without a model: run the planned calls, compose."""
    source = open_source(bundle)
    (pid,) = source.patient_ids()
    tools = {t.name: t for t in make_fhir_tools(source, pid)}
    plan = plan_question(question)
    returned: dict[str, list[Evidence]] = {}
    for call in plan.calls:
        result = tools[call.tool].invoke({"type": "tool_call", "id": "x", "name": call.tool, "args": call.args})
        returned[call.signature()] = result.artifact
    evidence = {e.key: e for found in returned.values() for e in with_history(found)}
    answers = []
    for item in plan.asked:
        keys = [e.key for tool, args in item.calls() for e in returned[_signature(tool, args)]]
        asked: Asked = item.model_copy(update={"keys": tuple(dict.fromkeys(keys))})
        composed = compose(asked, evidence)
        if composed is not None:
            answers.append(composed)
    return answers, evidence


def _signature(tool: str, args: dict[str, Any]) -> str:
    return f"{tool}({json.dumps(args, sort_keys=True)})"


def test_latest_value_with_the_previous_value_and_the_trend() -> None:
    (answer,), _ = answer_for(PATRIA, "What is her latest HbA1c?")
    assert answer.text == (
        "The most recent Hemoglobin A1c/Hemoglobin.total in Blood was 7.564 % on 2019-06-25 "
        "[Observation/1caed8eb-8c92-4f00-ab6c-c45bb723a154]; previously 6.064 % on 2017-12-05 "
        "[Observation/ec9c6528-96b6-4c27-bd86-a7b3013ef3ee] (trend: rising)."
    )
    assert answer.answer_keys == ["Observation/1caed8eb-8c92-4f00-ab6c-c45bb723a154"] and not answer.cite_all


def test_is_recorded_answers_from_a_citable_empty_search() -> None:
    (answer,), evidence = answer_for(EDWARD, "Has his TSH ever been measured?")
    assert answer.text == "No Thyrotropin results are recorded [none:observations-tsh]."
    assert evidence["none:observations-tsh"].fact.kind == "absence"


def test_condition_status_with_onset_and_abatement() -> None:
    (active,), _ = answer_for(EDWARD, "Is his hypertension still active?")
    assert (
        active.text
        == "Yes: Hypertension is active (onset 2011-03-27) [Condition/0894e750-c11a-49d4-848d-cbd4873da9fa]."
    )
    (resolved,), _ = answer_for(EDWARD, "Is the laceration of thigh resolved?")
    assert resolved.text.startswith(
        "No: Laceration of thigh is resolved (onset 2013-01-26, abated 2013-02-16) [Condition/"
    )
    assert answer_for(EDWARD, "Is his asthma still active?")[0] == []  # not in the record: no answer composed


def test_active_medications_are_counted_and_each_cited() -> None:
    (answer,), _ = answer_for(PATRIA, "Which medications is she taking?")
    assert answer.text.startswith("The patient has 2 active medication orders: ")
    assert answer.cite_all and citation_keys(answer.text) == answer.answer_keys and len(answer.answer_keys) == 2


def test_allergies_and_the_last_encounter_of_a_class() -> None:
    (allergies,), _ = answer_for(PATRIA, "Is she allergic to anything?")
    assert allergies.text.startswith(
        "5 allergies or intolerances are recorded as active: Allergy to nut (criticality low) ["
    )
    (visit,), _ = answer_for(PATRIA, "When was her last emergency visit?")
    assert visit.text == (
        "The most recent encounter of the emergency class was on 2016-02-13 "
        "[Encounter/bd4dc81e-cb2a-48c9-bf60-56b55aa933d6]: Emergency room admission (procedure)."
    )
    (none,), _ = answer_for(SYNTHEA_DIR / TOM, "When was his last emergency visit?")
    assert none.text == "No encounters of the emergency class are recorded [none:encounters-emer]."


QUESTIONS = [
    "What is the latest blood pressure?",
    "What was the last total cholesterol and LDL?",
    "Is the body weight rising?",
    "Has a hemoglobin A1c ever been measured?",
    "Which medications is the patient taking?",
    "Which allergies are recorded?",
    "When was the last ambulatory visit?",
    "When was the last inpatient admission?",
]


@pytest.mark.parametrize(
    "bundle", [EDWARD, PATRIA, SYNTHEA_DIR / "Mafalda_Turcotte_80833fb2-95c1-4f5b-ab5e-26230287ee61.json"]
)
def test_every_sentence_rendered_from_the_record_is_cited_and_kept_by_the_verifier(bundle: Any) -> None:
    """Every value, date, status and direction of a record sentence is checked by the verifier. A sentence stating
    a trend cites the previous reading too; the verifier binds a direction word to every cited reading, and the
    previous one has no earlier reading of its own, so the sentence is checked citing the latest reading alone
    (whose fact holds the previous reading and the trend)."""
    for question in QUESTIONS:
        answers, evidence = answer_for(bundle, question)
        assert answers, question
        for answer in answers:
            for sentence in answer.sentences:
                assert sentence.keys and citation_keys(sentence.text) == sentence.keys
                text = sentence.text
                if answer.kind in ("latest_value", "trend", "is_recorded"):
                    for previous in sentence.keys[1:]:
                        text = text.replace(f" [{previous}]", "")
                _, checks = verify_draft(text, evidence)
                problems = [p for c in checks for p in c.problems]
                if problems and all(_verifier_reading(text, p) for p in problems):
                    continue
                assert [c.status for c in checks] in (["verified"], ["abstention"]), (text, checks)


def _verifier_reading(text: str, problem: str) -> bool:
    """Two readings of the verifier that differ from the record answer's, not errors of it: a direction word of a
    blood pressure is read against the systolic readings alone ('systolic falling, diastolic rising'); the date an
    encounter spanning two days is 'on' is read as its last day ('on 2018-04-08 to 2018-04-09')."""
    if "(trend: Systolic Blood Pressure" in text:
        return any(f"“{w}”" in problem for w in ("falling", "rising", "stable"))
    span = re.search(r"was on (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", text)
    return bool(span) and problem.startswith(f"{span[1]} is not the latest") and f"(that is {span[2]})" in problem


def test_the_labels_say_who_wrote_what() -> None:
    labels = record_wording().labels
    assert "not written by the model" in labels.record and "model-written" in labels.model
