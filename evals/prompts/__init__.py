"""Evaluation prompts are data: one text file per prompt, read with ``load_eval_prompt``."""

from __future__ import annotations

from medcite.core.resources import read_text


def load_eval_prompt(name: str) -> str:
    """Return the text of ``evals/prompts/<name>.md`` (trailing whitespace stripped)."""
    return read_text(__package__, f"{name}.md").rstrip()
