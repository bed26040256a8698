"""A recommendation's population (sex, ages, pregnancy) against the patient a search is for."""

from __future__ import annotations

import pytest

from medcite.tools.retrieval.passage import Passage
from medcite.tools.retrieval.population import Population


def _passage(**population: object) -> Passage:
    return Passage(id="p", text="t", title="T", doc_id="d", **population)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("population", "patient", "admitted"),
    [
        ({"sex": "female", "age_min": 21, "age_max": 65}, Population("male", 40), False),
        ({"sex": "female", "age_min": 21, "age_max": 65}, Population("female", 65), True),
        ({"sex": "female", "age_min": 21, "age_max": 65}, Population("female", 66), False),
        ({"sex": "female", "age_min": 21, "age_max": 65}, Population("female", 20), False),
        ({"pregnancy": "only"}, Population("female", 30, pregnant=False), False),
        ({"pregnancy": "only"}, Population("female", 30, pregnant=True), True),
        ({"pregnancy": "excluded"}, Population("female", 30, pregnant=True), False),
        ({"pregnancy": "excluded"}, Population("female", 30, pregnant=False), True),
        ({"sex": "male", "pregnancy": "only", "age_min": 50}, Population(), True),  # nothing known: no filter
    ],
)
def test_a_passage_is_left_out_only_when_its_population_excludes_the_patient(
    population: dict[str, object], patient: Population, admitted: bool
) -> None:
    assert patient.admits(_passage(**population)) is admitted


def test_a_passage_with_no_population_is_for_anyone() -> None:
    assert Population("male", 70, pregnant=False).admits(_passage())
    assert Population("female", 45, pregnant=False).describe() == "female, age 45, not pregnant"


def test_ages_out_of_order_are_rejected() -> None:
    with pytest.raises(ValueError, match="age_min 70 is above age_max 50"):
        _passage(age_min=70, age_max=50)
