"""Reading values out of free-text answers: numbers, dates, cue words, abstentions; exact, normalised and
numeric-tolerance matching."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Literal

from medcite.evals.cues import answer_cues
from medcite.evals.data import load_lines

_CITATION = re.compile(r"\[[^\]]*\]")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T[\d:.+\-Z]*)?\b")
_TEXT_DATES = (
    (re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})\b"), "%B %d %Y"),
    (re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2,8})\.?,? (\d{4})\b"), "%d %B %Y"),
)
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?!\w)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def segments(text: str) -> list[str]:
    """Lines split into sentences (a period inside a number does not split)."""
    return [p for line in text.splitlines() for p in _SENTENCE_END.split(line) if p.strip()]


def strip_citations(text: str) -> str:
    return _CITATION.sub(" ", text)


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed."""
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def exact_match(text: str, gold: str) -> bool:
    """The gold string occurs verbatim in the answer."""
    return bool(gold) and gold in text


def normalized_match(text: str, gold: str) -> bool:
    """The gold occurs in the answer after ``normalize`` (on word boundaries)."""
    g = normalize(gold)
    return bool(g) and f" {g} " in f" {normalize(text)} "


def _parse_text_date(groups: tuple[str, ...], fmt: str) -> str | None:
    for month_fmt in ("%B", "%b"):
        try:
            return datetime.strptime(" ".join(groups), fmt.replace("%B", month_fmt)).date().isoformat()
        except ValueError:
            continue
    return None


def dates_in(text: str) -> list[str]:
    """ISO dates written in the answer (``2019-03-11``, ``March 11, 2019``, ``11 March 2019``)."""
    text = strip_citations(text)
    found = []
    for m in ISO_DATE.finditer(text):
        try:
            found.append(date(int(m[1]), int(m[2]), int(m[3])).isoformat())
        except ValueError:
            continue
    for pattern, fmt in _TEXT_DATES:
        for m in pattern.finditer(text):
            parsed = _parse_text_date(m.groups(), fmt)
            if parsed:
                found.append(parsed)
    return found


def date_match(text: str, gold: str) -> bool:
    return gold in dates_in(text)


def number_tokens(text: str) -> list[str]:
    """Numbers as written in the answer, leaving out citation keys and dates."""
    text = ISO_DATE.sub(" ", strip_citations(text))
    for pattern, _ in _TEXT_DATES:
        text = pattern.sub(" ", text)
    return [m.group(0).replace(",", "").replace("−", "-") for m in _NUMBER.finditer(text)]


def _decimals(number_text: str) -> int:
    return len(number_text.split(".")[1]) if "." in number_text else 0


def numeric_close(answer: float, gold: float, rel_tol: float = 0.005, shown: str | None = None) -> bool:
    """Equal within ``rel_tol`` of the gold, or equal to the gold rounded as the answer shows it."""
    if shown is not None and round(gold, _decimals(shown)) == answer:
        return True
    return abs(answer - gold) <= rel_tol * max(abs(gold), 1e-9)


def numeric_match(text: str, gold: float, rel_tol: float = 0.005) -> bool:
    """Some number in the answer equals the gold value (see ``numeric_close``)."""
    return any(numeric_close(float(shown), gold, rel_tol, shown) for shown in number_tokens(text))


def first_cue(text: str, group: Literal["yes_no", "trend"]) -> str | None:
    """The label whose cue occurs earliest in the text (``group``: ``yes_no`` or ``trend``)."""
    table: Mapping[str, list[re.Pattern[str]]] = getattr(answer_cues(), group)
    text = strip_citations(text)
    best: tuple[int, str] | None = None
    for label, patterns in table.items():
        for pattern in patterns:
            m = pattern.search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), label)
    return best[1] if best else None


@cache
def _count_pattern() -> re.Pattern[str]:
    cues = answer_cues()
    number = r"\b(\d+|" + "|".join(map(re.escape, cues.number_words)) + r")\b"
    counted = "|".join(p.pattern for p in cues.counted)
    return re.compile(number + r"\s+(?:[\w-]+\s+){0,3}?(?:" + counted + ")", re.I)


def counts_in(text: str) -> list[int]:
    """Counts of medication orders the text states: a number (digits or a word such as ``two`` or ``no``)
    followed, within three words, by what is counted (``3 active medication orders``)."""
    words = answer_cues().number_words
    text = ISO_DATE.sub(" ", strip_citations(text))
    return [int(m[1]) if m[1].isdigit() else words[m[1].lower()] for m in _count_pattern().finditer(text)]


def list_item_covered(text: str, item: str) -> bool:
    """Every content word of ``item`` (filler words dropped, plural ``s`` ignored) occurs in the answer."""
    filler = set(answer_cues().list_filler_words)
    stem = lambda w: w[:-1] if len(w) > 3 and w.endswith("s") else w  # noqa: E731
    answer = {stem(w) for w in normalize(text).split()}
    words = [stem(w) for w in normalize(item).split() if w not in filler]
    return bool(words) and all(w in answer for w in words)


@cache
def _abstention_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p, re.I) for p in load_lines("abstention_patterns")]


def says_not_in_record(text: str) -> bool:
    """The answer states that the record does not hold what was asked."""
    return any(p.search(text) for p in _abstention_patterns())
