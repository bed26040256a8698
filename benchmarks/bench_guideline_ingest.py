"""Ingestion throughput vs bare ``SentenceTransformer.encode`` on the same texts (target ratio ≥ 0.9).

Writes N real default-corpus passages as a JSONL file and times ``ingest_paths`` into a fresh store
(read, hash, embed, upsert, BM25-revision bookkeeping) against encoding the same index texts with the
same model and batch size. Repeats alternate the two and report the median ratio.
Also times the default corpus build from its shipped embeddings (the first-run path), and with
``--from-scratch`` a full build that embeds all 7,934 passages.
Usage: ``python benchmarks/bench_guideline_ingest.py [--passages 512] [--repeats 3] [--from-scratch]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import guideline_bench_store  # noqa: F401  (sets the offline environment)

from medcite.core.settings import Settings
from medcite.corpora.default import default_documents, load_passages
from medcite.corpora.ingest import ensure_default_corpus, ingest_paths, write_documents
from medcite.corpora.readers import read_document
from medcite.tools.retrieval import GuidelineStore
from medcite.tools.retrieval.embedding import GuidelineEmbedder


def _jsonl(path: Path, n: int, seed: int) -> list[str]:
    passages = random.Random(seed).sample(load_passages(), n)
    with path.open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.model_dump(exclude={"doc_id", "source"}, exclude_none=True)) + "\n")
    return [p.index_text() for p in read_document(path).passages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--from-scratch", action="store_true", help="also embed the whole default corpus")
    args = parser.parse_args()
    embedder = GuidelineEmbedder("all-MiniLM-L6-v2")
    model = embedder.model
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "passages.jsonl"
        texts = _jsonl(source, args.passages, seed=0)
        model.encode(texts[:32], batch_size=embedder.batch_size)  # warm up
        ratios: list[float] = []
        for i in range(args.repeats):
            store = GuidelineStore(Settings(data_dir=root / f"store-{i}"), embedder)
            timings = {}
            for step in ("bare", "ingest") if i % 2 == 0 else ("ingest", "bare"):  # alternate order
                start = time.perf_counter()
                if step == "bare":
                    model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
                else:
                    report = ingest_paths(store, [source])
                timings[step] = time.perf_counter() - start
            assert report.ok and store.count() == len(texts), report.render()
            bare, ingest = timings["bare"], timings["ingest"]
            ratios.append(bare / ingest)
            print(
                f"run {i + 1}: bare encode {len(texts) / bare:6.1f} passages/s, "
                f"ingest {len(texts) / ingest:6.1f} passages/s, ratio {bare / ingest:.3f}"
            )
        print(
            f"\ningest throughput / bare encode throughput: median {statistics.median(ratios):.3f} "
            f"(target >= 0.9) over {args.repeats} runs of {len(texts)} passages, "
            f"batch size {embedder.batch_size}"
        )

        start = time.perf_counter()
        store = GuidelineStore(Settings(data_dir=root / "default"), embedder)
        ensure_default_corpus(store)
        print(
            f"default corpus build from shipped embeddings: {store.count()} passages in "
            f"{time.perf_counter() - start:.1f} s (model already loaded)"
        )
        if args.from_scratch:
            store = GuidelineStore(Settings(data_dir=root / "scratch"), embedder)
            start = time.perf_counter()
            write_documents(store, default_documents())
            print(
                f"default corpus build embedding every passage: {store.count()} passages in "
                f"{time.perf_counter() - start:.1f} s"
            )


if __name__ == "__main__":
    main()
