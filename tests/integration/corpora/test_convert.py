"""The shipped corpus is what the converter makes from the source files, and rebuilding it embeds only
passages whose indexed text changed (real MiniLM)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcite.corpora.convert import convert, corpus_vectors, index_text, reusable_vectors
from medcite.corpora.default import iter_records
from medcite.tools.retrieval.embedding import GuidelineEmbedder


def test_the_shipped_corpus_is_the_conversion_of_the_source_files(shared_data: Path) -> None:
    assert convert(shared_data / "guidelines") == list(iter_records())


def test_rebuilding_reuses_every_vector_of_unchanged_text(guideline_embedder: GuidelineEmbedder) -> None:
    records = list(iter_records())[:300]
    known = reusable_vectors()
    vectors, embedded = corpus_vectors(records, known, guideline_embedder)
    assert embedded == 0 and vectors.dtype == np.float16
    assert np.array_equal(vectors[0].astype(np.float32), known[index_text(records[0])])


def test_a_changed_passage_alone_is_embedded_again(guideline_embedder: GuidelineEmbedder) -> None:
    records = list(iter_records())[2200:2210]
    changed = {**records[3], "text": "Exercise programs prevent falls in community-dwelling older adults."}
    known = reusable_vectors()
    vectors, embedded = corpus_vectors([*records[:3], changed, *records[4:]], known, guideline_embedder)
    assert embedded == 1
    fresh = guideline_embedder.encode([index_text(changed)])[0]
    assert float(vectors[3].astype(np.float32) @ fresh) > 0.999
    assert float(vectors[3].astype(np.float32) @ known[index_text(records[3])]) < 0.95
