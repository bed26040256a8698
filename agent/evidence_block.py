"""Evidence rendered for a prompt: one line per item, data tags escaped, within a character budget."""

from __future__ import annotations

from collections.abc import Iterable

from agent.config import Settings
from tools.evidence import Evidence

CHARS_PER_TOKEN = 3.2


def _escape(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")


def render_evidence(items: Iterable[Evidence], budget_chars: int) -> tuple[str, list[str]]:
    """Lines that fit in ``budget_chars`` (in the given order) and the keys shown."""
    lines: list[str] = []
    shown: list[str] = []
    used = 0
    for ev in items:
        line = _escape(ev.text)
        if used + len(line) + 1 > budget_chars:
            continue
        lines.append(line)
        shown.append(ev.key)
        used += len(line) + 1
    return ("\n".join(lines) if lines else "(no evidence found)"), shown


def prompt_budget_chars(settings: Settings, reserve_tokens: int = 700) -> int:
    """Characters of evidence for one prompt: ``evidence_chars``, and what fits beside instructions and reply."""
    window = int((settings.n_ctx - settings.max_new_tokens - reserve_tokens) * CHARS_PER_TOKEN)
    return max(1000, min(settings.evidence_chars, window))
