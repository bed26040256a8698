"""Citation verification, in code: every kept sentence of a model draft must cite gathered evidence,
and every number, unit and date it states must appear in the evidence it cites."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from medcite.agent.answer import SentenceCheck
from medcite.agent.rules import phrase_list
from medcite.core.citation_keys import citation_keys, strip_citations
from medcite.core.evidence import Evidence
from medcite.core.vocabulary import observation_names

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_NAMED_DATE = re.compile(r"\b(" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[*_\"'])")
_WORD = re.compile(r"[A-Za-z]+")


def split_sentences(text: str) -> list[str]:
    """Sentences in order; a fragment made only of citations is attached to the sentence before it."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if not piece:
                continue
            if out and citation_keys(piece) and not strip_citations(piece).strip(" .;,*-"):
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
    return out


def dates_in(text: str) -> set[str]:
    """ISO dates (``YYYY-MM-DD`` or ``YYYY-MM``) stated in text, named months converted."""
    found = {m.group(0) for m in _ISO_DATE.finditer(text)}
    for m in _NAMED_DATE.finditer(text):
        month = _MONTHS.index(next(n for n in _MONTHS if n.startswith(m.group(1).lower()))) + 1
        day = f"-{int(m.group(2)):02d}" if m.group(2) else ""
        found.add(f"{m.group(3)}-{month:02d}{day}")
    return found


def numbers_in(text: str) -> list[float]:
    """Numbers stated in text, with dates removed first (their parts are checked as dates)."""
    text = _NAMED_DATE.sub(" ", _ISO_DATE.sub(" ", text))
    return [float(n) for n in _NUMBER.findall(text)]


def units_in(text: str) -> set[str]:
    """Known units written right after a number."""
    units = sorted(phrase_list("units"), key=len, reverse=True)
    pattern = re.compile(r"\d\s*(" + "|".join(re.escape(u) for u in units) + r")(?![A-Za-z0-9/])", re.I)
    return {m.group(1).lower() for m in pattern.finditer(_ISO_DATE.sub(" ", text))}


def _norm_unit(text: str) -> str:
    """``mm[Hg]``, ``mm(Hg)`` and ``mmHg`` compare equal."""
    return re.sub(r"[\s\[\](){}]", "", text.lower())


def _evidence_numbers(text: str) -> set[float]:
    nums = {float(n) for n in _NUMBER.findall(text)}
    for m in _ISO_DATE.finditer(text):
        nums.update(float(p) for p in m.groups() if p)
    return nums


def check_sentence(sentence: str, evidence: Mapping[str, Evidence]) -> SentenceCheck:
    keys = citation_keys(sentence)
    claim = strip_citations(sentence)
    lowered = claim.lower()
    if not keys:
        if any(re.search(p, lowered) for p in phrase_list("abstentions")) and not numbers_in(claim):
            return SentenceCheck(sentence=sentence, status="abstention")
        return SentenceCheck(sentence=sentence, status="uncited", problems=["no citation"])
    unknown = [k for k in keys if k not in evidence]
    if unknown:
        return SentenceCheck(
            sentence=sentence,
            keys=keys,
            status="unknown_citation",
            problems=[f"cites {k}, which is not in the gathered evidence" for k in unknown],
        )
    cited = " ".join(evidence[k].text for k in keys)
    problems: list[str] = []
    allowed = _evidence_numbers(cited) | {float(len(keys))}
    for n in numbers_in(claim):
        if not any(abs(n - a) <= 1e-6 * max(1.0, abs(a)) for a in allowed):
            problems.append(f"the value {n:g} is not in the cited evidence")
    cited_dates = dates_in(cited)
    for d in dates_in(claim):
        if not any(c.startswith(d) for c in cited_dates):
            problems.append(f"the date {d} is not in the cited evidence")
    cited_lower = cited.lower()
    cited_units = _norm_unit(cited_lower)
    for u in units_in(claim):
        if _norm_unit(u) not in cited_units:
            problems.append(f"the unit {u} is not in the cited evidence")
    if problems:
        return SentenceCheck(sentence=sentence, keys=keys, status="unsupported_value", problems=problems)
    if not _about_evidence(claim, cited_lower):
        return SentenceCheck(
            sentence=sentence,
            keys=keys,
            status="unsupported_content",
            problems=["shares no clinical term with the cited evidence"],
        )
    return SentenceCheck(sentence=sentence, keys=keys, status="verified")


def _content_words(text: str) -> set[str]:
    """Clinical terms of a text; lab/vital abbreviations (``BP``, ``A1c``) are expanded to their names."""
    stop = set(phrase_list("stopwords"))
    low = text.lower()
    words = {w for w in _WORD.findall(low) if len(w) >= 3 and w not in stop}
    for alias, expansion in _aliases().items():
        if re.search(rf"\b{re.escape(alias)}\b", low):
            words |= expansion
    return words


@cache
def _aliases() -> dict[str, frozenset[str]]:
    """Alias → words of its canonical name and display, from the observation vocabulary."""
    out: dict[str, frozenset[str]] = {}
    for entry in observation_names():
        words = frozenset(w for w in _WORD.findall(f"{entry.name} {entry.display}".lower()) if len(w) >= 3)
        for alias in entry.names:
            out[alias.lower()] = words
    return out


def _about_evidence(claim: str, cited_lower: str) -> bool:
    """The sentence names at least one term of the evidence it cites (prefix match tolerates inflection)."""
    evidence_words = _content_words(cited_lower)
    words = _content_words(claim)
    if not words:
        return False
    return any(any(e.startswith(w[:5]) or w.startswith(e[:5]) for e in evidence_words) for w in words)


def is_filler(sentence: str) -> bool:
    """Headings and pleasantries that state nothing ("Answer:", "Sure!")."""
    return not citation_keys(sentence) and not numbers_in(sentence) and len(_WORD.findall(sentence)) <= 3


def verify_draft(draft: str, evidence: Mapping[str, Evidence]) -> tuple[str, list[SentenceCheck]]:
    """Return the text made only of verified sentences and abstentions, and every sentence's check."""
    checks = [check_sentence(s, evidence) for s in split_sentences(draft) if not is_filler(s)]
    kept = " ".join(c.sentence for c in checks if c.kept)
    return kept, checks


def kept_keys(checks: Iterable[SentenceCheck]) -> list[str]:
    out: list[str] = []
    for c in checks:
        if c.kept:
            out += [k for k in c.keys if k not in out]
    return out
