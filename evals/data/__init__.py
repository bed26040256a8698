"""Evaluation lookup tables (reference scores, FHIR task rules, abstention phrases)."""

from __future__ import annotations

from typing import Any

from medcite.core import resources


def load_data(name: str) -> Any:
    """Parsed JSON of ``evals/data/<name>.json`` (``_comment`` keys dropped)."""
    return resources.load_json(__package__, f"{name}.json")


def load_lines(name: str) -> list[str]:
    """Non-comment lines of ``evals/data/<name>.txt``."""
    return list(resources.load_lines(__package__, f"{name}.txt"))
