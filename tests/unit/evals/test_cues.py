"""The cue tables load into typed, validated models: unknown keys and broken patterns are rejected."""

import re

import pytest
from pydantic import ValidationError

from medcite.evals.cues import AnswerCues, answer_cues


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
