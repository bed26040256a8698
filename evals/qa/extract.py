"""Answer extraction from free-text model output for lettered multiple-choice questions.

Order (first rule that yields a valid option wins): the last "Final Answer" line (it decides alone:
an unreadable last one means no answer; echoes of the instruction and a bare marker at the end of a
cut-off reply do not count), then answer phrases ("the answer is (C)", "Answer: B",
"I would choose D"), a leading letter ("(C) Clopidogrel", "B."), a leading yes/no/maybe, and finally
the text of exactly one option. Thinking blocks are removed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcite.agent.models.thinking import split_thinking

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_BOXED = re.compile(r"\\boxed\{\s*(?:\\text\{)?([^{}]*?)\}?\s*\}")
_EMPHASIS = re.compile(r"[*_`]+|\$")
_FINAL = re.compile(r"final\s+answer\s*(?:is\b|:|-|=|—)", re.I)
_PLACEHOLDER = re.compile(r"""^["'“”]?\s*X\s*["'“”]?[.,]?$""")
_QUOTES = "\"'“”"
_PHRASES = (
    re.compile(
        r"\b(?:the\s+)?(?:(?:correct|best|right|most\s+likely|most\s+appropriate)\s+)?"
        r"(?:answer|option|choice)\s*(?:is|would\s+be|should\s+be|will\s+be|:|=|-)\s*",
        re.I,
    ),
    re.compile(r"\b(?:i\s+(?:would\s+)?(?:choose|select|pick|go\s+with)|my\s+choice\s+is)\s+", re.I),
)
_LETTER_AFTER = re.compile(r"^\s*(?:(?:option|choice|letter)\s*)?(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z])(?=$|[\s.,:;)\]]))")
_LETTER_LEAD = re.compile(r"^\s*(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z])(?=$|[.:)\]]|\s*$))")
_LETTER_IS_CORRECT = re.compile(r"^\s*\(?([A-Z])\)?\s+is\s+(?:the\s+)?(?:correct|right|best)\b")
_WORD = re.compile(r"[^a-z0-9%.]+")
_YES_NO = ("yes", "no", "maybe")


@dataclass(frozen=True)
class Extraction:
    """The chosen letter (None when unparseable) and the rule that found it."""

    letter: str | None
    method: str

    @property
    def parsed(self) -> bool:
        return self.letter is not None


def answer_text(raw: str) -> str:
    """The reply without thinking blocks (MedGemma ``<unused94>`` thoughts and ``<think>`` tags)."""
    text, _ = split_thinking(raw)
    return _THINK.sub("", text).strip()


def _clean(text: str) -> str:
    text = _BOXED.sub(r"\1", text)
    return _EMPHASIS.sub("", text)


def _norm(text: str) -> str:
    return " ".join(_WORD.sub(" ", text.lower()).split()).strip(" .")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _letter(match: re.Match[str] | None, options: dict[str, str]) -> str | None:
    if match is None:
        return None
    letter = next(g for g in match.groups() if g)
    return letter if letter in options else None


def _option_by_text(fragment: str, options: dict[str, str], whole: bool = False) -> str | None:
    """The option whose text the fragment names: its start (``whole=False``) or anywhere, if unique."""
    norm = _norm(fragment)
    if not norm:
        return None
    found: dict[str, int] = {}
    for letter, text in options.items():
        opt = _norm(text)
        if not opt:
            continue
        m = re.search(rf"(?<![a-z0-9]){re.escape(opt)}(?![a-z0-9])", norm)
        if m and (whole or m.start() == 0):
            found[letter] = m.start()
    if not found:
        return None
    if whole:
        return next(iter(found)) if len(found) == 1 else None
    longest = max(found, key=lambda k: len(_norm(options[k])))
    return longest


def parse_choice(fragment: str, options: dict[str, str]) -> str | None:
    """A letter from a short answer fragment: ``B``, ``(B)``, ``option B``, ``B. text`` or option text."""
    fragment = _clean(fragment).strip()
    if not fragment:
        return None
    letter = _letter(_LETTER_AFTER.match(fragment), options)
    if letter:
        return letter
    line = _first_line(fragment)
    for pattern in _PHRASES:
        m = pattern.match(line)
        if m and m.end() < len(line):
            return parse_choice(line[m.end() :], options)
    return _option_by_text(line, options) or _option_by_text(line, options, whole=True)


def _is_answer_line(text: str, marker: re.Match[str], options: dict[str, str]) -> bool:
    """False for echoes of the instruction (``the form "Final Answer: X"``) and for a marker with nothing
    after it (generation stopped there): those neither give nor withdraw an answer."""
    if text[: marker.start()].rstrip().endswith(tuple(_QUOTES)):
        return False
    rest = text[marker.end() :].strip()
    if not rest:
        return False
    return "X" in options or not _PLACEHOLDER.match(_first_line(rest))


def extract_choice(raw: str, options: dict[str, str]) -> Extraction:
    """Extract the chosen option letter from a raw model reply."""
    text = _clean(answer_text(raw))
    if not text:
        return Extraction(None, "empty")

    finals = [m for m in _FINAL.finditer(text) if _is_answer_line(text, m, options)]
    if finals:
        letter = parse_choice(text[finals[-1].end() :], options)
        return Extraction(letter, "final_answer" if letter else "final_answer_unreadable")

    for pattern in _PHRASES:
        for m in reversed(list(pattern.finditer(text))):
            letter = parse_choice(text[m.end() :], options)
            if letter:
                return Extraction(letter, "answer_phrase")

    first = _first_line(text)
    letter = _letter(_LETTER_LEAD.match(first), options) or _letter(_LETTER_IS_CORRECT.match(first), options)
    if letter:
        return Extraction(letter, "leading_letter")

    if {_norm(v) for v in options.values()} <= set(_YES_NO):
        word = re.match(r"\s*(yes|no|maybe)\b", first, re.I)
        if word:
            by_word = {_norm(v): k for k, v in options.items()}
            return Extraction(by_word.get(word.group(1).lower()), "yes_no")

    letter = _option_by_text(text, options, whole=True)
    return Extraction(letter, "option_text" if letter else "none")
