"""The cue tables load into typed, validated models: unknown keys and broken patterns are rejected."""

import re

import pytest
from pydantic import ValidationError

from medcite.evals.cues import AnswerCues, QaAnswerCues, answer_cues, qa_answer_cues


def test_the_shipped_answer_cues_load_compiled() -> None:
    cues = answer_cues()
    assert set(cues.yes_no) == {"yes", "no"} and set(cues.trend) == {"increasing", "decreasing", "stable"}
    assert all(isinstance(p, re.Pattern) and p.flags & re.I for p in cues.context)
    assert cues.number_words["two"] == 2


def _table(**change: object) -> dict[str, object]:
    table = {
        "yes_no": {"yes": ["\\byes\\b"], "no": ["^no\\b"]},
        "trend": {"increasing": ["up"], "decreasing": ["down"], "stable": ["flat"]},
        "number_words": {"two": 2},
        "list_filler_words": ["to"],
        "counted": ["orders?"],
        "context": ["previously"],
    }
    return {**table, **change}


def test_unknown_keys_labels_and_broken_patterns_are_rejected() -> None:
    AnswerCues.model_validate(_table())
    with pytest.raises(ValidationError, match="extra"):
        AnswerCues.model_validate(_table(contxt=["x"]))
    with pytest.raises(ValidationError, match="maybe"):
        AnswerCues.model_validate(_table(yes_no={"yes": ["y"], "maybe": ["m"]}))
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        AnswerCues.model_validate(_table(context=["(unclosed"]))


def test_the_qa_answer_cues_load_and_a_letter_claim_needs_its_group() -> None:
    cues = qa_answer_cues()
    assert all(p.groups == 1 for p in cues.letter_claim)
    assert cues.final_marker[0].search("so... FINAL ANSWER: b")
    table = cues.model_dump()
    table = {k: [p.pattern for p in v] if isinstance(v, list) else v.pattern for k, v in table.items()}
    QaAnswerCues.model_validate(table)
    with pytest.raises(ValidationError, match="exactly one group"):
        QaAnswerCues.model_validate({**table, "letter_claim": ["[A-E] is correct"]})
