"""Answer extraction on recorded reply shapes (SmolLM2, MedGemma with and without thinking, chat models)."""

import pytest

from medcite.evals.qa.extract import answer_text, extract_choice, parse_choice

MCQ = {"A": "Fundus", "B": "Isthmus", "C": "Neck", "D": "Gastric pit"}
DRUGS = {"A": "Aspirin", "B": "Enoxaparin", "C": "Clopidogrel", "D": "Warfarin"}
YNM = {"A": "yes", "B": "no", "C": "maybe"}
YN = {"A": "yes", "B": "no"}

SHAPES = [
    # (reply, options, expected letter, expected rule)
    ("Chief cells sit deep in the gland.\nFinal Answer: A", MCQ, "A", "final_answer"),
    ("**Final Answer:** (C)", MCQ, "C", "final_answer"),
    ("Final Answer: B\n\nWait, reconsidering.\nFinal answer: D", MCQ, "D", "final_answer"),
    ("Final answer is C.", MCQ, "C", "final_answer"),
    ("Final Answer:\nB", MCQ, "B", "final_answer"),
    ("Final Answer: $\\boxed{B}$", MCQ, "B", "final_answer"),
    ("Final Answer: The answer is Neck", MCQ, "C", "final_answer"),
    ("Final Answer: Clopidogrel", DRUGS, "C", "final_answer"),
    ("Final Answer: maybe", YNM, "C", "final_answer"),
    (
        "<unused94>thought\nA is wrong; B looks right but C fits better.<unused95>Final Answer: C",
        MCQ,
        "C",
        "final_answer",
    ),
    ("<think>Final Answer: A</think>The correct answer is D", MCQ, "D", "answer_phrase"),
    # recorded from SmolLM2: the instruction echoed, and a marker with nothing after it
    (
        "Step 1: Identify the correct answer\nThe correct answer is (B).\n\nStep 2: Write the answer in the form "
        '"Final Answer: X"\nThe correct answer is (B).',
        YN,
        "B",
        "answer_phrase",
    ),
    (
        "Step 1: Identify the correct answer\nThe correct answer is (B).\n\nStep 2: Write the answer\n"
        'The correct answer is "B".\n\nFinal Answer:',
        YN,
        "B",
        "answer_phrase",
    ),
    # recorded from the embedded SmolLM2 model
    (
        "(C) Clopidogrel\n\nThe correct answer is (B) Enoxaparin. This is a non-selective anticoagulant",
        DRUGS,
        "B",
        "answer_phrase",
    ),
    ("(C) maybe\n\nThe answer is (C) maybe.", YNM, "C", "answer_phrase"),
    (
        "(C) Clopidogrel\n\nClopidogrel is a medication used to treat acute coronary syndrome.",
        DRUGS,
        "C",
        "leading_letter",
    ),
    ("The answer is (C).", MCQ, "C", "answer_phrase"),
    ("Answer: B", MCQ, "B", "answer_phrase"),
    ("The best answer is: **A. Fundus**", MCQ, "A", "answer_phrase"),
    ("I would choose option D.", MCQ, "D", "answer_phrase"),
    ("The correct option is B) Isthmus", MCQ, "B", "answer_phrase"),
    ("B", MCQ, "B", "leading_letter"),
    ("B. Isthmus", MCQ, "B", "leading_letter"),
    ("C is correct because the neck holds mucous cells.", MCQ, "C", "letter_claim"),
    ("Yes, intubation success was not impaired.", YNM, "A", "yes_no"),
    ("No.", YN, "B", "yes_no"),
    ("Gastric pit", MCQ, "D", "option_text"),
    ("A 39-year-old woman has sepsis; the organism is most likely in the neck.", MCQ, "C", "option_text"),
]

UNPARSEABLE = [
    ("", MCQ, "empty"),
    ("<unused94>thought\nstill thinking when the budget ran out", MCQ, "empty"),
    ("Final Answer: X", MCQ, "none"),  # the instruction's placeholder, echoed
    ("Step 3: Write the final answer\nThe final answer ", MCQ, "cut_off"),
    ("Final Answer: E", MCQ, "final_answer_unreadable"),
    ("I don't know.", MCQ, "none"),
    ("Fundus or Neck, hard to say.", MCQ, "none"),
]


@pytest.mark.parametrize(("reply", "options", "letter", "rule"), SHAPES)
def test_extracts_the_chosen_option(reply: str, options: dict[str, str], letter: str, rule: str) -> None:
    got = extract_choice(reply, options)
    assert (got.letter, got.method) == (letter, rule)
    assert got.parsed


@pytest.mark.parametrize(("reply", "options", "rule"), UNPARSEABLE)
def test_unparseable_replies_yield_no_letter(reply: str, options: dict[str, str], rule: str) -> None:
    got = extract_choice(reply, options)
    assert got.letter is None
    assert not got.parsed
    assert got.method == rule


def test_enough_shapes_are_covered() -> None:
    assert len(SHAPES) + len(UNPARSEABLE) >= 20


def test_last_final_answer_decides_even_when_unreadable() -> None:
    assert extract_choice("Final Answer: B\nFinal Answer: none of these", MCQ).letter is None


def test_thinking_blocks_are_removed() -> None:
    assert answer_text("<unused94>thought\nA or B?<unused95>Final Answer: B<end_of_turn>") == "Final Answer: B"
    assert answer_text("<think>hmm</think> B") == "B"


def test_parse_choice_fragments() -> None:
    assert parse_choice("(B) because", MCQ) == "B"
    assert parse_choice("option c", MCQ) == "C"  # after a marker, a small letter standing alone is read
    assert parse_choice("a beta blocker", DRUGS) is None  # ... but not an article
    assert parse_choice("neck", MCQ) == "C"
    assert parse_choice("", MCQ) is None
