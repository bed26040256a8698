"""How ``medcite ask``/``chat`` print an answer: styled for a terminal (no raw Markdown, record text shown as
written), Markdown for pipes and files, JSON; every format says which sentences the model wrote."""

from __future__ import annotations

import io
import json

import pytest

from medcite.agent.answer import Answer, AnswerSentence, Citation, Flag
from medcite.agent.answer_templates import record_wording
from medcite.cli import main
from medcite.cli.answer_view import default_format, print_answer

MODEL = "Her HbA1c fell to 6.1 % on 2020-03-01 [Observation/a1]."
RECORD = "The most recent [bold]HbA1c[/bold] **x** was 6.1 % on 2020-03-01 [Observation/a1]."  # record text, as written
LABELS = record_wording().labels


def answer() -> Answer:
    return Answer(
        question="What is her latest HbA1c?",
        text=f"{LABELS.model}\n{MODEL}\n\n{LABELS.record}\n{RECORD}",
        basis="model",
        sentences=[
            AnswerSentence(text=MODEL, keys=["Observation/a1"], origin="model"),
            AnswerSentence(text=RECORD, keys=["Observation/a1"], origin="record"),
        ],
        citations=[
            Citation(key="Observation/a1", source="fhir", label="2020-03-01 HbA1c: 6.1 %", text="[Observation/a1] …")
        ],
        flags=[Flag(kind="model_hedge", reason="hedged statement", keys=["Observation/a1"])],
        model="scripted",
        trace_id="abc123",
    )


def printed(fmt: str) -> str:
    out = io.StringIO()
    print_answer(answer(), fmt, out)  # type: ignore[arg-type]
    return out.getvalue()


def test_the_terminal_view_tags_each_sentence_by_origin_and_prints_no_markup() -> None:
    out = printed("terminal")
    assert "[model-written, verified] Her HbA1c fell" in out
    assert "[from the record] The most recent [bold]HbA1c[/bold] **x** was" in out  # record text as written
    assert "Model answer, verified against the record" in out.splitlines()[0]
    for markup in ("###", "<sub>", "**From the record**", "**Model answer**", "_Research"):
        assert markup not in out
    assert "⚠ model_hedge: hedged statement (Observation/a1)" in out and "trace abc123 · model scripted" in out


def test_markdown_and_json_carry_the_origin_too() -> None:
    md = printed("md")
    assert md.startswith(f"{LABELS.model}\n{MODEL}") and f"{LABELS.record}\n{RECORD}" in md and "<sub>trace" in md
    data = json.loads(printed("json"))
    assert data["basis"] == "model" and [s["origin"] for s in data["sentences"]] == ["model", "record"]


def test_terminal_is_the_default_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert default_format(Tty()) == "terminal" and default_format(io.StringIO()) == "md"


def test_two_formats_at_once_are_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "x", "--json", "--format", "md", "--no-guidelines"]) == 2
    assert "--json and --format md" in capsys.readouterr().err
