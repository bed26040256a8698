from medcite.tools.retrieval.fusion import reciprocal_rank_fusion


def test_rrf_sums_reciprocal_ranks_across_rankings() -> None:
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == 1 / 61 + 1 / 62
    assert fused["c"] == 1 / 63 + 1 / 61
    assert fused["b"] == 1 / 62


def test_rrf_orders_by_score_and_keeps_first_seen_order_on_ties() -> None:
    order = [d for d, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=10)]
    assert order == ["a", "b"]
    order = [d for d, _ in reciprocal_rank_fusion([["x", "y"], ["y", "z"]], k=10)]
    assert order == ["y", "x", "z"]


def test_rrf_weights_scale_each_ranking() -> None:
    fused = reciprocal_rank_fusion([["a"], ["b"]], k=0, weights=[1.0, 2.0])
    assert fused == [("b", 2.0), ("a", 1.0)]
