"""Claim verification, rule by rule, against real Synthea facts gathered the way the graph gathers them.

Keys are written short in the sentences (``[Observation/e02bc77a]``) and expanded to the bundle's full keys.
"""

from __future__ import annotations

import re

import pytest

from benchmarks.claims_evidence import gathered
from medcite.agent.answer import SentenceCheck
from medcite.agent.flags import verification_flags
from medcite.agent.verify import check_sentence, kept_keys, split_sentences, verify_draft
from medcite.core.evidence import Evidence, GuidelineFact, ObservationFact, ReferenceRange

FABIAN = "Fabian_Murray_a120c913-9ee0-4fcc-8344-826e74335c80.json"  # diabetes, HbA1c falling, lipids rising
EDWARD = "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json"  # hypertension on HCTZ, BP 149.8/113
MAFALDA = "Mafalda_Turcotte_80833fb2-95c1-4f5b-ab5e-26230287ee61.json"  # AF on warfarin, no INR
KERMIT = "Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json"  # three allergies, stopped asthma drugs
ALBERTO = "Alberto_Atencio_fc712d1f-5a2e-4407-9c55-a2a2bad623c2.json"  # no allergies, no lipids, no HbA1c
CHET = "Chet_Thompson_eda17701-070d-4fae-9f7d-c8cd6263b63a.json"  # MI at 29, deceased
CHAD = "Chad_Quigley_b9737c68-296c-46fa-9a3c-aca513681a73.json"  # osteoporosis, platelets 443.4
TOM = "Tom_Goodwin_e20de9eb-6f2d-4871-a43f-bbede53293ed.json"  # simvastatin once daily, LDL 196.4
BIRGIT = "Birgit_Schmeler_7e8ee10e-569b-4229-9380-62c49244902c.json"  # oral temperature 37.85 Cel
_SHORT = re.compile(r"(?<=[\[ ,])([A-Z][A-Za-z]+/[0-9a-f]{8})(?=[\],])")


def evidence(bundle: str, question: str = "") -> dict[str, Evidence]:
    return gathered(bundle, "ask" if question else "summary", question)


def expand(sentence: str, ev: dict[str, Evidence]) -> str:
    def full(m: re.Match[str]) -> str:
        (key,) = [k for k in ev if k.startswith(m.group(1))]
        return key

    return _SHORT.sub(full, sentence)


def check(bundle: str, sentence: str, question: str = "") -> SentenceCheck:
    ev = evidence(bundle, question)
    return check_sentence(expand(sentence, ev), ev)


def assert_status(result: SentenceCheck, status: str, problem: str = "") -> None:
    assert result.status == status, (result.status, result.problems)
    assert problem in " ".join(result.problems), result.problems


# --------------------------------------------------------------------------- concepts
@pytest.mark.parametrize(
    ("bundle", "sentence"),
    [
        (EDWARD, "He has HTN, diagnosed 2011-03-27 [Condition/0894e750]."),
        (EDWARD, "His hypertension is managed with a thiazide-type diuretic [MedicationRequest/4c09067f]."),
        (EDWARD, "HCTZ 25 mg remains his antihypertensive [MedicationRequest/4c09067f]."),
        (FABIAN, "T2DM was diagnosed in December 2020 [Condition/a5169617]."),
        (FABIAN, "He takes a biguanide for diabetes [Condition/a5169617, MedicationRequest/83f84057]."),
        (MAFALDA, "She is anticoagulated with a vitamin K antagonist [MedicationRequest/812e78c3]."),
        (MAFALDA, "She has AFib [Condition/3025a916]."),
        (TOM, "He was started on a statin in June 2020 [MedicationRequest/7f131723]."),
    ],
)
def test_abbreviations_synonyms_and_drug_classes_bind_to_the_cited_fact(bundle: str, sentence: str) -> None:
    assert_status(check(bundle, sentence), "verified")


@pytest.mark.parametrize(
    ("bundle", "sentence", "problem"),
    [
        (EDWARD, "He is on lisinopril 20 mg for his hypertension [Condition/0894e750].", "names “lisinopril”"),
        (TOM, "He is on atorvastatin 10 mg daily for hyperlipidemia [MedicationRequest/7f131723].", "“atorvastatin”"),
        (FABIAN, "He has type 1 diabetes [Condition/a5169617].", "“type 1 diabetes”"),
        (FABIAN, "LDL was 141 mg/dL on 2020-12-19 [Observation/3caabbd3].", "it is on [Observation/23ce523d"),
        (KERMIT, "He is allergic to peanuts [AllergyIntolerance/802da608].", "“peanuts”"),
        (MAFALDA, "She takes apixaban for atrial fibrillation [Condition/3025a916].", "“apixaban”"),
    ],
)
def test_a_concept_the_cited_facts_do_not_name_removes_the_sentence(bundle: str, sentence: str, problem: str) -> None:
    assert check(bundle, sentence).status in ("unsupported_content", "unsupported_value")
    assert problem in " ".join(check(bundle, sentence).problems)


def test_an_unknown_drug_needs_a_cited_prescription() -> None:
    assert_status(
        check(EDWARD, "He is on zanopril for hypertension [Condition/0894e750]."), "unsupported_content", "zanopril"
    )
    assert_status(
        check(EDWARD, "He takes Zorvexa for hypertension [Condition/0894e750]."), "unsupported_content", "prescription"
    )


# --------------------------------------------------------------------------- numbers and units
@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("The newest HbA1c, 6.073 %, was taken on 2020-12-19 [Observation/e02bc77a].", "verified"),
        ("His most recent HbA1c was 6.1 % [Observation/e02bc77a].", "verified"),  # 6.073 at one decimal
        ("His most recent HbA1c was 6 % [Observation/e02bc77a].", "verified"),
        ("His most recent HbA1c was 6.0 % [Observation/e02bc77a].", "unsupported_value"),  # 6.073 is 6.1 at one decimal
        ("His most recent HbA1c was 6.7 % [Observation/e02bc77a].", "unsupported_value"),
        ("His most recent HbA1c was 6.073 mg/dL [Observation/e02bc77a].", "unsupported_value"),  # wrong dimension
        ("Potassium was 4.533 mEq/L on 2020-12-19 [Observation/cca023d4].", "verified"),  # mEq/L is mmol/L here
    ],
)
def test_a_number_matches_at_the_precision_written_and_through_units(sentence: str, status: str) -> None:
    assert_status(check(FABIAN, sentence), status)


def test_thousands_separators_and_unit_conversions() -> None:
    assert_status(
        check(FABIAN, "The platelet count was 377,700 per µL on 2020-12-05 [Observation/297e88bf]."), "verified"
    )
    assert_status(check(CHAD, "Platelets were 443.4 × 10³/µL [Observation/d9790f8d]."), "verified")
    assert_status(check(CHAD, "Platelets were 1,443 × 10³/µL [Observation/d9790f8d]."), "unsupported_value")
    assert_status(check(BIRGIT, "Her temperature was 37.85 °C (100.1 °F) [Observation/fabcdffa]."), "verified")
    assert_status(check(BIRGIT, "Her temperature was 37.85 °C (101.1 °F) [Observation/fabcdffa]."), "unsupported_value")
    assert_status(check(EDWARD, "Blood pressure was 149.8/113 mm Hg on 2018-04-08 [Observation/613b7f40]."), "verified")


def test_digits_inside_resource_ids_are_never_values() -> None:
    ev = evidence(ALBERTO)
    pain = next(k for k in ev if k.startswith("Observation/d0959016"))
    assert "-4de1" in pain  # the id holds a 4; the value is 1.877
    assert_status(check(ALBERTO, "His pain score was 4 on 2019-03-11 [Observation/d0959016]."), "unsupported_value")
    assert_status(check(ALBERTO, "His pain score was 1.9 on 2019-03-11 [Observation/d0959016]."), "verified")


def test_blood_pressure_pairs_bind_systolic_then_diastolic_of_one_reading() -> None:
    assert_status(check(EDWARD, "BP on 2018-04-08 was 150/113 mmHg [Observation/613b7f40]."), "verified")
    assert_status(check(EDWARD, "BP on 2018-04-08 was 113/150 mmHg [Observation/613b7f40]."), "unsupported_value")
    assert_status(check(EDWARD, "SBP was 171.1 and DBP 107 mm(Hg) in April 2015 [Observation/613b7f40]."), "verified")


# --------------------------------------------------------------------------- dates
def test_a_date_must_belong_to_the_reading_of_the_value_stated() -> None:
    assert_status(check(FABIAN, "HbA1c measured 6.07 % on 2020-12-19 [Observation/e02bc77a]."), "verified")
    assert_status(check(FABIAN, "HbA1c was 7.573 % on December 5, 2020 [Observation/e02bc77a]."), "verified")
    assert_status(
        check(FABIAN, "On 2020-12-05 his HbA1c measured 6.07 % [Observation/e02bc77a]."),
        "unsupported_value",
        "belongs to another reading",
    )
    assert_status(check(EDWARD, "Hypertension was diagnosed in March 2012 [Condition/0894e750]."), "unsupported_value")
    assert_status(check(EDWARD, "Hypertension was diagnosed in 2011 [Condition/0894e750]."), "verified")


# --------------------------------------------------------------------------- latest
def test_latest_binds_to_the_newest_reading_in_the_evidence() -> None:
    assert_status(
        check(FABIAN, "The current HbA1c is 7.573 % [Observation/e02bc77a]."),
        "unsupported_value",
        "the latest is from",
    )
    assert_status(check(FABIAN, "An earlier HbA1c was 7.573 % [Observation/e02bc77a]."), "verified")
    question = "What was his last blood pressure and how has it trended?"
    assert_status(
        check(ALBERTO, "His latest blood pressure was 101.9/82.3 mm(Hg) [Observation/6018a6c2].", question),
        "unsupported_value",
    )
    assert_status(
        check(ALBERTO, "His latest blood pressure was 131.5/78.16 mm(Hg) [Observation/1a21738f].", question), "verified"
    )


# --------------------------------------------------------------------------- direction
@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Between 2020-12-05 and 2020-12-19 HbA1c dropped from 7.57 % to 6.07 % [Observation/e02bc77a].", "verified"),
        ("HbA1c went up to 6.07 % [Observation/e02bc77a].", "unsupported_content"),
        ("His HbA1c improved to 6.1 % [Observation/e02bc77a].", "verified"),  # lower is better
        ("His HbA1c worsened to 6.1 % [Observation/e02bc77a].", "unsupported_content"),
        ("LDL rose to 141 mg/dL [Observation/23ce523d].", "verified"),
        ("His weight has been stable at 94.43 kg [Observation/9e014393].", "verified"),
        ("HDL dropped from 77.7 to 29.34 mg/dL [Observation/3caabbd3].", "verified"),
        ("HDL rose from 77.7 to 29.34 mg/dL [Observation/3caabbd3].", "unsupported_content"),
    ],
)
def test_a_direction_must_agree_with_the_readings_in_date_order(sentence: str, status: str) -> None:
    assert_status(check(FABIAN, sentence), status)


# --------------------------------------------------------------------------- derived values
def test_derived_values_are_recomputed_from_the_cited_facts() -> None:
    assert_status(
        check(CHET, "He was 29 when he had his myocardial infarction [Condition/3bf67672, Patient/9e2f7a3b]."),
        "verified",
    )
    assert_status(
        check(CHET, "He was 31 when he had his myocardial infarction [Condition/3bf67672, Patient/9e2f7a3b]."),
        "unsupported_value",
    )
    assert_status(check(FABIAN, "LDL increased by about 69 mg/dL in two weeks [Observation/23ce523d]."), "verified")
    assert_status(check(FABIAN, "LDL increased by 80 mg/dL [Observation/23ce523d]."), "unsupported_value")
    assert_status(check(FABIAN, "HbA1c fell by 1.5 percentage points [Observation/e02bc77a]."), "verified")


def test_counts_are_checked_against_the_cited_facts() -> None:
    four = "[Condition/bcee5083, Condition/93058f7c, Condition/baf2d0b2, Condition/371f9fab]"
    assert_status(check(FABIAN, f"He has had four episodes of viral sinusitis, all resolved {four}."), "verified")
    assert_status(
        check(FABIAN, f"He has had five episodes of viral sinusitis, all resolved {four}."), "unsupported_value"
    )


# --------------------------------------------------------------------------- status
@pytest.mark.parametrize(
    ("bundle", "sentence", "status"),
    [
        (
            KERMIT,
            "He still uses albuterol as needed [MedicationRequest/9dd996db].",
            "unsupported_content",
        ),
        (
            KERMIT,
            "He previously used an albuterol inhaler for childhood asthma [MedicationRequest/9dd996db].",
            "verified",
        ),
        (KERMIT, "He has active childhood asthma [Condition/38776947].", "unsupported_content"),
        (KERMIT, "He had childhood asthma, resolved in 2013 [Condition/38776947].", "verified"),
        (
            EDWARD,
            "Hydrochlorothiazide 6.25 mg is among his current medications [MedicationRequest/a575e7c3].",
            "unsupported_content",
        ),
        (
            MAFALDA,
            "Her atrial fibrillation resolved after ablation [Condition/3025a916, Procedure/9998492c].",
            "unsupported_content",
        ),
    ],
)
def test_status_of_drugs_and_problems(bundle: str, sentence: str, status: str) -> None:
    assert_status(check(bundle, sentence), status)


# --------------------------------------------------------------------------- absence and abstention
def test_a_none_recorded_fact_is_citable() -> None:
    assert_status(check(ALBERTO, "He has no documented allergies [none:allergies]."), "verified")
    assert_status(check(ALBERTO, "He has allergies [none:allergies]."), "unsupported_content")
    assert_status(check(ALBERTO, "No stopped medications are recorded [none:allergies]."), "unsupported_content")
    assert_status(check(KERMIT, "He has no allergies [AllergyIntolerance/6cb079b0]."), "unsupported_content")
    question = "What is his latest HbA1c?"
    assert_status(check(ALBERTO, "There is no hemoglobin A1c on file [none:observations-hba1c].", question), "verified")


def test_an_uncited_abstention_is_checked_against_what_was_searched() -> None:
    assert_status(check(ALBERTO, "An LDL result is not documented.", "What was his last LDL?"), "abstention")
    assert_status(
        check(FABIAN, "No HbA1c result is recorded.", "What is his latest HbA1c?"),
        "unsupported_content",
        "the record has",
    )
    assert_status(check(ALBERTO, "No TSH result is recorded.", "What was his last LDL?"), "unverifiable")
    assert_status(check(FABIAN, "His HbA1c is probably fine."), "uncited")


def test_a_negation_needs_a_negative_value() -> None:
    ev = evidence(ALBERTO)
    smoking = next(k for k, e in ev.items() if "smoking" in e.text.lower() and "Former" in e.text)
    assert check_sentence(f"He is an ex-smoker [{smoking}].", ev).status == "verified"
    assert check_sentence(f"He has never smoked [{smoking}].", ev).status == "unsupported_content"


# --------------------------------------------------------------------------- judgements
def test_a_judgement_needs_an_interpretation_a_range_or_a_statement() -> None:
    assert_status(
        check(EDWARD, "His blood pressure is well controlled at 149.8/113 mm(Hg) [Observation/613b7f40]."),
        "unsupported_content",
        "judgement",
    )
    assert_status(check(KERMIT, "His shellfish allergy has low criticality [AllergyIntolerance/6cb079b0]."), "verified")
    ev = dict(evidence(FABIAN))
    key = next(k for k in ev if k.startswith("Observation/e02bc77a"))
    fact = ev[key].fact
    assert isinstance(fact, ObservationFact)
    # The real reading with a flag and a range added, as a laboratory system would send them.
    ev[key] = Evidence(key=key, fact=fact.model_copy(update={"interpretation": ["H"]}))
    assert check_sentence(f"His HbA1c of 6.073 % is elevated [{key}].", ev).status == "verified"
    assert check_sentence(f"His HbA1c of 6.073 % is normal [{key}].", ev).status == "unsupported_content"
    ranged = fact.model_copy(update={"reference_range": ReferenceRange(low=4.0, high=5.6, text="4-5.6 %")})
    ev[key] = Evidence(key=key, fact=ranged)
    assert check_sentence(f"His HbA1c of 6.073 % is above the normal range [{key}].", ev).status == "verified"
    assert check_sentence(f"His HbA1c of 6.073 % is normal [{key}].", ev).status == "unsupported_content"


# --------------------------------------------------------------------------- frequency
def test_a_stated_frequency_must_match_the_dosage() -> None:
    assert_status(check(TOM, "He takes simvastatin 10 mg once daily [MedicationRequest/7f131723]."), "verified")
    assert_status(
        check(TOM, "He takes simvastatin 10 mg twice daily [MedicationRequest/7f131723]."), "unsupported_content"
    )
    assert_status(check(EDWARD, "He takes HCTZ 25 mg every day [MedicationRequest/4c09067f]."), "unverifiable")


# --------------------------------------------------------------------------- keys, guidelines, drafts
def test_unknown_keys_and_uncited_claims_are_removed() -> None:
    assert_status(check(FABIAN, "HbA1c was 6.073 % [Observation/e02bc77a-0000]."), "unknown_citation")
    assert_status(check(FABIAN, "HbA1c was 6.073 %."), "uncited")
    assert_status(check(FABIAN, "One sentence here [Observation/e02bc77a]."), "unsupported_content", "names nothing")
    # the unknown key is not repeated in the check (a key planted in a source must not reach the output)
    unknown = check(FABIAN, "HbA1c was 6.073 % [Observation/e02bc77a-0000].")
    assert unknown.keys == [] and unknown.problems == ["cites 1 key not in the gathered evidence"]


@pytest.mark.parametrize(
    "sentence",
    [
        "<one sentence> [Observation/e02bc77a].",  # an HTML element 'one', as a renderer reads it
        "HbA1c was 6.073 % ![x](https://evil.example/a.png) [Observation/e02bc77a].",
        "HbA1c was 6.073 % <img src=x> [Observation/e02bc77a].",
        "HbA1c was 6.073 %, see www.evil.example [Observation/e02bc77a].",
        "HbA1c was 6.073 % [details](javascript:alert(1)) [Observation/e02bc77a].",
    ],
)
def test_markup_or_a_web_address_removes_the_sentence(sentence: str) -> None:
    assert_status(check(FABIAN, sentence), "unsafe_markup", "holds markup or a web address")


def test_a_comparison_sign_is_not_markup() -> None:
    assert check(FABIAN, "HbA1c was 6.073 %, below <7 % [Observation/e02bc77a].").status != "unsafe_markup"


def test_guideline_passages_are_checked_against_their_text() -> None:
    passage = Evidence(
        key="guideline:uspstf-1",
        fact=GuidelineFact(
            title="Prediabetes and Type 2 Diabetes: Screening",
            issuer="USPSTF",
            published="2021-08-24",
            excerpt="Screen adults aged 35 to 70 years who have overweight or obesity.",
        ),
    )
    ev = {passage.key: passage}
    ok = "Adults aged 35 to 70 years with obesity should be screened [guideline:uspstf-1]."
    assert check_sentence(ok, ev).status == "verified"
    assert check_sentence(ok.replace("35", "45"), ev).status == "unsupported_value"


def test_a_draft_keeps_only_verified_sentences_and_flags_the_rest() -> None:
    ev = evidence(FABIAN)
    draft = expand(
        "His most recent HbA1c was 6.1 % on 2020-12-19 [Observation/e02bc77a]. "
        "His LDL is 72.05 mg/dL [Observation/23ce523d]. He takes metformin [MedicationRequest/fake-1].\n"
        "He takes metformin 500 mg daily [MedicationRequest/83f84057].",
        ev,
    )
    kept, checks = verify_draft(draft, ev)
    assert [c.status for c in checks] == ["verified", "unsupported_value", "unknown_citation", "unverifiable"]
    assert kept == split_sentences(draft)[0]
    assert [k[:20] for k in kept_keys(checks)] == ["Observation/e02bc77a"]
    flags = verification_flags(checks)
    assert [f.kind for f in flags] == ["removed_claim", "removed_claim", "unverified_claim"]
    assert all(f.reason.startswith("draft sentence") and " removed: " in f.reason for f in flags)
    assert not any(word in f.reason for f in flags for word in ("LDL", "metformin", "fake-1"))  # never quoted


def test_split_keeps_trailing_citation_with_its_sentence() -> None:
    assert split_sentences("HbA1c was 7.564 %. [Observation/a]\nNext line here.") == [
        "HbA1c was 7.564 %. [Observation/a]",
        "Next line here.",
    ]


def test_filler_is_dropped_not_flagged() -> None:
    _, checks = verify_draft("Sure!\nAnswer:", evidence(FABIAN))
    assert checks == []
