"""Run FHIR QA tasks through an answer function, one resumable JSONL line per task."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from medcite.evals.answers import AnswerLike, EvalAnswer, to_eval_answer
from medcite.evals.fhir.scoring import score_answer
from medcite.evals.fhir.tasks import FhirTask
from medcite.evals.hashing import digest
from medcite.evals.results_log import ResultLog
from medcite.evals.runner import RunStats, SystemRun, run_pending
from medcite.evals.sessions import append_session

FhirAnswerFn = Callable[[FhirTask], AnswerLike]


class FhirRun(SystemRun):
    """A FHIR QA run (agent, model and FHIR source in ``system``)."""


def answer_task(task: FhirTask, answer_fn: FhirAnswerFn, system: dict[str, Any]) -> dict[str, Any]:
    """Ask one task and score the answer (the result line without key and hash)."""
    started = time.perf_counter()
    answer = to_eval_answer(answer_fn(task))
    latency = time.perf_counter() - started
    return {
        "task_id": task.id,
        "kind": task.kind,
        "bundle": task.bundle.name,
        "question": task.question,
        "gold": task.gold.model_dump(),
        "answer": answer.model_dump(),
        **scored(task, answer),
        "latency_s": round(latency, 3),
        "system": system,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def scored(task: FhirTask, answer: EvalAnswer) -> dict[str, Any]:
    """The score fields of a result line."""
    score = score_answer(task, answer)
    return {"score": score.model_dump(), "correct": score.correct}


def run_fhir(tasks: list[FhirTask], answer_fn: FhirAnswerFn, run: FhirRun) -> RunStats:
    """Answer every task not yet recorded for this system in ``run.results_path``."""
    stats = run_pending(
        tasks,
        key=lambda t: t.id,
        digest=lambda t: digest({"task": t.model_dump(mode="json"), "system": run.system}),
        work=lambda t: answer_task(t, answer_fn, run.system),
        log=ResultLog(run.results_path),
        concurrency=run.concurrency,
        progress=run.progress,
        desc=f"fhir {run.name}",
    )
    append_session(run.results_path, stats, concurrency=run.concurrency, **run.system)
    return stats


def rescore(tasks: list[FhirTask], run: FhirRun) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score the stored answers of the given tasks again with the current scorer (no system calls) and
    rewrite the run's file atomically; lines of other tasks are kept as they are.

    Returns the result lines of the given tasks before and after, in the same order.
    """
    log = ResultLog(run.results_path)
    by_key = {task.id: task for task in tasks}
    before, after, records = [], [], []
    for record in log.records():
        task = by_key.get(record["key"])
        if task is not None:
            before.append(record)
            record = {
                **record,
                "gold": task.gold.model_dump(),
                **scored(task, EvalAnswer.model_validate(record["answer"])),
            }
            after.append(record)
        records.append(record)
    log.rewrite(records)
    return before, after
