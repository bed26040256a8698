"""Recency: the newest passage on a topic first, dates on every hit, stale marking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever
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


def test_old_default_passages_are_stale_by_setting(guideline_retriever: GuidelineRetriever) -> None:
    hits = guideline_retriever.search("bladder cancer screening urinalysis", k=3, today=TODAY)
    assert hits[0].date == "2011-08-15" and all(h.stale for h in hits if h.date == "2011-08-15")
    lenient = GuidelineRetriever(guideline_retriever.store, guideline_retriever.settings.with_(stale_after_years=20))
    assert not any(h.stale for h in lenient.search("bladder cancer screening", k=3, today=TODAY))
    recent = guideline_retriever.search("breast cancer screening mammography every 2 years", k=3, today=TODAY)
    assert recent[0].date == "2024-04-30" and not recent[0].stale
