import datetime as dt

import numpy as np
import pytest

from medcite.tools.retrieval.passage import Passage
from medcite.tools.retrieval.recency import (
    TopicVersions,
    is_stale,
    issuer_policies,
    period_end,
    prefer_newest,
    same_topic_groups,
    stale_reason,
    topic_key,
)
from tests.fixtures.topic_groups import partition, reference_groups

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("date", "end"),
    [("2019", dt.date(2019, 12, 31)), ("2024-02", dt.date(2024, 2, 29)), ("2016-02-16", dt.date(2016, 2, 16))],
)
def test_period_end_is_the_last_day_a_date_can_mean(date: str, end: dt.date) -> None:
    assert period_end(date) == end


def test_stale_only_when_certainly_older_than_the_limit() -> None:
    assert is_stale("2016-02-16", 5, TODAY)
    assert not is_stale("2021-01-01", 5, TODAY)
    assert not is_stale("2019", 6, TODAY)  # up to 2019-12-31: 5.4 years
    assert is_stale("2019", 5, TODAY)
    assert not is_stale(None, 5, TODAY)
    assert not is_stale("2016-02-16", 50, TODAY)


def test_topic_key_ignores_years_versions_and_punctuation() -> None:
    a = topic_key(None, "Hypertension in Adults: Screening (2015 update)")
    b = topic_key(None, "Hypertension in adults — screening, version 2")
    assert a == b == "hypertension in adults screening"
    assert topic_key("Breast Cancer: Screening", "anything") == "breast cancer screening"


def test_groups_join_same_topic_and_near_duplicate_text() -> None:
    e = np.eye(3, dtype=np.float32)
    near = e[0] * 0.99 + e[1] * 0.01
    groups = same_topic_groups(["a", "b", "a", "c"], [e[0], e[1], e[2], near])
    assert groups[0] == groups[2]  # same topic
    assert groups[3] == groups[0]  # near-duplicate of item 0
    assert groups[1] != groups[0]


def test_prefer_newest_moves_newest_into_the_groups_best_slot() -> None:
    items = ["old", "other", "new", "undated"]
    dates = {"old": "2015", "other": "2010", "new": "2024-01-01", "undated": None}
    groups = [0, 1, 0, 0]
    order, older = prefer_newest(items, groups, dates.get)
    assert order == ["new", "other", "old", "undated"]
    assert older == {0: 2, 3: 2}


def test_prefer_newest_keeps_order_when_dates_tie() -> None:
    items = ["a", "b", "c"]
    order, older = prefer_newest(items, [0, 0, 0], lambda _: "2020")
    assert order == items
    assert older == {}


# --- issuers, review cycles, newer versions ----------------------------------------------------------

LATE_2026 = dt.date(2026, 11, 30)


def _p(issuer: str, date: str | None, section: str = "") -> Passage:
    return Passage(id="x", text="t", title="T", doc_id="d", issuer=issuer, date=date, section=section)


def test_uspstf_passages_are_current_until_five_years_after_the_snapshot() -> None:
    uspstf = issuer_policies()["USPSTF"]
    assert uspstf.snapshot_line() == "USPSTF recommendations as of 2024-05-02"
    old_but_in_force = _p("USPSTF", "2009-11-17")
    assert stale_reason(old_but_in_force, 5, today=LATE_2026) is None
    assert stale_reason(old_but_in_force, 5, today=dt.date(2029, 5, 3)) == (
        "past the USPSTF review cycle of 5 years since 2024-05-02"
    )


def test_medquad_pages_are_past_their_review_cycle_and_user_documents_use_the_setting() -> None:
    assert stale_reason(_p("NHLBI (NIH)", "2019"), 5, today=LATE_2026) == (
        "past the NHLBI (NIH) review cycle of 5 years since 2019"
    )
    assert stale_reason(_p("Example Heart Society", "2017-11-13"), 5, today=LATE_2026) == "older than 5 years"
    assert stale_reason(_p("Example Heart Society", "2017-11-13"), 20, today=LATE_2026) is None


def test_a_newer_version_in_the_store_supersedes() -> None:
    versions = TopicVersions([("a", "htn", "2017-11-13"), ("b", "htn", "2024-09-30"), ("c", "copd", None)])
    assert versions.newer_than("htn", "2017-11-13") == "b"
    assert versions.newer_than("htn", "2024-09-30") is None
    assert versions.newer_than("copd", "2001") is None
    assert stale_reason(_p("USPSTF", "2017-11-13"), 5, newer="b", today=LATE_2026) == "superseded by b"


def test_sections_are_ranked_per_issuer_with_background_last() -> None:
    uspstf = issuer_policies()["USPSTF"]
    ranks = [
        uspstf.section_rank(s)
        for s in ("Recommendation Statement", "Clinical Considerations > Screening Tests", "Rationale > Detection",
                  "Recommendations of Others > Benefits of Early Detection")
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4
    assert uspstf.is_background("Recommendations of Others > Scope of Review")
    assert not uspstf.is_background("Clinical Considerations > Patient Population Under Consideration")
    assert issuer_policies()["MedlinePlus (NLM)"].section_rank("treatment") == 0


def test_groups_follow_chains_of_near_duplicates() -> None:
    """a ~ b and b ~ c put a and c in one group although a and c are not near-duplicates."""
    a = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    b = np.array([0.97, 0.24, 0.0], dtype=np.float32)
    c = np.array([0.88, 0.47, 0.0], dtype=np.float32)
    cos = lambda x, y: float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))  # noqa: E731
    assert cos(a, b) >= 0.95 and cos(b, c) >= 0.95 and cos(a, c) < 0.95
    assert same_topic_groups(["x", "y", "z", "w"], [c, a, None, b]) == [0, 0, 2, 0]
    assert same_topic_groups([], []) == []


def test_groups_match_the_pairwise_union_find_on_random_clusters() -> None:
    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(1, 60))
        centres = rng.normal(size=(int(rng.integers(1, 8)), 16))
        rows = centres[rng.integers(0, len(centres), n)] + rng.normal(scale=rng.choice([0.02, 0.1, 0.3]), size=(n, 16))
        embeddings = [None if rng.random() < 0.1 else r.astype(np.float32) for r in rows]
        topics = [f"t{int(rng.integers(0, max(2, n // 3)))}" for _ in range(n)]
        got = same_topic_groups(topics, embeddings)
        assert partition(got) == partition(reference_groups(topics, embeddings)), trial
        assert all(got[i] == min(j for j in range(n) if got[j] == got[i]) for i in range(n))
