import pytest

from medcite.evals.text_match import (
    counts_in,
    date_match,
    dates_in,
    exact_match,
    first_cue,
    list_item_covered,
    normalized_match,
    number_tokens,
    numeric_close,
    numeric_match,
    says_not_in_record,
    segments,
)


def test_exact_and_normalized_match() -> None:
    assert exact_match("Allergy to peanuts [AllergyIntolerance/1]", "Allergy to peanuts")
    assert not exact_match("allergy to Peanuts", "Allergy to peanuts")
    assert normalized_match("ALLERGY to peanuts!", "Allergy to peanuts")
    assert not normalized_match("allergy to peanutsy", "Allergy to peanuts")


def test_numbers_leave_out_dates_and_citation_keys() -> None:
    text = "HbA1c 5.8 % on 2019-03-11 [Observation/12-34] and 1,250 mg on March 3, 2020"
    assert number_tokens(text) == ["5.8", "1250"]


@pytest.mark.parametrize(
    ("answer", "gold", "ok"),
    [
        ("16.1 g/dL", 16.079701556982158, True),  # rounded as shown
        ("16 g/dL", 16.079701556982158, True),
        ("16.08", 16.079701556982158, True),
        ("16.3 g/dL", 16.079701556982158, False),
        ("438.9 10*3/uL", 438.9468650091491, True),
        ("was 2019-03-11", 2019.0, False),  # a date is not a value
    ],
)
def test_numeric_match(answer: str, gold: float, ok: bool) -> None:
    assert numeric_match(answer, gold) is ok


def test_numeric_close_tolerance() -> None:
    assert numeric_close(100.4, 100.0)
    assert not numeric_close(101.0, 100.0)
    assert numeric_close(5.77, 5.765, shown="5.77")


def test_dates_in_various_forms() -> None:
    assert dates_in("on 2019-03-11T10:00:00Z, then March 4, 2020 and 5 June 2021 [Encounter/2020-01-01]") == [
        "2019-03-11",
        "2020-03-04",
        "2021-06-05",
    ]
    assert date_match("last seen Mar 11, 2019", "2019-03-11")
    assert not date_match("2019-13-45", "2019-13-45")


@pytest.mark.parametrize(
    ("text", "group", "label"),
    [
        ("Yes, hypertension is active [Condition/1].", "yes_no", "yes"),
        ("It is no longer active; it resolved in 2010.", "yes_no", "no"),
        ("The condition is resolved.", "yes_no", "no"),
        ("The condition remains active.", "yes_no", "yes"),
        ("The BMI is increasing (18.1 → 19.1).", "trend", "increasing"),
        ("Weight went down from 80 to 75 kg.", "trend", "decreasing"),
        ("Values are essentially unchanged.", "trend", "stable"),
        ("I cannot tell.", "trend", None),
    ],
)
def test_first_cue(text: str, group: str, label: str | None) -> None:
    assert first_cue(text, group) == label


def test_counts_in_reads_digits_and_words_before_what_is_counted() -> None:
    assert counts_in("As of 2020-01-01 the patient has 3 active orders [MedicationRequest/9].") == [3]
    assert counts_in("There are two active medication orders.") == [2]
    assert counts_in("The patient has no active medications.") == [0]
    assert counts_in("2 active orders, 1 stopped prescription") == [2, 1]
    assert counts_in("ferrous sulfate 325 MG Oral Tablet, 1 tablet daily") == []  # doses are not counts
    assert counts_in("Unknown.") == []


def test_list_item_covered_ignores_filler_and_plurals() -> None:
    text = "Allergies: bee venom, shellfish and peanut."
    assert list_item_covered(text, "Allergy to bee venom")
    assert list_item_covered(text, "Shellfish allergy")
    assert list_item_covered(text, "Allergy to peanuts")
    assert not list_item_covered(text, "Allergy to mould")


@pytest.mark.parametrize(
    ("text", "abstains"),
    [
        ("This is not in the record.", True),
        ("No HbA1c result is recorded for this patient.", True),
        ("The record does not contain an inpatient encounter.", True),
        ("No known allergies are documented.", True),
        ("I could not find any TSH measurement.", True),
        ("The latest HbA1c is 5.8 % on 2019-03-11 [Observation/1].", False),
        ("Yes, hypertension is active.", False),
    ],
)
def test_says_not_in_record(text: str, abstains: bool) -> None:
    assert says_not_in_record(text) is abstains


def test_segments_split_sentences_not_decimals() -> None:
    assert segments("HbA1c 5.8 % on 2019-03-11. Earlier 6.1 %; before that 6.4 %\nNext line") == [
        "HbA1c 5.8 % on 2019-03-11.",
        "Earlier 6.1 %;",
        "before that 6.4 %",
        "Next line",
    ]
