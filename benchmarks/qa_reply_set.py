"""The labelled set of QA replies (``tests/data/qa_replies.jsonl``) and how extraction is scored on it.

Each line is one reply written in the style of a capable model (MedGemma thinking blocks, Markdown
headings and bold, "I'll go with A", option text only, lowercase markers, refusals, hedges, replies cut
off before an answer) with the letter a careful reader takes as the chosen option, or null when the reply
gives none. The set is split into a dev half (the extractor's rules were tuned on it) and a test half
(reported). Per split: accuracy, letters missed, wrong letters (a different letter, or one read from a
reply that gives none), and answers read into cut-off replies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from medcite.evals.qa.extract import Extraction, extract_choice

REPLY_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "qa_replies.jsonl"
Split = Literal["dev", "test"]


class LabelledReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    split: Split
    kind: Literal["mcq", "pubmedqa"]
    style: str
    cut_off: bool
    options: dict[str, str]
    reply: str
    expected: str | None

    @model_validator(mode="after")
    def _consistent(self) -> LabelledReply:
        if self.expected is not None and self.expected not in self.options:
            raise ValueError(f"{self.id}: expected {self.expected!r} is not one of the options")
        if self.cut_off and self.expected is not None:
            raise ValueError(f"{self.id}: a cut-off reply gives no answer")
        return self


def load_replies(path: Path = REPLY_SET) -> list[LabelledReply]:
    """The labelled replies; a malformed line names the file and line."""
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(LabelledReply.model_validate(json.loads(line)))
            except ValueError as exc:
                raise ValueError(f"{path}, line {lineno}: {exc}") from exc
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate ids")
    return rows


@dataclass
class SplitScore:
    n: int = 0
    correct: int = 0
    missed: list[str] = field(default_factory=list)  # a letter expected, none read
    wrong: list[str] = field(default_factory=list)  # another letter, or a letter where the reply gives none
    cut_off_misreads: list[str] = field(default_factory=list)  # a letter read from a cut-off reply

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


def score(
    replies: Iterable[LabelledReply], extract: Callable[[str, dict[str, str]], Extraction] = extract_choice
) -> dict[str, SplitScore]:
    """Scores per split and for both together (``all``)."""
    out = {"dev": SplitScore(), "test": SplitScore(), "all": SplitScore()}
    for r in replies:
        got = extract(r.reply, r.options).letter
        for s in (out[r.split], out["all"]):
            s.n += 1
            if got == r.expected:
                s.correct += 1
            elif r.cut_off:
                s.cut_off_misreads.append(r.id)
            elif got is None:
                s.missed.append(r.id)
            else:
                s.wrong.append(r.id)
    return out
