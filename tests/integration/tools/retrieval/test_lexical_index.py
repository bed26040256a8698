"""The BM25 index follows the store: rebuilt after each write, reused from disk otherwise."""

from __future__ import annotations

from pathlib import Path

from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from tests.fixtures.guideline_store import new_store


def test_bm25_sees_new_documents_and_is_cached(tmp_path: Path, guideline_embedder: GuidelineEmbedder) -> None:
    store = new_store(tmp_path / "data", guideline_embedder)
    retriever = GuidelineRetriever(store)
    first = tmp_path / "a.md"
    first.write_text("# Asthma\n\nInhaled corticosteroids for persistent asthma.\n", encoding="utf-8")
    ingest_paths(retriever.store, [first])
    assert retriever.search("corticosteroids", k=1, mode="bm25")[0].passage.title == "Asthma"
    assert retriever.search("pertussis", k=1, mode="bm25") == []
    second = tmp_path / "b.md"
    second.write_text("# Whooping cough\n\nPertussis vaccination in pregnancy.\n", encoding="utf-8")
    ingest_paths(retriever.store, [second])
    assert retriever.search("pertussis", k=1, mode="bm25")[0].passage.title == "Whooping cough"
    cached = retriever._cache_dir()
    assert len(list(cached.iterdir())) == 1  # older revisions are removed
    again = GuidelineRetriever(store)
    assert again.lexical().ids == retriever.lexical().ids
