"""The verifier's parts: typed vocabulary files that reject mistakes, and claim extraction from prose."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medcite.agent.verification.claims import extract
from medcite.agent.verification.vocabulary import (
    ConceptTable,
    Phrases,
    concept_table,
    lexicon,
    phrases,
    unit_info,
    unit_table,
)


def test_vocabulary_files_load_and_reject_unknown_keys_and_references() -> None:
    assert concept_table().concepts and unit_table().units and phrases().latest
    with pytest.raises(ValidationError, match="typo"):
        ConceptTable.model_validate({"concepts": {}, "typo": 1})
    with pytest.raises(ValidationError, match="unknown member"):
        ConceptTable.model_validate({"concepts": {"statin": {"kind": "drug_class", "members": ["nope"]}}})
    with pytest.raises(ValidationError, match="not an observation vocabulary name"):
        ConceptTable.model_validate({"concepts": {}, "observation_aliases": {"hba1": ["a1c"]}})
    with pytest.raises(ValidationError, match="not a regular expression"):
        Phrases.model_validate({**phrases().model_dump(), "abstentions": ["(unclosed"]})


def test_every_class_has_members_and_every_concept_a_name() -> None:
    for cid, concept in concept_table().concepts.items():
        assert concept.names or concept.abbreviations or concept.codes, cid
        if concept.kind == "drug_class":
            assert concept.members, cid


def test_unit_conversions() -> None:
    f, c = unit_info("°F"), unit_info("Cel")
    assert f is not None and c is not None and f.dimension == c.dimension
    assert abs(f.to_base(98.6) - 37.0) < 1e-9
    lb, kg = unit_info("lbs"), unit_info("kg")
    assert lb is not None and kg is not None and abs(lb.to_base(1) / kg.to_base(1) - 0.45359237) < 1e-9
    assert unit_info("mmHg") == unit_info("mm(Hg)") and unit_info("mEq/L") == unit_info("mmol/L")


def test_concepts_are_found_longest_first_with_case_sensitive_abbreviations() -> None:
    found = lexicon().find("T2DM and HTN on HCTZ; type 1 diabetes; an mi of doubt; MI in 1968; strep throat")
    texts = {f.text: f.concepts for f in found}
    assert "type 2 diabetes" in texts["T2DM"] and "hypertension" in texts["HTN"]
    assert "hydrochlorothiazide" in texts["HCTZ"] and "type 1 diabetes" in texts["type 1 diabetes"]
    assert "MI" in texts and "mi" not in texts and "strep throat" in texts


def test_numbers_units_pairs_and_counts_are_extracted() -> None:
    claim = extract(
        "BP 150/92 mmHg; platelets 443,400/µL; T-score -2.834; about 69 mg/dL; four episodes; 0-10 scale "
        "[Observation/1]."
    )
    values = [(q.value, q.unit, q.pair) for q in claim.quantities]
    assert (150.0, "mm[Hg]", 0) in values and (92.0, "mm[Hg]", 1) in values
    assert (443400.0, "/uL", None) in values and (-2.834, None, None) in values
    assert (0.0, None, None) in values and (10.0, None, None) in values  # a range, not -10
    approx = next(q for q in claim.quantities if q.value == 69)
    assert approx.approx and approx.decimals == 0
    count = next(q for q in claim.quantities if q.word)
    assert count.value == 4 and count.count_noun == "episodes"
    assert claim.keys == ["Observation/1"]


def test_numbers_inside_names_are_not_values() -> None:
    claim = extract("He has type 2 diabetes, had PCV13 and the 23-valent pneumococcal vaccine, FEV1/FVC 52.74 %.")
    assert [q.value for q in claim.quantities] == [52.74]


def test_dates_in_every_form_a_model_writes() -> None:
    claim = extract(
        "Seen on 2019-06-25, on October 19, 2019, on 16 August 2012, in March 2021, since 1976, "
        "between May and November 2020, on Sept 2, 2017."
    )
    assert [d.prefix for d in claim.dates] == [
        "2019-06-25", "2019-10-19", "2012-08-16", "2021-03", "1976", "2020-05", "2020-11", "2017-09-02"
    ]  # fmt: skip
    assert extract("She may need 5 mg.").dates == []


def test_cues_for_the_binding_rules() -> None:
    claim = extract("His latest HbA1c fell, his BP is well controlled, he no longer takes metformin daily.")
    assert [c.kind for c in claim.directions] == ["falling"]
    assert [c.kind for c in claim.judgements] == ["controlled"]
    assert {"stopped"} <= {c.kind for c in claim.status} and [c.phrase for c in claim.latest] == ["latest"]
    assert [c.kind for c in claim.frequencies] == ["1/d"] and claim.negations == []
    assert [c.phrase for c in extract("Over the last three visits it was stable.").latest] == []
