"""Thinking-block parsing on recorded MedGemma-style outputs."""

from __future__ import annotations

import pytest

from medcite.agent.models.thinking import split_thinking

RECORDED = [
    (
        "<unused94>thought\nThe patient is 54 with LDL 190; statin indicated.<unused95>"
        "Start a moderate-intensity statin.",
        "Start a moderate-intensity statin.",
        "The patient is 54 with LDL 190; statin indicated.",
    ),
    (
        "<unused94>thought\nStep 1: MedQA option C fits.\nStep 2: check.\n<unused95>\nFinal Answer: C<end_of_turn>",
        "Final Answer: C",
        "Step 1: MedQA option C fits.\nStep 2: check.",
    ),
    ("No thinking here.<end_of_turn>", "No thinking here.", None),
    (
        "<unused94>thought\nstill thinking when the budget ran out",
        "",
        "still thinking when the budget ran out",
    ),
]


@pytest.mark.parametrize(("raw", "answer", "thoughts"), RECORDED)
def test_split_thinking(raw: str, answer: str, thoughts: str | None) -> None:
    got_answer, got_thoughts = split_thinking(raw)
    assert got_answer == answer
    assert got_thoughts == thoughts
    assert "<unused9" not in got_answer
