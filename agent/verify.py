"""Citation verification, in code: each sentence of a draft is read as a claim (the concepts it names, its
numbers with units and precision, dates, qualifiers, directions, status, negation, judgements) and checked
against the typed facts its keys stand for (``agent/verification/``).

Kept: verified sentences, and abstentions that agree with what was searched. Removed: uncited claims, unknown
keys, claims a cited fact contradicts or does not support, and sentences holding markup or a web address. A
claim the checker cannot decide is ``unverifiable``: removed from the text and flagged, never kept as fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from medcite.agent.answer import SentenceCheck
from medcite.agent.rules import phrase_list
from medcite.agent.verification.abstention import check_uncited
from medcite.agent.verification.binding import VALUE_RULES, Binder
from medcite.agent.verification.claims import extract
from medcite.agent.verification.fact_views import EvidenceIndex
from medcite.core.citation_keys import citation_keys, strip_citations
from medcite.core.evidence import Evidence

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


def is_filler(sentence: str) -> bool:
    """Headings and pleasantries that state nothing ("Answer:", "Sure!")."""
    return not citation_keys(sentence) and not re.search(r"\d", sentence) and len(_WORD.findall(sentence)) <= 3


@cache
def _markup() -> tuple[re.Pattern[str], ...]:
    """Markup or a web address: never part of a cited clinical statement (``rules/markup_patterns.txt``)."""
    return tuple(re.compile(p, re.I) for p in phrase_list("markup_patterns"))


def check_sentence(
    sentence: str, evidence: Mapping[str, Evidence], index: EvidenceIndex | None = None
) -> SentenceCheck:
    """Verify one sentence against the evidence (``index`` reuses views across the sentences of a draft)."""
    index = index or EvidenceIndex(evidence)
    claim = extract(sentence, index.lex)
    if any(p.search(strip_citations(sentence)) for p in _markup()):
        return SentenceCheck(
            sentence=sentence,
            keys=[k for k in claim.keys if k in evidence],
            status="unsafe_markup",
            problems=["holds markup or a web address"],
        )
    if not claim.keys:
        status, findings = check_uncited(claim, index)
        return SentenceCheck(sentence=sentence, status=status, problems=[f.message for f in findings])  # type: ignore[arg-type]
    unknown = [k for k in claim.keys if k not in evidence]
    if unknown:
        # The unknown keys are not repeated (a key planted in a source must not reach the output).
        return SentenceCheck(
            sentence=sentence,
            keys=[k for k in claim.keys if k in evidence],
            status="unknown_citation",
            problems=[f"cites {len(unknown)} key{'s' if len(unknown) > 1 else ''} not in the gathered evidence"],
        )
    findings = Binder(claim, index).run()
    decided = [f for f in findings if f.decided]
    if decided:
        status = "unsupported_value" if any(f.rule in VALUE_RULES for f in decided) else "unsupported_content"
    else:
        status = "unverifiable" if findings else "verified"
    problems = list(dict.fromkeys(f.message for f in findings))
    return SentenceCheck(sentence=sentence, keys=claim.keys, status=status, problems=problems)  # type: ignore[arg-type]


def verify_draft(draft: str, evidence: Mapping[str, Evidence]) -> tuple[str, list[SentenceCheck]]:
    """Return the text made only of verified sentences and abstentions, and every sentence's check."""
    index = EvidenceIndex(evidence)
    checks = [check_sentence(s, evidence, index) for s in split_sentences(draft) if not is_filler(s)]
    kept = " ".join(c.sentence for c in checks if c.kept)
    return kept, checks


def kept_keys(checks: Iterable[SentenceCheck]) -> list[str]:
    out: list[str] = []
    for c in checks:
        if c.kept:
            out += [k for k in c.keys if k not in out]
    return out
