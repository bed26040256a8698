"""Clinical notes on the notes bundles: how many are indexed, what indexing and searching cost, how well search
finds a section by a phrase from it, and what the notes add to the summary context.

Per bundle, in one process (the embedding model is loaded once, before any timing):
  notes, sections   notes read (DocumentReference + presentedForm, one note kept once) and sections indexed
  read              facts.notes: search, decode and split (ms)
  texts             distinct section texts (what is embedded)
  build cold        NoteIndex.build with nothing cached: every distinct section text embedded (wall ms, and CPU
                    ms of the process: the cost of the work when other processes share the cores)
  build warm        the same with the vectors on disk from the cold build (ms)
  query             median search latency over the bundle's sample queries (ms)
Recall@1/5 of the phrase sample (benchmarks/note_search_sample.py) on the dev and the test half; ``--tune`` tries
fusion weights and the similarity floor on the dev half only. Tokens (SmolLM2 tokenizer): the compact summary
context with its "Recent notes" section, and that section's share.

Usage: ``python benchmarks/bench_note_search.py [--bundles DIR] [--tune]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from note_search_sample import NoteQuery, sample
from tokens import TOKENIZER_NAME, count_tokens

from medcite.core.settings import Settings
from medcite.tools.fhir import LocalSource, facts, patient_sections, render_sections
from medcite.tools.notes import index as note_index
from medcite.tools.notes.index import NoteIndex, indexed_text
from medcite.tools.retrieval.embedding import GuidelineEmbedder

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDCITE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_BUNDLES = SHARED / "fhir_synthea_qicore_notes" / "bundles"
AS_OF = date(2025, 8, 1)
NOTES_TITLE = "Recent notes"
K = 5


def ms(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def cpu_ms(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall ms, CPU ms of this process, all threads) of one call: CPU time is what the work costs even when
    other processes share the cores."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, out


@contextmanager
def fusion(weights: tuple[float, float], floor: float) -> Iterator[None]:
    saved = note_index.FUSION_WEIGHTS, note_index.MIN_COSINE
    note_index.FUSION_WEIGHTS, note_index.MIN_COSINE = weights, floor
    try:
        yield
    finally:
        note_index.FUSION_WEIGHTS, note_index.MIN_COSINE = saved


def ranks(indexes: dict[str, NoteIndex], queries: list[NoteQuery]) -> list[int | None]:
    out = []
    for q in queries:
        keys = [h.evidence.key for h in indexes[q.patient_id].search(q.query, K)]
        out.append(keys.index(q.key) + 1 if q.key in keys else None)
    return out


def recall(found: list[int | None], k: int) -> str:
    hits = sum(1 for r in found if r is not None and r <= k)
    return f"{hits}/{len(found)} ({100 * hits / len(found):.1f}%)" if found else "–"


@dataclass
class BundleRow:
    patient_id: str
    index: NoteIndex
    notes: int
    read: float
    cold: float
    cold_cpu: float
    warm: float
    query: float


def measure(path: Path, embedder: GuidelineEmbedder, cache: Path, queries: list[NoteQuery]) -> BundleRow:
    source = LocalSource.from_paths(path)
    pid = source.patient_ids()[0]
    read, sections = ms(lambda: facts.notes(source, pid))
    assert isinstance(sections, list)
    cold, cold_cpu, _ = cpu_ms(lambda: NoteIndex.build(sections, embedder, cache))
    warm, index = ms(lambda: NoteIndex.build(sections, embedder, cache))
    assert isinstance(index, NoteIndex)
    latencies = [ms(lambda q=q: index.search(q.query, K))[0] for q in queries if q.patient_id == pid]
    notes = len({e.key.split("#")[0] for e in sections})
    return BundleRow(pid, index, notes, read, cold, cold_cpu, warm, statistics.median(latencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES, help="folder of Bundle JSON files")
    parser.add_argument("--tune", action="store_true", help="try fusion weights and floors on the dev half")
    args = parser.parse_args()
    bundles = sorted(args.bundles.glob("*.json"))
    if not bundles:
        raise SystemExit(f"no bundles in {args.bundles}")
    load_ms, embedder = ms(lambda: GuidelineEmbedder(Settings.from_env().embedding_model))
    assert isinstance(embedder, GuidelineEmbedder)
    embedder.encode(["warm-up"])
    print(f"Embedding model {embedder.model_name} loaded in {load_ms:.0f} ms (once, not in the times below)")
    queries = sample(bundles)
    indexes: dict[str, NoteIndex] = {}
    print(f"\n{'bundle':44s} {'notes':>5s} {'sections':>8s} {'texts':>5s} {'read ms':>8s} {'cold ms':>8s} "
          f"{'cold cpu':>8s} {'warm ms':>8s} {'query ms':>8s}")
    totals = {"notes": 0, "sections": 0, "texts": 0, "cold": 0.0, "cold_cpu": 0.0, "warm": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for path in bundles:
            row = measure(path, embedder, Path(tmp) / path.stem, queries)
            indexes[row.patient_id] = row.index
            texts = len({indexed_text(e) for e in row.index.sections})
            print(f"{path.name[:44]:44s} {row.notes:5d} {len(row.index.sections):8d} {texts:5d} {row.read:8.0f} "
                  f"{row.cold:8.0f} {row.cold_cpu:8.0f} {row.warm:8.0f} {row.query:8.1f}")
            totals["notes"] += row.notes
            totals["sections"] += len(row.index.sections)
            totals["texts"] += texts
            totals["cold"] += row.cold
            totals["cold_cpu"] += row.cold_cpu
            totals["warm"] += row.warm
    n = len(bundles)
    print(f"{'total / mean per bundle':44s} {totals['notes']:5d} {totals['sections']:8d} {totals['texts']:5.0f} "
          f"{'':8s} {totals['cold'] / n:8.0f} {totals['cold_cpu'] / n:8.0f} {totals['warm'] / n:8.0f}")

    dev = [q for q in queries if q.split == "dev"]
    test = [q for q in queries if q.split == "test"]
    if args.tune:
        print("\nTuning on the dev half (recall@1, recall@5):")
        for weights in ((1.0, 0.0), (0.0, 1.0), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)):
            for floor in (0.2, 0.3, 0.4):
                with fusion(weights, floor):
                    found = ranks(indexes, dev)
                print(f"  dense {weights[0]:.1f} bm25 {weights[1]:.1f} floor {floor:.1f}: "
                      f"{recall(found, 1)}  {recall(found, 5)}")
    print(f"\nPhrase search (fusion weights {note_index.FUSION_WEIGHTS}, floor {note_index.MIN_COSINE}):")
    for name, half in (("dev", dev), ("test", test)):
        found = ranks(indexes, half)
        print(f"  {name:4s} recall@1 {recall(found, 1):>16s}  recall@5 {recall(found, 5):>16s}")

    print(f"\nSummary context tokens ({TOKENIZER_NAME}):")
    with_notes, note_part = [], []
    for path in bundles:
        source = LocalSource.from_paths(path)
        sections = patient_sections(source, source.patient_ids()[0], AS_OF)
        text = render_sections(sections)
        notes_lines = next(lines for title, lines in sections.titled() if title.startswith(NOTES_TITLE))
        with_notes.append(count_tokens(text))
        note_part.append(count_tokens("\n".join(e.text for e in notes_lines)))
    share = [p / t for p, t in zip(note_part, with_notes, strict=True)]
    print(f"  context with notes: median {statistics.median(with_notes):.0f}, max {max(with_notes)} tokens")
    print(f"  'Recent notes' section: median {statistics.median(note_part):.0f}, max {max(note_part)} tokens "
          f"({100 * statistics.median(share):.1f}% of the context, median)")


if __name__ == "__main__":
    main()
