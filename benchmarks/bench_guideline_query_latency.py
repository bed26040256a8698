"""Query latency (p50/p95) of guideline search at the default corpus size and, with ``--scale N``,
at N chunks made of synthetic near-duplicates of the real passages.

A synthetic chunk copies a real passage (text tagged with its copy number) and its embedding plus
small Gaussian noise, re-normalised, so the vector index holds N distinct points. Each query is the
full ``search`` call (query embedding, Chroma, BM25, fusion, recency); the BM25 index is built
before timing. The scaled store is kept in ``--data-dir`` and reused by later runs.
Usage: ``python benchmarks/bench_guideline_query_latency.py [--queries 200] [--scale 100000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from guideline_bench_store import add_data_dir_option, default_corpus_retriever
from retrieval_devset import dev_questions
from tqdm import tqdm

from medcite.corpora.default import default_vectors, load_passages
from medcite.tools.retrieval import MODES, GuidelineRetriever
from medcite.tools.retrieval.passage import Document

SYNTHETIC_NOISE = 0.02


def grow(retriever: GuidelineRetriever, target: int, seed: int = 0) -> None:
    """Add synthetic near-duplicate chunks until the store holds ``target`` chunks."""
    store = retriever.store
    passages = load_passages()
    vectors = default_vectors(store.embedder)
    assert vectors is not None, "needs the shipped default-corpus embeddings"
    rng = np.random.default_rng(seed)
    have = store.count()
    batch = 2000
    with tqdm(total=max(0, target - have), desc="Adding synthetic chunks", unit="chunk") as bar:
        while have < target:
            n = min(batch, target - have)
            docs, rows = [], []
            for j in range(n):
                i = have + j
                p = passages[i % len(passages)]
                copy = p.model_copy(
                    update={"id": f"synth-{i}", "text": f"{p.text} (copy {i})", "doc_id": f"synth-{i}"}
                )
                docs.append(Document(doc_id=copy.doc_id, doc_hash="synthetic", origin="synthetic", passages=[copy]))
                v = vectors[p.id] + rng.normal(0, SYNTHETIC_NOISE, vectors[p.id].shape)
                rows.append(v / np.linalg.norm(v))
            store.write(docs, np.asarray(rows, dtype=np.float32))
            have += n
            bar.update(n)


def measure(retriever: GuidelineRetriever, queries: list[str]) -> None:
    start = time.perf_counter()
    retriever.lexical()
    print(f"BM25 index ready in {time.perf_counter() - start:.1f} s")
    for q in queries[:5]:
        retriever.search(q, k=5)  # warm up
    print(f"{'mode':<7} {'p50 ms':>8} {'p95 ms':>8}   ({len(queries)} queries, k=5, {retriever.store.count()} chunks)")
    for mode in MODES:
        times = []
        for q in queries:
            start = time.perf_counter()
            retriever.search(q, k=5, mode=mode)
            times.append((time.perf_counter() - start) * 1000)
        p50, p95 = np.percentile(times, [50, 95])
        print(f"{mode:<7} {p50:8.1f} {p95:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scale", type=int, default=0, help="also measure at this many chunks (e.g. 100000)")
    args = parser.parse_args()
    queries = [q.query for q in dev_questions(medquad_sample=args.queries)][: args.queries]
    retriever = default_corpus_retriever(args.data_dir)
    print("\n== default corpus ==")
    measure(retriever, queries)
    if args.scale:
        scaled = default_corpus_retriever(args.data_dir.with_name(args.data_dir.name + f"-{args.scale}"))
        start = time.perf_counter()
        grow(scaled, args.scale)
        print(f"\nstore grown to {scaled.store.count()} chunks in {time.perf_counter() - start:.0f} s")
        print(f"== {args.scale} chunks ==")
        measure(scaled, queries)


if __name__ == "__main__":
    main()
