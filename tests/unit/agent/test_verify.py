"""Citation verification: keys, numbers, units, dates, abstentions, content support."""

from __future__ import annotations

import pytest

from medcite.agent.verify import citation_keys, dates_in, kept_keys, numbers_in, split_sentences, verify_draft
from medcite.core.evidence import Code, Evidence, GuidelineFact, ObservationFact, Reading, Value

A1C = "Observation/a1c-1"
BP = "Observation/bp-1"
MMHG = "mm(Hg)"
EVIDENCE = {
    A1C: Evidence(
        key=A1C,
        fact=ObservationFact(
            code=Code(display="Hemoglobin A1c", system_label="LOINC", code="4548-4"),
            status="final",
            effective="2019-06-25",
            values=[Value(text="7.564 %", number=7.564, unit="%")],
            earlier=[
                Reading(
                    key="Observation/a1c-0",
                    date="2017-12-05",
                    values=[Value(text="6.064 %", number=6.064, unit="%")],
                    short_text="6.064 %",
                )
            ],
            trend=["rising"],
        ),
    ),
    BP: Evidence(
        key=BP,
        fact=ObservationFact(
            code=Code(display="Blood Pressure", system_label="LOINC", code="55284-4"),
            status="final",
            effective="2018-04-08",
            values=[
                Value(label="Systolic Blood Pressure", code="8480-6", text=f"149.8 {MMHG}", number=149.8, unit=MMHG),
                Value(label="Diastolic Blood Pressure", code="8462-3", text=f"113 {MMHG}", number=113, unit=MMHG),
            ],
        ),
    ),
    "guideline:uspstf-1": Evidence(
        key="guideline:uspstf-1",
        fact=GuidelineFact(
            title="Prediabetes and Type 2 Diabetes: Screening",
            issuer="USPSTF",
            published="2021-08-24",
            excerpt="Screen adults aged 35 to 70 years who have overweight or obesity.",
        ),
    ),
}


def test_citation_keys_in_all_bracket_styles() -> None:
    text = f"A [{A1C}] and [{BP}, guideline:uspstf-1]; not [a note] nor [1]."
    assert citation_keys(text) == [A1C, BP, "guideline:uspstf-1"]


def test_split_keeps_trailing_citation_with_its_sentence() -> None:
    assert split_sentences(f"HbA1c was 7.564 %. [{A1C}]\nNext line here.") == [
        f"HbA1c was 7.564 %. [{A1C}]",
        "Next line here.",
    ]


def test_numbers_and_dates_are_parsed_apart() -> None:
    assert dates_in("on 2019-06-25 and in March 2022 and June 5, 2020") == {"2019-06-25", "2022-03", "2020-06-05"}
    assert numbers_in("HbA1c 7.564 % on 2019-06-25, BP 113/149.8") == [7.564, 113.0, 149.8]


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        (f"The latest hemoglobin A1c was 7.564 % on 2019-06-25 [{A1C}].", "verified"),
        (f"HbA1c rose from 6.064 % in December 2017 [{A1C}].", "verified"),
        (f"BP was 149.8/113 mmHg [{BP}].", "verified"),
        (f"The latest HbA1c was 8.1 % [{A1C}].", "unsupported_value"),
        (f"The latest HbA1c was 7.564 % on 2020-01-01 [{A1C}].", "unsupported_value"),
        (f"The latest HbA1c was 7.564 mg/dL [{A1C}].", "unsupported_value"),
        ("The latest HbA1c was 7.564 % [Observation/invented].", "unknown_citation"),
        (f"<one sentence> [{A1C}].", "unsupported_content"),
        (f"HbA1c was 149.8 [{BP}].", "unsupported_content"),
        ("The patient is doing well.", "uncited"),
        ("No potassium result is recorded.", "abstention"),
        ("This is not found in the record.", "abstention"),
        ("No HbA1c was recorded after 2020.", "uncited"),
        ("Adults aged 35 to 70 years with obesity should be screened [guideline:uspstf-1].", "verified"),
    ],
)
def test_sentence_status(sentence: str, status: str) -> None:
    _, checks = verify_draft(sentence, EVIDENCE)
    assert [c.status for c in checks] == [status], checks


def test_planted_false_number_and_citation_are_removed_true_sentence_kept() -> None:
    draft = (
        f"The latest HbA1c was 7.564 % on 2019-06-25 [{A1C}]. "
        f"Systolic blood pressure was 190 mm(Hg) [{BP}]. Diastolic pressure was 113 mm(Hg) [Observation/fake-9]."
    )
    kept, checks = verify_draft(draft, EVIDENCE)
    assert kept == f"The latest HbA1c was 7.564 % on 2019-06-25 [{A1C}]."
    assert [c.status for c in checks] == ["verified", "unsupported_value", "unknown_citation"]
    assert kept_keys(checks) == [A1C]
    assert "the value 190 is not in the cited evidence" in checks[1].problems


def test_filler_is_dropped_not_flagged() -> None:
    _, checks = verify_draft("Sure!\nAnswer:", EVIDENCE)
    assert checks == []
