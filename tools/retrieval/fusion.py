"""Reciprocal-rank fusion of several rankings (Cormack et al., 2009)."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 10  # chosen on the tuning half of the dev set: bench_retrieval_quality.py --tune
RRF_WEIGHTS = (1.0, 0.5)  # dense, BM25; chosen likewise


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(d) = Σ w_r / (k + rank_r(d)), ranks from 1. Ties keep first-seen order."""
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
