"""Answer extraction from free-text model output for lettered multiple-choice questions.

Thinking blocks are removed first. Then, in order (the first rule that yields a valid option wins):

1. the last "Final Answer" marker decides alone (an unreadable one means no answer; echoes of the
   instruction and a bare marker at the end of a cut-off reply do not count);
2. answer leads, last first: "the answer is (C)", "Answer: B", "I'll go with D" (after "not A but B"
   the choice is B; a lead followed by "not" alone, or by two options weighed, is skipped);
3. letter claims, last first: "E is the best next step", "makes option C the best choice", "Thus, B.";
4. a leading letter on the first line ("(C) Clopidogrel", "B."), unless the next line is another option;
5. for yes/no/maybe questions, the one of these words opening sentences, followed by punctuation
   ("Yes.", "No —", "... readmission? Yes: the c-statistic ...");
6. in a complete reply only (not cut off mid-sentence): the one option named with its own letter
   ("hypomagnesemia (E)"), then a unique option text opening the first sentence or ending the reply.

Letters after a marker or lead may be lower case when they stand alone ("final answer: b"). The cue
lists are data (``evals/data/qa_answer_cues.json``), typed and validated when loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcite.agent.models.thinking import split_thinking
from medcite.evals.cues import QaAnswerCues, qa_answer_cues

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_BOXED = re.compile(r"\\boxed\{\s*(?:\\text\{)?([^{}]*?)\}?\s*\}")
_EMPHASIS = re.compile(r"[*_`]+|\$")
_CODE_FENCE = re.compile(r"^```\w*\s*$", re.M)
_PLACEHOLDER = re.compile(r"""^["'“”]?\s*X\s*["'“”]?[.,]?$""")
_QUOTES = "\"'“”"
_UPPER = r"([A-Z])(?=$|[\s.,:;)\]\"'}—–-])"  # a capital letter, then a space or punctuation
_LOWER = r"([a-z])(?=$|[.,:;)\]\"'}])"  # a small letter standing alone: "b", "b." (not "a beta blocker")
_OPTION = r"(?i:option|choice|letter)\b"
_LETTER_AFTER = re.compile(rf"^\s*(?:{_OPTION}\s*)?(?:\(([A-Za-z])\)|\[([A-Za-z])\]|{_UPPER}|{_LOWER})")
_LEAD_END = r"(?=$|[.:)\]]|\s+[—–-]\s|\s+is\s+correct\b)"  # "B.", "B)", "B — Isthmus", "B is correct"
_LETTER_LEAD = re.compile(rf"^\s*(?:{_OPTION}\s+)?(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z]){_LEAD_END})")
_YES_NO_LEAD = re.compile(r"^\s*(yes|no|maybe)\s*(?:$|[.,;:!—–-])", re.I)
_COMPLETE_END = re.compile(r"[.!?)\]\"'”]\s*\Z")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_WORD = re.compile(r"[^a-z0-9%.]+")
_YES_NO = ("yes", "no", "maybe")
SHORT_REPLY_WORDS = 8


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
    text = _CODE_FENCE.sub("", _BOXED.sub(r"\1", text))
    return _EMPHASIS.sub("", text).strip()


def _norm(text: str) -> str:
    return " ".join(_WORD.sub(" ", text.lower()).split()).strip(" .")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _first_line(text: str) -> str:
    return next(iter(_lines(text)), "")


def _letter(match: re.Match[str] | None, options: dict[str, str]) -> str | None:
    if match is None:
        return None
    letter = next(g for g in match.groups() if g).upper()
    return letter if letter in options else None


def _named(fragment: str, options: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Options whose whole text occurs in the fragment: letter -> (start, end) in the normalised fragment."""
    norm = _norm(fragment)
    found: dict[str, tuple[int, int]] = {}
    for letter, text in options.items():
        opt = _norm(text)
        m = re.search(rf"(?<![a-z0-9]){re.escape(opt)}(?![a-z0-9])", norm) if opt else None
        if m:
            found[letter] = (m.start(), m.end())
    return found


def _option_at_start(fragment: str, options: dict[str, str]) -> str | None:
    """The option whose text opens the fragment (the longest, when one option's text starts another's)."""
    opening = [k for k, (start, _) in _named(fragment, options).items() if start == 0]
    return max(opening, key=lambda k: len(_norm(options[k]))) if opening else None


def _option_at_end(fragment: str, options: dict[str, str]) -> str | None:
    """The option whose text ends the fragment (the longest), or, when the fragment names no other option,
    is followed by one last word ("... of mitochondrial inheritance.")."""
    norm = _norm(fragment)
    named = _named(fragment, options)
    ending = [k for k, (_, end) in named.items() if end == len(norm)]
    if not ending and len(named) == 1:
        ending = [k for k, (_, end) in named.items() if len(norm[end:].split()) == 1]
    return max(ending, key=lambda k: len(_norm(options[k]))) if ending else None


def parse_choice(fragment: str, options: dict[str, str]) -> str | None:
    """A letter from what follows a marker or lead: ``B``, ``(b)``, ``option B``, ``B. text`` or option text."""
    fragment = _clean(fragment)
    if not fragment:
        return None
    if _cues().negated_lead.match(fragment):  # "not A but B": B, else nothing
        line = _first_line(fragment)
        but = _cues().contrast.search(line)
        return parse_choice(line[but.end() :], options) if but else None
    if _cues().several_letters.match(fragment) or _hedged(_SENTENCE.split(_first_line(fragment))[0], options):
        return None  # "A and C", "hypokalemia or hypomagnesemia": no single choice
    letter = _letter(_LETTER_AFTER.match(fragment), options)
    if letter:
        return letter
    line = _first_line(fragment)
    for pattern in _cues().answer_lead:
        m = pattern.match(line)
        if m and m.end() < len(line):
            return parse_choice(line[m.end() :], options)
    named = _named(line, options)
    return _option_at_start(line, options) or (next(iter(named)) if len(named) == 1 else None)


def _is_answer_line(text: str, marker: re.Match[str], options: dict[str, str]) -> bool:
    """False for echoes of the instruction (``the form "Final Answer: X"``) and for a marker with nothing
    after it (generation stopped there): those neither give nor withdraw an answer."""
    if text[: marker.start()].rstrip().endswith(tuple(_QUOTES)):
        return False
    rest = text[marker.end() :].strip()
    if not rest:
        return False
    return "X" in options or not _PLACEHOLDER.match(_first_line(rest))


def _from_leads(text: str, options: dict[str, str]) -> str | None:
    """The last answer lead in the text that is followed by a readable choice."""
    found = [m for pattern in _cues().answer_lead for m in pattern.finditer(text)]
    for m in sorted(found, key=lambda m: m.start(), reverse=True):
        letter = parse_choice(text[m.end() :], options)
        if letter:
            return letter
    return None


def _from_claims(text: str, options: dict[str, str]) -> str | None:
    found = [m for pattern in _cues().letter_claim for m in pattern.finditer(text)]
    for m in sorted(found, key=lambda m: m.start(), reverse=True):
        if m.group(1) in options:
            return m.group(1)
    return None


def _leading_letter(text: str, options: dict[str, str]) -> str | None:
    """A letter opening the reply, unless the next line opens with another letter (a list of the options)."""
    lines = _lines(text)
    letter = _letter(_LETTER_LEAD.match(lines[0]), options) if lines else None
    if letter and len(lines) > 1:
        following = _letter(_LETTER_LEAD.match(lines[1]), options)
        if following and following != letter:
            return None
    return letter


def _yes_no(text: str, options: dict[str, str]) -> str | None:
    """The one word among yes/no/maybe that opens a sentence, followed by punctuation ("Yes: the ...")."""
    words = {m[1].lower() for line in _lines(text) for s in _SENTENCE.split(line) if (m := _YES_NO_LEAD.match(s))}
    by_word = {_norm(v): k for k, v in options.items()}
    return by_word.get(words.pop()) if len(words) == 1 else None


def _complete(text: str) -> bool:
    """Ends a sentence, or is one short line: not cut off mid-sentence."""
    lines = _lines(text)
    return bool(_COMPLETE_END.search(text)) or (len(lines) == 1 and len(lines[0].split()) <= SHORT_REPLY_WORDS)


def _letter_with_text(text: str, options: dict[str, str]) -> str | None:
    """The one option named together with its own letter: ``hypomagnesemia (E)``, ``mitochondrial
    inheritance (D)`` (up to two words between) or ``(E) hypomagnesemia``."""
    paired = set()
    for letter, option in options.items():
        opt, tag = re.escape(option.strip()), rf"[\(\[]{letter}[\)\]]"
        if re.search(rf"(?<!\w){opt}(?:\s+[\w-]+){{0,2}}\s*{tag}|{tag}\s*{opt}(?!\w)", text, re.I):
            paired.add(letter)
    return paired.pop() if len(paired) == 1 else None


def _hedged(sentence: str, options: dict[str, str]) -> bool:
    return len(_named(sentence, options)) > 1 and any(p.search(sentence) for p in _cues().hedge)


def _option_text(text: str, options: dict[str, str]) -> str | None:
    """A unique option text opening the first sentence, or one ending the reply (unless it weighs options)."""
    sentences = [s for line in _lines(text) for s in _SENTENCE.split(line) if s.strip()]
    if not sentences:
        return None
    first, last = sentences[0], sentences[-1]
    if len(_named(first, options)) == 1:
        letter = _option_at_start(first, options)
        if letter:
            return letter
    return None if _hedged(last, options) else _option_at_end(last, options)


def extract_choice(raw: str, options: dict[str, str]) -> Extraction:
    """Extract the chosen option letter from a raw model reply."""
    text = _clean(answer_text(raw))
    if not text:
        return Extraction(None, "empty")

    finals = [m for p in _cues().final_marker for m in p.finditer(text) if _is_answer_line(text, m, options)]
    if finals:
        letter = parse_choice(text[max(finals, key=lambda m: m.start()).end() :], options)
        return Extraction(letter, "final_answer" if letter else "final_answer_unreadable")

    for method, rule in (("answer_phrase", _from_leads), ("letter_claim", _from_claims)):
        letter = rule(text, options)
        if letter:
            return Extraction(letter, method)

    letter = _leading_letter(text, options)
    if letter:
        return Extraction(letter, "leading_letter")

    if {_norm(v) for v in options.values()} <= set(_YES_NO):
        letter = _yes_no(text, options)
        if letter:
            return Extraction(letter, "yes_no")

    if not _complete(text):
        return Extraction(None, "cut_off")
    letter = _letter_with_text(text, options)
    if letter:
        return Extraction(letter, "letter_and_text")
    letter = _option_text(text, options)
    return Extraction(letter, "option_text" if letter else "none")


def _cues() -> QaAnswerCues:
    return qa_answer_cues()
