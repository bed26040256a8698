"""Retrieval quality on the development set: recall@1/5/10 and MRR@10 for dense, BM25 and hybrid.

The fusion settings (RRF constant, BM25 weight) were chosen on one half of the questions
(``--tune`` prints that sweep) and are reported on the other half.
Usage: ``python benchmarks/bench_retrieval_quality.py [--medquad 1000] [--tune]``
"""

from __future__ import annotations

import argparse
import time

from guideline_bench_store import add_data_dir_option, default_corpus_retriever
from retrieval_devset import dev_questions, evaluate, metrics_table, split

RRF_K_GRID = (10, 60)
BM25_WEIGHT_GRID = (0.3, 0.5, 0.7, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--medquad", type=int, default=1000, help="MedQuAD questions sampled (seeded)")
    parser.add_argument("--tune", action="store_true", help="also sweep the fusion settings on the tuning half")
    args = parser.parse_args()
    retriever = default_corpus_retriever(args.data_dir)
    questions = dev_questions(medquad_sample=args.medquad)
    tune, test = split(questions)
    if args.tune:
        print(f"\nFusion sweep on the tuning half ({len(tune)} questions), hybrid:")
        chosen = retriever.rrf_k, retriever.weights
        for k in RRF_K_GRID:
            for w in BM25_WEIGHT_GRID:
                retriever.rrf_k, retriever.weights = k, (1.0, w)
                m = evaluate(retriever, tune, modes=("hybrid",))["hybrid"]["all"]
                print(
                    f"  rrf_k={k:<3} bm25 weight={w:<4} MRR@10={m.mrr:.3f}  R@1={m.recall(1):.3f}  "
                    f"R@5={m.recall(5):.3f}  R@10={m.recall(10):.3f}"
                )
        retriever.rrf_k, retriever.weights = chosen
    start = time.perf_counter()
    results = evaluate(retriever, test)
    elapsed = time.perf_counter() - start
    print(
        f"\nHeld-out half: {len(test)} questions (rrf_k={retriever.rrf_k}, "
        f"weights dense/bm25={retriever.weights}), {elapsed:.0f} s\n"
    )
    print(metrics_table(results))
    best_single = max(results["dense"]["all"].mrr, results["bm25"]["all"].mrr)
    print(
        f"\nhybrid MRR@10 {results['hybrid']['all'].mrr:.3f} vs best single {best_single:.3f}: "
        + ("hybrid >= best single" if results["hybrid"]["all"].mrr >= best_single else "HYBRID BELOW")
    )


if __name__ == "__main__":
    main()
