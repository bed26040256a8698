"""The care-gap rules as data: typed, strict about keys and references, and in step with the USPSTF
statements of the shipped corpus."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from medcite.corpora.default import load_passages
from medcite.tools.caregaps.rules import CodeSet, Recommendation, Rulebook, Span, rulebook

# Rules whose population differs from the API's on purpose.
AGE_OVERRIDES = {447: "newborns: the API says ages 0 to 1; the rule limits it to the first 28 days of life"}


def test_every_grade_a_and_b_statement_of_the_corpus_has_a_rule_with_its_grade_sex_and_ages() -> None:
    statements = {
        int(p.recommendation_id): p
        for p in load_passages()
        if p.recommendation_id and p.grade in ("A", "B")
    }
    book = rulebook()
    assert {r.id for r in book.recommendations} == set(statements)
    for rec in book.recommendations:
        passage = statements[rec.id]
        assert rec.passage == passage.id and rec.grade == passage.grade and rec.sex == passage.sex, rec.id
        if rec.id not in AGE_OVERRIDES:
            assert rec.ages == (passage.age_min, passage.age_max), rec.id


def test_pregnancy_only_statements_require_pregnancy_and_nonpregnant_ones_exclude_it() -> None:
    book = rulebook()
    for p in load_passages():
        if not p.recommendation_id or p.grade not in ("A", "B"):
            continue
        rec = book.recommendation(int(p.recommendation_id))
        if p.pregnancy == "only":
            assert {"pregnant", "pregnant_or_postpartum"} & set(rec.requires), rec.id
        if p.pregnancy == "excluded":
            assert "pregnant" in rec.excludes, rec.id


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CodeSet.model_validate({"label": "x", "resources": ["Procedure"], "codes": ["sct|1"], "colour": "red"})
    raw = rulebook().recommendations[0].model_dump()
    with pytest.raises(ValidationError, match="extra"):
        Recommendation.model_validate({**raw, "intervall": {"years": 3}})


def test_codes_need_a_known_system() -> None:
    with pytest.raises(ValidationError, match="system"):
        CodeSet.model_validate({"label": "x", "resources": ["Procedure"], "codes": ["snomed|73761001"]})
    ok = CodeSet.model_validate({"label": "x", "resources": ["Procedure"], "codes": ["sct|73761001"]})
    assert ok.codes == ("http://snomed.info/sct|73761001",)


def test_a_rule_that_names_a_missing_criterion_or_code_set_fails_with_its_id() -> None:
    book = rulebook()
    broken = book.recommendations[0].model_copy(update={"requires": ("overweight_or_obesty",)})
    with pytest.raises(ValidationError, match="unknown criterion 'overweight_or_obesty'"):
        Rulebook.model_validate({**book.model_dump(), "recommendations": [broken.model_dump()]})


def test_a_rule_must_say_how_the_service_is_recorded() -> None:
    raw = {**rulebook().recommendations[0].model_dump(), "satisfied_by": []}
    with pytest.raises(ValidationError, match="unrecorded"):
        Recommendation.model_validate(raw)


@pytest.mark.parametrize(
    ("start", "span", "end"),
    [
        (date(2010, 2, 24), Span(years=10), date(2020, 2, 24)),
        (date(2016, 2, 29), Span(years=1), date(2017, 2, 28)),
        (date(2019, 8, 31), Span(months=6), date(2020, 2, 29)),
        (date(2019, 12, 15), Span(months=1), date(2020, 1, 15)),
        (date(2020, 1, 1), Span(days=28), date(2020, 1, 29)),
    ],
)
def test_spans_add_calendar_years_and_months(start: date, span: Span, end: date) -> None:
    assert span.after(start) == end


def test_every_interval_comes_with_its_basis() -> None:
    for rec in rulebook().recommendations:
        for sat in rec.satisfied_by:
            assert sat.basis.strip(), rec.id
    assert rulebook().snapshot == date(2024, 5, 2)
