"""Run the items a results log has not finished yet: optional thread pool, progress bar, resumption."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tqdm.auto import tqdm

from medcite.evals.results_log import ResultLog

T = TypeVar("T")


@dataclass(frozen=True)
class SystemRun:
    """Where a run's results go; ``system`` names what is evaluated and is recorded with every line."""

    name: str
    out_dir: Path
    system: dict[str, Any]
    concurrency: int = 1
    progress: bool = True

    @property
    def results_path(self) -> Path:
        return self.out_dir / f"{self.name}.jsonl"


@dataclass(frozen=True)
class RunStats:
    """What one invocation did: items finished now, items skipped as already done, wall time."""

    finished: int
    skipped: int
    wall_s: float

    @property
    def per_second(self) -> float:
        return self.finished / self.wall_s if self.wall_s > 0 else 0.0


def run_pending(
    items: Sequence[T],
    *,
    key: Callable[[T], str],
    digest: Callable[[T], str],
    work: Callable[[T], dict[str, Any]],
    log: ResultLog,
    concurrency: int = 1,
    progress: bool = True,
    desc: str = "eval",
) -> RunStats:
    """Call ``work`` on every item not yet in ``log`` (same key and digest) and append each result.

    Results are written by this thread as they complete (one flushed line each), so an interruption
    loses at most the items in flight. An exception from ``work`` stops the run after cancelling what
    has not started; everything finished so far stays recorded.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    pending = [it for it in items if not log.is_done(key(it), digest(it))]
    skipped = len(items) - len(pending)
    started = time.perf_counter()
    bar = tqdm(total=len(items), initial=skipped, desc=desc, disable=not progress, unit="item")

    def finish(item: T, record: dict[str, Any]) -> None:
        log.append({**record, "key": key(item), "hash": digest(item)})
        bar.update(1)

    try:
        if concurrency == 1:
            for item in pending:
                finish(item, work(item))
        else:
            _run_pool(pending, work, finish, concurrency)
    finally:
        bar.close()
    return RunStats(finished=len(pending), skipped=skipped, wall_s=time.perf_counter() - started)


def _run_pool(
    pending: list[T],
    work: Callable[[T], dict[str, Any]],
    finish: Callable[[T, dict[str, Any]], None],
    concurrency: int,
) -> None:
    queue = iter(pending)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="medcite-eval") as pool:
        in_flight: dict[Future[dict[str, Any]], T] = {}

        def top_up() -> None:
            while len(in_flight) < 2 * concurrency:
                item = next(queue, None)
                if item is None:
                    return
                in_flight[pool.submit(work, item)] = item

        top_up()
        try:
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    item = in_flight.pop(future)
                    finish(item, future.result())
                top_up()
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
