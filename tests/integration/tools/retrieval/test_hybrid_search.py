"""Hybrid dense + BM25 retrieval over real passages in a real Chroma store."""

from __future__ import annotations

import pytest

from benchmarks.retrieval_devset import dev_questions, evaluate
from medcite.core.errors import InputError
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.fusion import reciprocal_rank_fusion

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
