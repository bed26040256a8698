"""Care gaps in answers and summaries, with a scripted model that writes the way capable models do:
sentences drawn from care-gap lines verify (the lines are rendered from facts), a planted date does not,
and the summary carries the preventive-care section in Markdown, JSON and the FHIR Composition."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.agent.output import render
from medcite.core.settings import Settings
from tests.conftest import PROJECT_ROOT
from tests.fakes import FakeScriptedChatModel

DEMO = PROJECT_ROOT / "examples" / "synthea" / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"
AS_OF = date(2019, 6, 25)


def _bot(outputs: list[str], tmp_path: Path, as_of: date | None = AS_OF) -> Assistant:
    return Assistant(
        source=DEMO,
        model=FakeScriptedChatModel(outputs=outputs),
        retriever=False,
        checkpointer=InMemorySaver(),
        settings=Settings.from_env(data_dir=tmp_path),
        as_of=as_of,
    )


def test_a_screening_question_is_answered_from_the_care_gap_lines(tmp_path: Path) -> None:
    draft = (
        "She is due for cervical cancer screening; no cervical cytology or HPV test is recorded "
        "[caregap:uspstf-rec-426]. "
        "Colorectal cancer screening is also due, as no colonoscopy or FIT is recorded [caregap:uspstf-rec-1929]. "
        "Hypertension screening was last done on 2019-06-25 and is next due on 2020-06-25 "
        "[caregap:uspstf-rec-1921]. "
        "Whether she needs a statin cannot be assessed without a 10-year cardiovascular risk estimate "
        "[caregap:uspstf-rec-1981]. "
        "Her last mammogram was on 2018-01-01 [caregap:uspstf-rec-2035]. "
        "Mammography is recommended every 3 years [caregap:uspstf-rec-2035]."
    )
    answer = _bot(['{"answer": "ready"}', draft], tmp_path).ask("What screenings is she due for?")
    statuses = [c.status for c in answer.checks]
    assert statuses == ["verified"] * 4 + ["unsupported_value", "unsupported_value"], answer.checks
    assert "the date 2018-01-01 is not a date of the cited evidence" in answer.checks[4].problems
    assert "the value 3 years is not in the cited evidence" in answer.checks[5].problems[0]
    cited = answer.cited_keys()
    assert {"caregap:uspstf-rec-426", "caregap:uspstf-rec-1921"} <= set(cited)
    blood_pressure = next(c for c in answer.citations if c.key == "caregap:uspstf-rec-1921")
    assert "up to date: Hypertension screening" in blood_pressure.label
    assert "next due 2020-06-25" in blood_pressure.label


def test_the_summary_has_a_preventive_care_section_in_every_format(tmp_path: Path) -> None:
    synopsis = "Colorectal cancer screening is due [caregap:uspstf-rec-1929]."
    answer = _bot([synopsis], tmp_path, as_of=None).summarize()
    care = next(s for s in answer.sections if s.title.startswith("Preventive care (USPSTF A/B)"))
    assert care.title == (
        "Preventive care (USPSTF A/B) — care gaps as of 2019-06-25, the record's last encounter; "
        "USPSTF recommendations as of 2024-05-02"
    )
    assert care.lines[0].startswith("[caregap:uspstf-rec-426] due: Cervical cancer screening, USPSTF grade A")
    assert all("not applicable" not in line for line in care.lines)
    assert answer.checks[0].status == "verified"
    assert "### Preventive care (USPSTF A/B) — care gaps as of 2019-06-25" in answer.to_markdown()

    as_json = json.loads(render(answer, "json"))
    report = as_json["care_gaps"]
    assert report["as_of"]["basis"] == "last_activity" and len(report["gaps"]) == 54
    left_out = [g for g in report["gaps"] if g["status"] == "not_applicable"]
    assert left_out and all(f"[caregap:{g['guideline_key'][10:]}]" not in answer.text for g in left_out)

    bundle = json.loads(render(answer, "fhir"))
    sections = bundle["entry"][0]["resource"]["section"]
    fhir_care = next(s for s in sections if s["title"].startswith("Preventive care (USPSTF A/B)"))
    refs = {e["reference"] for e in fhir_care["entry"]}
    assert "Observation/ea672ead-f2d8-414c-898b-293fb3068e1f" in refs  # the BMI the weight-loss line used
    assert "Cervical cancer screening" in fhir_care["text"]["div"]
