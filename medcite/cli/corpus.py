"""``medcite ingest`` and ``medcite search``: the guideline store from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from medcite.core.disclaimer import DISCLAIMER
from medcite.core.errors import InputError
from medcite.core.settings import Settings


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "ingest",
        help="add guideline documents (Markdown, text, HTML, PDF, JSONL) to the store",
        description="Add documents to the guideline store. Re-ingesting an unchanged file adds "
        "nothing; a changed file replaces its old chunks. Metadata (title, issuer, date, url, grade, "
        "topic, id) comes from YAML front matter or a <file>.meta.json / <file>.meta.yaml sidecar.",
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders to ingest")
    p.add_argument("--default", action="store_true", help="(re)build the shipped default corpus in the store")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run_ingest)

    s: argparse.ArgumentParser = sub.add_parser("search", help="search the guideline store; prints citable lines")
    s.add_argument("query", help="what to look up")
    s.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    s.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid", help="retriever (default hybrid)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    s.set_defaults(func=run_search)


def run_ingest(args: argparse.Namespace) -> int:
    from medcite.corpora import open_guidelines
    from medcite.corpora.default import DEFAULT_SOURCES
    from medcite.corpora.ingest import ingest_paths

    if not args.paths and not args.default:
        raise InputError("give files or folders to ingest, or --default for the shipped corpus")
    progress = not args.quiet
    retriever = open_guidelines(Settings.from_env(), progress=progress)
    status = 0
    if args.default:
        store = retriever.store
        passages = store.count_sources(DEFAULT_SOURCES)
        print(f"default corpus ready: {passages} passages ({store.count()} chunks in {store.name})")
    if args.paths:
        report = ingest_paths(retriever.store, args.paths, progress=progress)
        print(report.render())
        status = 0 if report.ok else 1
    return status


def run_search(args: argparse.Namespace) -> int:
    from medcite.corpora import open_guidelines
    from medcite.tools.retrieval.hits import hit_line

    retriever = open_guidelines(Settings.from_env(), progress=not args.quiet)
    hits = retriever.search(args.query, k=args.k, mode=args.mode)
    if not hits:
        print(f"No guideline passages matched {args.query!r}.", file=sys.stderr)
        return 1
    for hit in hits:
        print(hit_line(hit))
    print(f"\n_{DISCLAIMER}_")
    return 0
