"""Real components for agent tests: the default model and the full default guideline corpus."""

from __future__ import annotations

import pytest

from medcite.core.settings import Settings
from medcite.tools.retrieval import GuidelineRetriever, GuidelineStore
from medcite.tools.retrieval.embedding import GuidelineEmbedder


@pytest.fixture(scope="session")
def default_retriever(default_corpus_settings: Settings, guideline_embedder: GuidelineEmbedder) -> GuidelineRetriever:
    return GuidelineRetriever(GuidelineStore(default_corpus_settings, guideline_embedder), default_corpus_settings)
