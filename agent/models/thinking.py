"""MedGemma thinking mode: the ``<unused94>thought … <unused95>`` block is kept out of the answer."""

from __future__ import annotations

import re

_BLOCK = re.compile(r"<unused94>\s*(?:thought\b)?(.*?)(?:<unused95>|\Z)", re.S)
_TURN_END = re.compile(r"\s*(<end_of_turn>|<eos>)\s*$")


def split_thinking(text: str) -> tuple[str, str | None]:
    """Return ``(answer, thoughts)``; thoughts is None when the text has no thought block.

    A thought block that never closes (generation cut off mid-thought) yields an empty answer.
    """
    thoughts = [m.group(1).strip() for m in _BLOCK.finditer(text)]
    if not thoughts:
        return _strip_turn_end(text), None
    answer = _BLOCK.sub("", text)
    return _strip_turn_end(answer).strip(), "\n\n".join(t for t in thoughts if t)


def _strip_turn_end(text: str) -> str:
    while True:
        stripped = _TURN_END.sub("", text)
        if stripped == text:
            return text
        text = stripped
