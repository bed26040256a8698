"""Prompts are data: one text file per prompt, read with ``load_prompt``."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str) -> str:
    """Return the text of ``agent/prompts/<name>.md`` (trailing whitespace stripped)."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8").rstrip()
