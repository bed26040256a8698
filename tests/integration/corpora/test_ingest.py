"""Ingestion into a real Chroma store with real MiniLM embeddings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medcite.corpora.ingest import ingest_paths, write_documents
from medcite.corpora.readers import read_document
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from medcite.tools.retrieval.store import GuidelineStore
from tests.fixtures.guideline_docs import GOOD_MARKDOWN, write_pdf
from tests.fixtures.guideline_store import new_store


@pytest.fixture
def store(tmp_path: Path, guideline_embedder: GuidelineEmbedder) -> GuidelineStore:
    return new_store(tmp_path / "data", guideline_embedder)


def _ids(store: GuidelineStore) -> set[str]:
    return {c.passage.id for c in store.iter_chunks()}


def test_reingesting_the_same_files_adds_nothing(store: GuidelineStore, tmp_path: Path) -> None:
    md = tmp_path / "htn.md"
    md.write_text(GOOD_MARKDOWN, encoding="utf-8")
    pdf = write_pdf(tmp_path / "statins.pdf", ["Statins for adults aged 40 to 75 years."], title="Statins")
    first = ingest_paths(store, [md, pdf])
    assert [r.status for r in first.results] == ["added", "added"]
    ids, revision = _ids(store), store.revision()
    second = ingest_paths(store, [md, pdf])
    assert [r.status for r in second.results] == ["unchanged", "unchanged"]
    assert _ids(store) == ids and store.count() == 3
    assert store.revision() == revision  # nothing written


def test_a_changed_file_replaces_its_old_chunks(store: GuidelineStore, tmp_path: Path) -> None:
    md = tmp_path / "htn.md"
    md.write_text(GOOD_MARKDOWN, encoding="utf-8")
    ingest_paths(store, [md])
    before = _ids(store)
    md.write_text(GOOD_MARKDOWN.replace("140/90", "130/80").replace("2024-03-01", "2025-01-15"))
    report = ingest_paths(store, [md])
    assert [r.status for r in report.results] == ["replaced"]
    after = {c.passage.id: c for c in store.iter_chunks()}
    assert len(after) == 2 and set(after) != before
    assert all(c.passage.date == "2025-01-15" for c in after.values())
    assert any("130/80" in c.passage.text for c in after.values())
    assert not any("140/90" in c.passage.text for c in after.values())
    assert len({c.doc_hash for c in after.values()}) == 1


def test_bad_files_get_errors_while_the_others_ingest(store: GuidelineStore, bad_inputs: dict[str, Path]) -> None:
    folder = bad_inputs["good"].parent
    report = ingest_paths(store, [folder, folder / "missing.md"])
    by_name = {Path(r.origin).name: r for r in report.results}
    assert by_name["good.md"].status == "added" and by_name["good.md"].chunks == 2
    errors = {name for name, r in by_name.items() if r.status == "error"}
    assert errors == {p.name for k, p in bad_inputs.items() if k != "good"} | {"missing.md"}
    assert all(str(folder) in r.message for r in report.errors)
    assert not report.ok and "1 added" in report.render() and "9 failed" in report.render()
    assert store.count() == 2


def test_a_failed_write_leaves_no_half_document(
    store: GuidelineStore, tmp_path: Path, guideline_embedder: GuidelineEmbedder
) -> None:
    """Documents go in whole: a write that fails part-way keeps each document fully old or new."""
    paths = []
    for i in range(3):
        p = tmp_path / f"doc{i}.md"
        p.write_text(f"# Doc {i}\n\n## A\n\nalpha {i} text\n\n## B\n\nbeta {i} text\n")
        paths.append(p)
    ingest_paths(store, paths)
    old = {c.passage.id for c in store.iter_chunks()}
    for i, p in enumerate(paths):
        p.write_text(f"# Doc {i}\n\n## A\n\nalpha {i} changed\n\n## B\n\nbeta {i} changed\n")
    docs = [read_document(p) for p in paths]
    good = guideline_embedder.encode([x.index_text() for d in docs for x in d.passages])
    vectors = [*good[:4], np.zeros(7, np.float32), np.zeros(7, np.float32)]  # doc 3: wrong size
    store.max_batch = 2  # one document per upsert
    with pytest.raises(Exception, match="dimension"):
        store.write(docs, vectors)  # type: ignore[arg-type]
    by_doc: dict[str, set[str]] = {}
    for c in store.iter_chunks():
        by_doc.setdefault(c.passage.doc_id, set()).add(c.doc_hash)
    assert by_doc[docs[0].doc_id] == {docs[0].doc_hash}
    assert by_doc[docs[1].doc_id] == {docs[1].doc_hash}
    third_old = {c.passage.id for c in store.iter_chunks() if c.passage.doc_id == docs[2].doc_id}
    assert third_old <= old and len(third_old) == 2  # still the complete old version
    store.max_batch = 5000
    results = write_documents(store, docs)
    assert [r.status for r in results] == ["unchanged", "unchanged", "replaced"]


def test_a_passage_id_owned_by_another_document_is_refused(store: GuidelineStore, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"id": "shared-1", "text": "from a", "title": "A"}\n')
    b.write_text('{"id": "shared-1", "text": "from b", "title": "B"}\n')
    report = ingest_paths(store, [a, b])
    assert [r.status for r in report.results] == ["added", "error"]
    assert "already belongs to document" in report.results[1].message
    assert store.get(["shared-1"])["shared-1"].passage.text == "from a"
