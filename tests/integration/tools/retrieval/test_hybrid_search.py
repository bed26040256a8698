"""Hybrid dense + BM25 retrieval over real passages in a real Chroma store."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.retrieval_devset import dev_questions, evaluate
from medcite.core.errors import InputError
from medcite.corpora.default import default_vectors
from medcite.corpora.ingest import write_documents
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from medcite.tools.retrieval.fusion import reciprocal_rank_fusion
from medcite.tools.retrieval.recency import same_topic_groups, topic_key
from tests.fixtures.guideline_store import new_store
from tests.fixtures.topic_groups import partition, reference_groups

CERVICAL = "Is cervical cancer screening recommended for women aged 21 to 65 years?"


def test_hybrid_ranking_is_the_rank_fusion_of_dense_and_bm25(
    guideline_retriever: GuidelineRetriever,
) -> None:
    query = "how often should women be screened with HPV cotesting"
    dense, _ = guideline_retriever.rank(query, "dense")
    lexical, _ = guideline_retriever.rank(query, "bm25")
    hybrid, _ = guideline_retriever.rank(query, "hybrid")
    assert dense and lexical
    expected = reciprocal_rank_fusion(
        [[r.id for r in dense], [r.id for r in lexical]],
        k=guideline_retriever.rrf_k,
        weights=guideline_retriever.weights,
    )
    assert [r.id for r in hybrid] == [pid for pid, _ in expected][: len(hybrid)]
    top = hybrid[0]
    assert top.dense_rank is not None and top.lexical_rank is not None


def test_known_recommendation_ranks_at_the_top(guideline_retriever: GuidelineRetriever) -> None:
    hits = guideline_retriever.search(CERVICAL, k=3)
    assert all(h.passage.title.startswith("Cervical Cancer: Screening") for h in hits)
    statement = next(h for h in hits if h.key == "guideline:uspstf-rec-426")
    assert statement.passage.grade == "A" and statement.date == "2018-08-21"


def test_each_hit_carries_its_date_and_component_ranks(
    guideline_retriever: GuidelineRetriever,
) -> None:
    hits = guideline_retriever.search("colorectal cancer screening stool test", k=8)
    assert len(hits) == 8
    assert all(h.date for h in hits)
    assert all(h.dense_rank is not None or h.lexical_rank is not None for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_is_at_least_as_good_as_either_retriever_on_real_questions(
    guideline_retriever: GuidelineRetriever, guideline_subset: list
) -> None:
    from medcite.corpora.default import iter_records

    stored = {p.id for d in guideline_subset for p in d.passages}
    questions = [q for q in dev_questions(r for r in iter_records() if r["id"] in stored) if q.relevant <= stored]
    assert len(questions) > 150
    results = evaluate(guideline_retriever, questions)
    mrr = {mode: per["all"].mrr for mode, per in results.items()}
    assert mrr["hybrid"] >= max(mrr["dense"], mrr["bm25"]) - 0.01, mrr
    assert results["hybrid"]["all"].recall(10) > 0.8


def test_empty_query_is_refused(guideline_retriever: GuidelineRetriever) -> None:
    with pytest.raises(InputError, match="empty"):
        guideline_retriever.search("   ")


def test_topic_groups_of_real_candidates_match_the_pairwise_reference(
    guideline_retriever: GuidelineRetriever, guideline_subset: list
) -> None:
    """The grouping that decides newest-first order is the same partition as the first (pairwise) version,
    on the fused candidates and stored embeddings of real questions, so rankings are unchanged."""
    from medcite.corpora.default import iter_records

    stored = {p.id for d in guideline_subset for p in d.passages}
    questions = [q.query for q in dev_questions(r for r in iter_records() if r["id"] in stored)][:120]
    merged = 0
    for query in questions:
        ranked, chunks = guideline_retriever.rank(query, "hybrid")
        topics = [topic_key(chunks[r.id].passage.topic, chunks[r.id].passage.title) for r in ranked]
        embeddings = [chunks[r.id].embedding for r in ranked]
        assert all(e is not None for e in embeddings)
        groups = same_topic_groups(topics, embeddings)
        assert partition(groups) == partition(reference_groups(topics, embeddings)), query
        merged += len(set(groups)) < len(groups)
    assert merged > len(questions) // 2  # most candidate lists do contain same-topic or near-duplicate passages


def test_dense_search_returns_what_a_small_store_holds(
    tmp_path: Path, guideline_embedder: GuidelineEmbedder, guideline_subset: list
) -> None:
    store = new_store(tmp_path, guideline_embedder)
    vector = guideline_embedder.encode_query("cervical cancer screening")
    assert store.dense_search(vector, 50) == []
    write_documents(store, guideline_subset[:1], vectors=default_vectors(guideline_embedder))
    hits = store.dense_search(vector, 50)
    assert 0 < len(hits) == store.count() < 50
    distances = [h.distance for h in hits]
    assert distances == sorted(distances)
    assert all(h.embedding is not None for h in hits)
