from dataclasses import dataclass, field

import pytest

from medcite.evals.answers import EvalAnswer, inline_keys, to_eval_answer


@dataclass
class Flag:
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}"


@dataclass
class Citation:
    key: str


@dataclass
class AgentStyleAnswer:
    """Shaped like the agent's Answer: text, cited_keys(), citations and Flag objects."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def cited_keys(self) -> list[str]:
        return [c.key for c in self.citations]


def test_inline_keys_in_order_without_duplicates() -> None:
    text = "A [Observation/1] b [guideline:uspstf-0001] c [Observation/1] [not a key] [Condition/a-b.c]"
    assert inline_keys(text) == ["Observation/1", "guideline:uspstf-0001", "Condition/a-b.c"]


def test_agent_style_answer_is_normalised() -> None:
    answer = AgentStyleAnswer(
        text="HbA1c 5.8 % [Observation/1]",
        citations=[Citation("Observation/2")],
        flags=[Flag("missing_data", "no TSH")],
    )
    got = to_eval_answer(answer)
    assert got.citation_keys == ["Observation/2", "Observation/1"]
    assert got.flags == ["missing_data: no TSH"]


def test_strings_and_eval_answers() -> None:
    assert to_eval_answer("x [Encounter/9]").citation_keys == ["Encounter/9"]
    merged = to_eval_answer(EvalAnswer(text="[Encounter/9]", citation_keys=["Encounter/1"]))
    assert merged.citation_keys == ["Encounter/1", "Encounter/9"]
    with pytest.raises(TypeError, match="text"):
        to_eval_answer(42)


def test_the_fallback_mark_is_carried_from_the_agents_answer() -> None:
    from medcite.agent.answer import Answer

    fallback = Answer(question="q", text="- [Observation/1] 2019-03-11 HbA1c: 5.8 %", fallback=True)
    got = to_eval_answer(fallback)
    assert got.fallback is True and got.citation_keys == ["Observation/1"]
    assert to_eval_answer(Answer(question="q", text="HbA1c 5.8 % [Observation/1].")).fallback is False
    assert to_eval_answer(AgentStyleAnswer(text="no such field")).fallback is False
    assert EvalAnswer.model_validate({"text": "stored before the field existed"}).fallback is False


def test_a_fallback_mark_must_be_a_bool() -> None:
    @dataclass
    class Loose:
        text: str
        fallback: str

    with pytest.raises(TypeError, match="fallback"):
        to_eval_answer(Loose(text="x", fallback="yes"))


def test_the_basis_is_carried_and_must_be_a_string() -> None:
    from medcite.agent.answer import Answer

    record = Answer(question="q", text="No allergies or intolerances are recorded [none:allergies].", basis="record")
    assert to_eval_answer(record).basis == "record"
    assert to_eval_answer(AgentStyleAnswer(text="no such field")).basis is None

    @dataclass
    class Loose:
        text: str
        basis: int

    with pytest.raises(TypeError, match="basis"):
        to_eval_answer(Loose(text="x", basis=1))
