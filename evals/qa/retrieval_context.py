"""Retrieval for QA with ``--rag``: any ``(query, k) -> list[Evidence]`` callable, by default the guideline search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from medcite.core.errors import ConfigError
from medcite.core.evidence import Evidence
from medcite.core.settings import Settings

Retriever = Callable[[str, int], list[Evidence]]


@dataclass(frozen=True)
class RetrievalConfig:
    """A retriever, the number of passages per question, and a name recorded with every result."""

    search: Retriever
    k: int = 5
    name: str = "guidelines"


def default_retriever(settings: Settings) -> Retriever:
    """Hybrid guideline search over the configured store (the default corpus is built on first use)."""
    try:
        from medcite.corpora import open_guidelines
    except ImportError as exc:
        raise ConfigError(
            f"guideline retrieval is not available in this installation ({exc}); run without --rag"
        ) from exc
    return open_guidelines(settings).search_evidence
