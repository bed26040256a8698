"""Note search with the real embedding model on the 14 notes bundles: a section is found by a phrase from it
(recall@5 on the test half of benchmarks/note_search_sample.py), windows and note types narrow the search, the
index is cached by content hash, and a search that finds nothing says so citably."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmarks.note_search_sample import sample
from medcite.core.evidence import AbsenceFact, NoteFact
from medcite.tools.fhir import LocalSource, facts
from medcite.tools.notes import NoteIndex, index_digest, make_note_tools
from medcite.tools.notes.index import cached_index
from medcite.tools.retrieval.embedding import GuidelineEmbedder

pytestmark = pytest.mark.slow

MIN_TEST_RECALL_AT_5 = 0.9


@pytest.fixture(scope="module")
def indexes(notes_bundles: list[Path], guideline_embedder: GuidelineEmbedder) -> dict[str, NoteIndex]:
    out = {}
    for path in notes_bundles:
        source = LocalSource.from_paths(path)
        pid = source.patient_ids()[0]
        out[pid] = cached_index(facts.notes(source, pid), guideline_embedder)
    return out


def test_a_section_is_found_by_a_phrase_from_it(notes_bundles: list[Path], indexes: dict[str, NoteIndex]) -> None:
    test_half = [q for q in sample(notes_bundles) if q.split == "test"]
    assert len(test_half) == 70
    hits = sum(q.key in [h.evidence.key for h in indexes[q.patient_id].search(q.query, 5)] for q in test_half)
    assert hits / len(test_half) >= MIN_TEST_RECALL_AT_5, f"recall@5 {hits}/{len(test_half)}"


def test_windows_and_note_types_narrow_the_search(indexes: dict[str, NoteIndex]) -> None:
    index = indexes["ead2e08e-47c2-89a2-06d4-321a776c4d86"]
    day = date(2025, 5, 22)
    hits = index.search("chief complaint", 3, since=day, until=day)
    assert hits[0].evidence.key == "DocumentReference/ddb1668e-db09-6f5b-5e95-ea57e2791fa9#chief-complaint"
    assert all(isinstance(h.evidence.fact, NoteFact) and h.evidence.fact.written == "2025-05-22" for h in hits)
    assert index.search("chief complaint", 3, note_type="discharge summary") == []
    assert len(index.search("chief complaint", 3, note_type="34117-2")) == 3
    latest_plan = index.search("what was prescribed", 1)[0].evidence.key
    assert latest_plan.endswith("#assessment-and-plan")


def test_meaning_finds_what_words_alone_miss(indexes: dict[str, NoteIndex]) -> None:
    index = indexes["ead2e08e-47c2-89a2-06d4-321a776c4d86"]
    hits = index.search("does the patient smoke cigarettes?", 5)
    assert all(h.evidence.key.endswith("#social-history") for h in hits[:3])
    assert hits[0].dense_rank == 1


def test_the_index_is_cached_by_content_hash(
    notes_bundles: list[Path], guideline_embedder: GuidelineEmbedder, tmp_path: Path
) -> None:
    source = LocalSource.from_paths(notes_bundles[0])
    sections = facts.notes(source, source.patient_ids()[0])
    first = cached_index(sections, guideline_embedder)
    assert cached_index(list(sections), guideline_embedder) is first
    assert index_digest(sections[:-1], guideline_embedder.model_name) != index_digest(sections, "all-MiniLM-L6-v2")
    built = NoteIndex.build(sections, guideline_embedder, tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    again = NoteIndex.build(sections, guideline_embedder, tmp_path)
    assert (built.vectors == again.vectors).all() and len(list(tmp_path.glob("*.npy"))) == 1


def test_the_tool_cites_sections_and_a_search_that_finds_nothing_is_citable(
    notes_bundles: list[Path], guideline_embedder: GuidelineEmbedder
) -> None:
    source = LocalSource.from_paths(notes_bundles[-1])
    pid = source.patient_ids()[0]
    calls: list[int] = []

    def embedder() -> GuidelineEmbedder:
        calls.append(1)
        return guideline_embedder

    (tool,) = make_note_tools(source, pid, embedder)
    assert calls == []  # nothing is built before the first search
    found = tool.invoke({"type": "tool_call", "name": "search_notes", "id": "1", "args": {"query": "dental care"}})
    assert calls == [1] and found.artifact and all("#" in e.key for e in found.artifact)
    empty = tool.invoke(
        {
            "type": "tool_call",
            "name": "search_notes",
            "id": "2",
            "args": {"query": "colonoscopy findings", "since": "2030-01-01"},
        }
    )
    (absent,) = empty.artifact
    assert (
        isinstance(absent.fact, AbsenceFact)
        and absent.key == "none:notes-matching-colonoscopy-findings-since-2030-01-01"
    )
    assert calls == [1]
