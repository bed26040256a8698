"""Evaluation prompts are data: one text file per prompt, read with ``load_eval_prompt``."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_eval_prompt(name: str) -> str:
    """Return the text of ``evals/prompts/<name>.md`` (trailing whitespace stripped)."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8").rstrip()
