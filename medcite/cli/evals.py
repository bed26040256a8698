"""``medcite eval``: medical QA (closed-book or with retrieval), FHIR question answering, summary faithfulness."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from medcite.cli.common import add_model_options, settings_from_args
from medcite.core.errors import InputError
from medcite.core.settings import Settings

DEFAULT_OUT = Path("medcite-evals")
MIRAGE_DEV = Path("mirage") / "benchmark_dev.json"
PUBMEDQA_DEV = Path("pubmedqa") / "pqal_dev.json"
SYNTHEA_BUNDLES = Path("fhir_synthea_r4") / "bundles"


def register(sub: Any) -> None:
    ev: argparse.ArgumentParser = sub.add_parser("eval", help="run scripted evaluations and write reports")
    commands = ev.add_subparsers(dest="eval_command", metavar="EVAL", required=True)

    qa = commands.add_parser("qa", help="medical multiple-choice QA (MIRAGE schema or PubMedQA PQA-L)")
    qa.add_argument(
        "--data",
        type=Path,
        action="append",
        help="QA file in MIRAGE's {dataset: {qid: {question, options, answer}}} schema or PubMedQA's PQA-L "
        "format; repeatable (default: the MIRAGE dev sample, plus the PQA-L dev file for --dataset pqal)",
    )
    qa.add_argument(
        "--dataset",
        action="append",
        help="dataset to run (medqa, medmcqa, pubmedqa, bioasq, mmlu, pqal); repeatable (default: all loaded)",
    )
    qa.add_argument("--limit", type=int, help="first N questions of each dataset")
    qa.add_argument("--rag", action="store_true", help="add passages from guideline search to each question")
    qa.add_argument("--k", type=int, default=5, help="passages per question with --rag (default 5)")
    qa.add_argument(
        "--rescore",
        action="store_true",
        help="no model calls: read the answers of the run's stored replies again with the current extractor",
    )
    _add_run_options(qa)
    qa.set_defaults(func=run_qa)

    fhir = commands.add_parser("fhir", help="question answering over Synthea FHIR bundles, gold from the raw JSON")
    _add_bundle_options(fhir)
    fhir.add_argument(
        "--agent",
        help="answer function registered in evals.registry (default: medcite, the agent; 'oracle' answers from "
        "the gold to check the harness) or an import path package.module:factory",
    )
    fhir.add_argument("--fhir-url", help="let the agent read from this FHIR server instead of the bundle files")
    fhir.add_argument(
        "--kind", action="append", help="only tasks of this kind (latest_lab, trend, note_latest_plan, ...); repeatable"
    )
    fhir.add_argument("--limit", type=int, help="first N tasks")
    fhir.add_argument("--write-tasks", type=Path, help="also write the generated tasks to this JSONL file")
    fhir.add_argument(
        "--rescore",
        action="store_true",
        help="no system calls: score the run's stored answers again with the current scorer, print before/after",
    )
    _add_run_options(fhir)
    fhir.set_defaults(func=run_fhir)

    summ = commands.add_parser("summaries", help="faithfulness of bundle summaries (citations, coverage, flags)")
    _add_bundle_options(summ)
    summ.add_argument(
        "--summarizer",
        help="summary function registered in evals.registry (default: medcite, the agent; 'oracle' renders the "
        "record's facts to check the harness) or an import path package.module:factory",
    )
    summ.add_argument("--fhir-url", help="let the summarizer read from this FHIR server instead of the bundle files")
    summ.add_argument("--limit", type=int, help="first N bundles")
    _add_run_options(summ)
    summ.set_defaults(func=run_summaries)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default ./{DEFAULT_OUT})")
    p.add_argument("--run-name", help="name of the run's results file (default: from model and mode)")
    p.add_argument("--concurrency", type=int, default=1, help="parallel requests (for model servers; default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_model_options(p)


def _add_bundle_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bundles",
        type=Path,
        action="append",
        help="bundle file or folder of *.json bundles; repeatable (default: the Synthea sample bundles)",
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[-60:]


def _limit(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise InputError(f"--limit must be at least 1, got {value}")
    return value


def _concurrency(value: int) -> int:
    if value < 1:
        raise InputError(f"--concurrency must be at least 1, got {value}")
    return value


# --- qa ----------------------------------------------------------------------------------------------


def _eval_data_dir(settings: Settings, option: str) -> Path:
    if settings.eval_data_dir is None:
        raise InputError(
            f"no evaluation data: pass {option}, or set MEDCITE_EVAL_DATA_DIR to the folder holding mirage/, "
            "pubmedqa/ and fhir_synthea_r4/ (../shared/data beside a checkout)"
        )
    return settings.eval_data_dir


def _qa_files(args: argparse.Namespace, settings: Settings) -> list[Path]:
    if args.data:
        return list(args.data)
    root = _eval_data_dir(settings, "--data")
    files = [root / MIRAGE_DEV]
    if args.dataset and "pqal" in args.dataset:
        files.append(root / PUBMEDQA_DEV)
    return files


def run_qa(args: argparse.Namespace) -> int:
    from medcite.agent.models import load_chat_model
    from medcite.evals.qa.datasets import QAItem, load_qa_file, select
    from medcite.evals.qa.report import write_report
    from medcite.evals.qa.retrieval_context import RetrievalConfig, default_retriever
    from medcite.evals.qa.run import QARun, default_run_name, rescore
    from medcite.evals.qa.run import run_qa as run_items

    settings = settings_from_args(args)
    available: dict[str, list[QAItem]] = {}
    for path in _qa_files(args, settings):
        for name, items in load_qa_file(path).items():
            if name in available:
                raise InputError(f"dataset {name!r} appears in more than one --data file (again in {path})")
            available[name] = items
    items = select(available, args.dataset, _limit(args.limit))
    if args.k < 1:
        raise InputError(f"--k must be at least 1, got {args.k}")
    retrieval = RetrievalConfig(search=default_retriever(settings), k=args.k) if args.rag and not args.rescore else None
    run = QARun(
        name=args.run_name or default_run_name(settings.model, args.rag),
        out_dir=args.out / "qa",
        concurrency=_concurrency(args.concurrency),
        progress=not args.no_progress,
        retrieval=retrieval,
    )
    if args.rescore:
        if not run.results_path.is_file():
            raise InputError(f"--rescore: no results to rescore at {run.results_path}")
        changed = rescore(items, run)
        print(f"run {run.name}: answers read again from stored replies, {changed} changed")
    else:
        stats = run_items(items, load_chat_model(settings), settings, run)
        print(
            f"run {run.name}: {stats.finished} answered now, {stats.skipped} already done, {stats.per_second:.3f} q/s"
        )
    report = write_report(run.out_dir)
    this = next(r for r in report.runs if r.name == run.name)
    for s in [*this.datasets.values(), this.overall]:
        print(f"  {s.dataset:10s} accuracy {s.accuracy.percent():24s} n={s.n:<4d} unparseable={s.unparseable}")
    print(f"results {run.results_path}\nreport  {report.markdown}\nplot    {report.plot}")
    return 0


# --- fhir & summaries --------------------------------------------------------------------------------


def _bundle_paths(args: argparse.Namespace, settings: Settings) -> list[Path]:
    from medcite.evals.fhir.gold import bundles_in

    given = args.bundles or [_eval_data_dir(settings, "--bundles") / SYNTHEA_BUNDLES]
    paths: list[Path] = []
    for p in given:
        if p.is_dir():
            paths += bundles_in(p)
        elif p.is_file():
            paths.append(p)
        else:
            raise InputError(f"--bundles {p}: no such file or folder")
    return paths


def _system(kind: str, name: str, settings: Settings, fhir_url: str | None) -> dict[str, Any]:
    return {kind: name, "model": settings.model, "fhir_source": fhir_url or "bundle file"}


def run_fhir(args: argparse.Namespace) -> int:
    from medcite.eval_adapters import register_agent
    from medcite.evals.fhir.gold import generate_tasks
    from medcite.evals.fhir.report import compare_scores, outcome_line, write_report
    from medcite.evals.fhir.run import FhirRun, rescore
    from medcite.evals.fhir.run import run_fhir as run_tasks
    from medcite.evals.fhir.tasks import write_tasks
    from medcite.evals.registry import DEFAULT_AGENT, AgentEnv, resolve_fhir_agent

    register_agent()

    settings = settings_from_args(args)
    agent = args.agent or DEFAULT_AGENT
    env = AgentEnv(settings=settings, fhir_url=args.fhir_url)
    answer_fn = None if args.rescore else resolve_fhir_agent(agent, env)  # an unknown name fails before any work
    tasks = generate_tasks(_bundle_paths(args, settings))
    if args.kind:
        tasks = [t for t in tasks if t.kind in set(args.kind)]
        if not tasks:
            raise InputError(f"no tasks of kind {', '.join(args.kind)}")
    tasks = tasks[: _limit(args.limit)]
    if args.write_tasks:
        write_tasks(tasks, args.write_tasks)
    suffix = "-server" if args.fhir_url else ""
    run = FhirRun(
        name=args.run_name or f"{_slug(agent)}-{_slug(settings.model)}{suffix}",
        out_dir=args.out / "fhir",
        system=_system("agent", agent, settings, args.fhir_url),
        concurrency=_concurrency(args.concurrency),
        progress=not args.no_progress,
    )
    if answer_fn is None:  # --rescore
        if not run.results_path.is_file():
            raise InputError(f"--rescore: no results to rescore at {run.results_path}")
        before, after = rescore(tasks, run)
        print(f"run {run.name}: {len(after)} stored answers scored again (no system calls)")
        print(compare_scores(before, after))
    else:
        stats = run_tasks(tasks, answer_fn, run)
        print(f"run {run.name}: {stats.finished} answered now, {stats.skipped} already done")
    report = write_report(run.out_dir)
    this = next(r for r in report.runs if r.name == run.name)
    for s in [*this.kinds.values(), *this.groups.values(), this.overall]:
        print(outcome_line(s))
    print(f"results {run.results_path}\nreport  {report.markdown}\nplots   {report.outcomes_plot}, {report.plot}")
    return 0


def run_summaries(args: argparse.Namespace) -> int:
    from medcite.eval_adapters import register_agent
    from medcite.evals.registry import DEFAULT_AGENT, AgentEnv, resolve_summarizer

    register_agent()
    from medcite.evals.summaries.report import write_report
    from medcite.evals.summaries.run import SummaryRun, targets_for
    from medcite.evals.summaries.run import run_summaries as run_targets

    settings = settings_from_args(args)
    name = args.summarizer or DEFAULT_AGENT
    summary_fn = resolve_summarizer(name, AgentEnv(settings=settings, fhir_url=args.fhir_url))
    targets = targets_for(_bundle_paths(args, settings))[: _limit(args.limit)]
    suffix = "-server" if args.fhir_url else ""
    run = SummaryRun(
        name=args.run_name or f"{_slug(name)}-{_slug(settings.model)}{suffix}",
        out_dir=args.out / "summaries",
        system=_system("summarizer", name, settings, args.fhir_url),
        concurrency=_concurrency(args.concurrency),
        progress=not args.no_progress,
    )
    stats = run_targets(targets, summary_fn, run)
    report = write_report(run.out_dir)
    this = next(r for r in report.runs if r.name == run.name)
    coverage = ", ".join(f"{k} {v.percent()}" for k, v in this.coverage.items())
    print(f"run {run.name}: {stats.finished} summarised now, {stats.skipped} already done")
    print(f"  citation precision {this.citation_precision.percent()}; coverage {coverage}")
    print(f"  unverified claims {this.unverified_claims}, unknown keys {this.unknown_keys}, flags {this.flags}")
    print(f"results {run.results_path}\nreport  {report.markdown}\nplot    {report.plot}")
    return 0
