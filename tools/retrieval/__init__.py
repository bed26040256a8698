"""Guideline retrieval: a Chroma store with explicit sentence-transformers embeddings, hybrid
dense + BM25 search fused by reciprocal rank, optional cross-encoder re-ranking, and recency
(newest passage per topic first, old passages marked stale).

Typical use::

    retriever = open_retriever()                  # builds the default corpus on first use
    evidence = retriever.search_evidence("colorectal cancer screening age", k=5)
    tool = make_search_tool(retriever)            # LangChain tool ``search_guidelines(query, k)``
"""

from medcite.tools.retrieval.hits import GuidelineHit, hit_evidence, hit_line
from medcite.tools.retrieval.retriever import MODES, GuidelineRetriever, Mode, open_retriever
from medcite.tools.retrieval.store import GuidelineStore
from medcite.tools.retrieval.tool import make_search_tool, search_guidelines_evidence

__all__ = [
    "MODES",
    "GuidelineHit",
    "GuidelineRetriever",
    "GuidelineStore",
    "Mode",
    "hit_evidence",
    "hit_line",
    "make_search_tool",
    "open_retriever",
    "search_guidelines_evidence",
]
