"""Evidence rendered for a prompt: one line per item, data tags escaped, within a character budget."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from medcite.core.evidence import Evidence
from medcite.core.settings import Settings

CHARS_PER_TOKEN = 2.0  # conservative: resource ids and numbers tokenize densely


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


def prompt_budget_chars(settings: Settings, model: Any = None, other_chars: int = 0, reserve_tokens: int = 400) -> int:
    """Characters of evidence for one prompt: at most ``evidence_chars``, and what fits in the model's context
    window beside the rest of the prompt (``other_chars``: instructions, tool list) and the reply."""
    window = getattr(model, "context_window", None) or settings.n_ctx
    reply = getattr(model, "max_tokens", None) or settings.max_new_tokens
    free_tokens = window - reply - reserve_tokens - other_chars / CHARS_PER_TOKEN
    return max(500, min(settings.evidence_chars, int(free_tokens * CHARS_PER_TOKEN)))
