"""Shared by the guideline benchmarks: a data dir holding the default corpus (built once, reused)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from medcite.core.settings import Settings
from medcite.corpora.ingest import ensure_default_corpus
from medcite.tools.retrieval import GuidelineRetriever, GuidelineStore

DEFAULT_BENCH_DIR = Path(__file__).resolve().parent.parent / ".cache" / "bench-guidelines"


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_BENCH_DIR,
        help=f"where the benchmark store lives (default {DEFAULT_BENCH_DIR})",
    )


def default_corpus_retriever(data_dir: Path, progress: bool = True) -> GuidelineRetriever:
    """A retriever over the default corpus in ``data_dir``; prints the build time when it builds."""
    settings = Settings(data_dir=data_dir)
    start = time.perf_counter()
    retriever = GuidelineRetriever(GuidelineStore(settings), settings)
    report = ensure_default_corpus(retriever.store, progress=progress)
    if report.results:
        print(
            f"built default corpus: {retriever.store.count()} chunks in "
            f"{time.perf_counter() - start:.1f} s (model load included)"
        )
    return retriever
