"""Open the guideline retriever with the shipped default corpus in place."""

from __future__ import annotations

import logging

from medcite.core.settings import Settings
from medcite.corpora.ingest import ensure_default_corpus
from medcite.tools.retrieval import GuidelineRetriever, open_retriever

log = logging.getLogger(__name__)


def open_guidelines(settings: Settings | None = None, progress: bool = False) -> GuidelineRetriever:
    """The configured store and retriever; the default corpus is built (or updated) on first use."""
    retriever = open_retriever(settings)
    report = ensure_default_corpus(retriever.store, progress=progress)
    for failure in report.errors:
        log.warning("default corpus: %s", failure.line())
    return retriever
