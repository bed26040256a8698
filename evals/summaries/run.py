"""Run a summary function over bundles, one resumable JSONL line per bundle, scored against the raw JSON."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medcite.evals.answers import AnswerLike, to_eval_answer
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.hashing import digest
from medcite.evals.results_log import ResultLog
from medcite.evals.runner import RunStats, SystemRun, run_pending
from medcite.evals.sessions import append_session
from medcite.evals.summaries.scoring import score_summary
from medcite.evals.summaries.target import SummaryTarget

SummaryFn = Callable[[SummaryTarget], AnswerLike]


class SummaryRun(SystemRun):
    """A summary-faithfulness run."""


def targets_for(bundles: list[Path]) -> list[SummaryTarget]:
    return [SummaryTarget(bundle=p, patient_id=read_bundle(p).patient_id) for p in bundles]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def summarize_target(target: SummaryTarget, summary_fn: SummaryFn, system: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    summary = to_eval_answer(summary_fn(target))
    latency = time.perf_counter() - started
    score = score_summary(summary, read_bundle(target.bundle))
    return {
        "bundle": target.bundle.name,
        "patient_id": target.patient_id,
        "summary": summary.model_dump(),
        "score": score.model_dump(),
        "latency_s": round(latency, 3),
        "system": system,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_summaries(targets: list[SummaryTarget], summary_fn: SummaryFn, run: SummaryRun) -> RunStats:
    """Summarise every target not yet recorded for this system (a changed bundle file is redone)."""
    stats = run_pending(
        targets,
        key=lambda t: f"{t.bundle.name}#{t.patient_id}",
        digest=lambda t: digest({"bundle": _file_digest(t.bundle), "patient": t.patient_id, "system": run.system}),
        work=lambda t: summarize_target(t, summary_fn, run.system),
        log=ResultLog(run.results_path),
        concurrency=run.concurrency,
        progress=run.progress,
        desc=f"summaries {run.name}",
    )
    append_session(run.results_path, stats, concurrency=run.concurrency, **run.system)
    return stats
