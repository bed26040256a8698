"""Tool output is data: instruction-like text in records and passages is removed before a model reads it.

Evidence text is also wrapped in data tags by the prompts; this is the second, deterministic layer.
"""

from __future__ import annotations

import re
from functools import cache

from medcite.agent.answer import Flag
from medcite.agent.rules import phrase_list
from medcite.core.evidence import Evidence

REMOVED = "(instruction-like text removed)"
_SENTENCE_START = re.compile(r"[.!?;\n]")
_SENTENCE_END = re.compile(r"[.!?\n]")


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in phrase_list("injection_patterns"))


def neutralize(text: str) -> tuple[str, list[str]]:
    """Replace every sentence holding instruction-like text; return the new text and what was removed."""
    removed: list[str] = []
    while True:
        match = next((m for p in _patterns() if (m := p.search(text))), None)
        if match is None:
            return text, removed
        start = _sentence_start(text, match.start())
        end = _sentence_end(text, match.end())
        removed.append(text[start:end].strip())
        text = text[:start] + f" {REMOVED} " + text[end:]


def _sentence_start(text: str, pos: int) -> int:
    bounds = [m.end() for m in _SENTENCE_START.finditer(text, 0, pos)]
    start = bounds[-1] if bounds else 0
    # Keep a leading citation key ("[Observation/1] ...") intact.
    key = re.match(r"\s*\[[^\]]+\]", text[start:pos])
    return start + key.end() if key else start


def _sentence_end(text: str, pos: int) -> int:
    m = _SENTENCE_END.search(text, pos)
    return m.end() if m else len(text)


def neutralize_evidence(items: list[Evidence]) -> tuple[list[Evidence], list[Flag]]:
    """Clean evidence lines; one ``possible_injection`` flag per affected key."""
    out: list[Evidence] = []
    flags: list[Flag] = []
    for ev in items:
        clean, removed = neutralize(ev.text)
        if removed:
            ev = ev.model_copy(update={"text": clean, "meta": {**ev.meta, "neutralized": removed}})
            flags.append(
                Flag(
                    kind="possible_injection",
                    reason="instruction-like text in this source was removed before the model read it",
                    keys=[ev.key],
                )
            )
        out.append(ev)
    return out, flags
