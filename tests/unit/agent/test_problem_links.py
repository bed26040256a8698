"""The problem → results table: matching by SNOMED code or display, vocabulary names checked, abnormal results."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medcite.agent.problem_links import (
    ProblemLink,
    is_abnormal,
    is_result_of,
    linked_result_names,
    links_of,
    problem_result_rules,
)
from medcite.core.evidence import Code, ConditionFact, Evidence, ObservationFact, ReferenceRange, Value

SNOMED, LOINC = "http://snomed.info/sct", "http://loinc.org"


def problem(display: str, code: str | None = None) -> Evidence:
    return Evidence(
        key=f"Condition/{display[:8]}", fact=ConditionFact(code=Code(display=display, system=SNOMED, code=code))
    )


def result(
    code: str, values: list[Value], flags: list[str] | None = None, ref: ReferenceRange | None = None
) -> ObservationFact:
    return ObservationFact(
        code=Code(display="x", system=LOINC, code=code), values=values, interpretation=flags or [], reference_range=ref
    )


@pytest.mark.parametrize(
    ("problems", "names"),
    [
        ([problem("Diabetes", "44054006")], ["hba1c", "glucose"]),
        ([problem("Neuropathy due to type 2 diabetes mellitus (disorder)")], ["hba1c", "glucose"]),
        ([problem("Prediabetes")], ["hba1c", "glucose"]),  # its own entry: 'diabet' is not a word start here
        ([problem("Heart failure with reduced ejection fraction")], ["lvef", "bnp"]),
        ([problem("Something coded only", "88805009")], ["lvef", "bnp"]),
        ([problem("Chronic kidney disease stage 3")], ["egfr", "creatinine", "urine albumin creatinine ratio"]),
        ([problem("Hypertension"), problem("Hyperlipidemia")], ["blood pressure", "ldl", "total cholesterol"]),
        ([problem("Chronic intractable migraine without aura")], []),
    ],
)
def test_problems_call_for_their_results(problems: list[Evidence], names: list[str]) -> None:
    assert linked_result_names(links_of(problems)) == names


def test_results_match_by_code_or_component_code() -> None:
    panel = result("55284-4", [Value(text="120 mm(Hg)", label="Systolic", code="8480-6")])
    assert is_result_of(panel, "blood pressure") and is_result_of(panel, "systolic blood pressure")
    assert is_result_of(result("33762-6", [Value(text="900 pg/mL")]), "bnp")
    assert not is_result_of(result("2345-7", [Value(text="90 mg/dL")]), "hba1c")


def test_abnormal_means_a_flag_or_a_value_outside_its_range() -> None:
    in_range = ReferenceRange(low=4.0, high=5.6, text="4-5.6 %")
    assert not is_abnormal(result("4548-4", [Value(text="5.0 %", number=5.0)], ref=in_range))
    assert is_abnormal(result("4548-4", [Value(text="6.2 %", number=6.2)], ref=in_range))
    assert is_abnormal(result("4548-4", [Value(text="3.1 %", number=3.1)], ref=in_range))
    assert is_abnormal(result("4548-4", [Value(text="5.0 %", number=5.0)], flags=["H"]))
    assert not is_abnormal(result("4548-4", [Value(text="5.0 %", number=5.0)], flags=["N"]))
    assert not is_abnormal(result("72166-2", [Value(text="Never smoker")]))


def test_table_names_only_known_results() -> None:
    assert {"diabetes", "heart failure", "chronic kidney disease", "hypertension"} <= {
        p.name for p in problem_result_rules().problems
    }
    with pytest.raises(ValidationError, match="ferritin level not in the observation vocabulary"):
        ProblemLink(name="iron", results=("ferritin level",))
