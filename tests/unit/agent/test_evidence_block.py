"""Evidence for a prompt: lines in order within a budget, short handles in place of keys, and handles back."""

from __future__ import annotations

import pytest

from medcite.agent.evidence_block import PROMPT_TOKENS_PER_8K, fit_evidence, prompt_budget_tokens
from medcite.core.citation_keys import citation_keys, expand_handles
from medcite.core.evidence import Code, ConditionFact, Evidence, ObservationFact, Reading, Value, with_history
from medcite.core.settings import Settings

A1C = Code(display="Hemoglobin A1c", system="http://loinc.org", code="4548-4", system_label="LOINC")
LATEST = Evidence(
    key="Observation/a1c-3",
    fact=ObservationFact(
        code=A1C,
        effective="2021-03-17",
        status="final",
        values=[Value(text="7.1 %", number=7.1, unit="%")],
        earlier=[
            Reading(key="Observation/a1c-2", date="2020-03-11", values=[Value(text="6.4 %")], short_text="6.4 %"),
            Reading(key="Observation/a1c-1", date="2019-03-06", values=[Value(text="6.1 %")], short_text="6.1 %"),
        ],
        trend=["rising"],
    ),
)
DIABETES = Evidence(key="Condition/dm", fact=ConditionFact(code=Code(display="Diabetes"), clinical_status="active"))


def test_handles_stand_for_keys_and_earlier_readings_are_not_repeated() -> None:
    block = fit_evidence(with_history([DIABETES, LATEST]), budget=10_000, handles=True)
    assert block.lines == [
        "[E1] Diabetes: active",
        "[E2] 2021-03-17 Hemoglobin A1c (LOINC 4548-4): 7.1 %; previous 6.4 % (2020-03-11) [E3], "
        "6.1 % (2019-03-06) [E4]; trend rising",
    ]
    assert block.handles == {
        "E1": "Condition/dm",
        "E2": "Observation/a1c-3",
        "E3": "Observation/a1c-2",
        "E4": "Observation/a1c-1",
    }
    assert block.citable == ["E1", "E2", "E3", "E4"] and block.keys == list(block.handles.values())


def test_lines_that_do_not_fit_are_left_out_and_later_ones_still_tried() -> None:
    long_line = Evidence(key="Condition/long", fact=ConditionFact(code=Code(display="x" * 200)))
    budget = len(DIABETES.text) + len(LATEST.text) + 2
    block = fit_evidence([DIABETES, long_line, LATEST], budget=budget)
    assert block.keys == ["Condition/dm", "Observation/a1c-3", "Observation/a1c-2", "Observation/a1c-1"]
    assert block.left_out == ["Condition/long"] and block.size == budget
    assert block.handles == {} and block.citable == block.keys
    assert fit_evidence([long_line], budget=10).text == "(no evidence found)"


@pytest.mark.parametrize(
    ("draft", "expanded"),
    [
        ("A1c was 7.1 % [E2].", "A1c was 7.1 % [Observation/a1c-3]."),
        ("Rising [E2, E3].", "Rising [Observation/a1c-3, Observation/a1c-2]."),
        ("Rising [E2][e3].", "Rising [Observation/a1c-3][Observation/a1c-2]."),
        ("Known key [Condition/other, E1].", "Known key [Condition/other, Condition/dm]."),
        ("Unknown handle [E9] and a note [see above].", "Unknown handle [E9] and a note [see above]."),
    ],
)
def test_handles_are_expanded_before_checking(draft: str, expanded: str) -> None:
    handles = {"E1": "Condition/dm", "E2": "Observation/a1c-3", "E3": "Observation/a1c-2"}
    assert expand_handles(draft, handles) == expanded
    assert expand_handles(draft, {}) == draft
    assert "E9" not in citation_keys(expand_handles(draft, handles))


def test_prompt_budget_scales_with_the_context_window() -> None:
    settings = Settings(max_new_tokens=512)
    assert prompt_budget_tokens(settings.with_(n_ctx=8192)) == PROMPT_TOKENS_PER_8K == 1500
    assert prompt_budget_tokens(settings.with_(n_ctx=32768)) == 4 * 1500
    assert prompt_budget_tokens(settings.with_(n_ctx=4096)) == 1500
    assert prompt_budget_tokens(settings.with_(n_ctx=2048)) == 2048 - 512 - 64
    assert prompt_budget_tokens(settings.with_(prompt_tokens=900)) == 900
