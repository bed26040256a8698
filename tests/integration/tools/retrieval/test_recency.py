"""Recency: the newest passage on a topic first, dates on every hit, stale marking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from medcite.agent.flags import stale_flags
from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever, hit_evidence
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from tests.fixtures.guideline_store import new_store

TODAY = dt.date(2025, 6, 1)

OLD = """---
title: Management of Hypertension in Adults
issuer: Example Heart Society
date: 2017-11-13
---
## Treatment thresholds

Start antihypertensive drug treatment in adults when blood pressure is 140/90 mm Hg or higher
after lifestyle changes; the treatment target for most adults with hypertension is below 140/90.
"""

NEW = """---
title: Management of Hypertension in Adults (2024 update)
issuer: Example Heart Society
date: 2024-09-30
---
## Treatment thresholds

Offer drug treatment for hypertension when blood pressure stays at 130/80 or above despite
lifestyle measures; aim for below 130/80 in most adults.
"""


def test_newest_version_first_and_older_marked(tmp_path: Path, guideline_embedder: GuidelineEmbedder) -> None:
    (tmp_path / "htn-2017.md").write_text(OLD, encoding="utf-8")
    (tmp_path / "htn-2024.md").write_text(NEW, encoding="utf-8")
    store = new_store(tmp_path / "data", guideline_embedder)
    retriever = GuidelineRetriever(store)
    report = ingest_paths(retriever.store, [tmp_path / "htn-2017.md", tmp_path / "htn-2024.md"])
    assert report.ok
    query = "start antihypertensive drug treatment at 140/90 mm Hg treatment target below 140/90"
    plain = retriever.rank(query, "hybrid")[0]
    hits = retriever.search(query, k=2, today=TODAY)
    assert [h.date for h in hits] == ["2024-09-30", "2017-11-13"]
    # the 2017 passage matches the query better, yet the 2024 one comes first
    assert plain[0].id == hits[1].passage.id
    assert hits[1].superseded_by == hits[0].passage.id
    assert hits[1].stale and not hits[0].stale
    assert hits[1].stale_reason == f"superseded by {hits[0].passage.id}"
    # a passage fetched by id (no search) knows the store holds a newer version
    evidence = retriever.passages_evidence([hits[1].passage.id])
    assert evidence[0].fact.superseded_by == f"guideline:{hits[0].passage.id}"  # type: ignore[union-attr]


def test_an_old_recommendation_in_force_at_the_snapshot_is_not_stale_until_its_review_cycle_passes(
    guideline_retriever: GuidelineRetriever,
) -> None:
    hits = guideline_retriever.search("bladder cancer screening urinalysis", k=3, today=TODAY)
    assert hits[0].date == "2011-08-15" and not hits[0].stale
    assert hits[0].snapshot == "USPSTF recommendations as of 2024-05-02"
    later = guideline_retriever.search("bladder cancer screening urinalysis", k=3, today=dt.date(2029, 5, 3))
    assert later[0].stale_reason == "past the USPSTF review cycle of 5 years since 2024-05-02"
    line = hit_evidence(later[0]).text
    assert "(2011-08-15)" in line and "STALE" not in line  # the snapshot is said once, not on each line
    assert stale_flags([hit_evidence(h) for h in later])[0].reason == (
        "USPSTF recommendations as of 2024-05-02 is past its issuers' review cycle; check the source pages for "
        "current advice"
    )


def test_user_documents_go_stale_by_their_own_date(tmp_path: Path, guideline_embedder: GuidelineEmbedder) -> None:
    (tmp_path / "htn-2017.md").write_text(OLD, encoding="utf-8")
    retriever = GuidelineRetriever(new_store(tmp_path / "data", guideline_embedder))
    assert ingest_paths(retriever.store, [tmp_path / "htn-2017.md"]).ok
    (hit,) = retriever.search("antihypertensive treatment threshold 140/90", k=1, today=TODAY)
    assert hit.stale_reason == "older than 5 years" and hit.snapshot is None
    assert "(2017-11-13, STALE: older than 5 years)" in hit_evidence(hit).text
    lenient = GuidelineRetriever(retriever.store, retriever.settings.with_(stale_after_years=20))
    assert not lenient.search("antihypertensive treatment threshold 140/90", k=1, today=TODAY)[0].stale
