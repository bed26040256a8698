"""Resumption of ``run_pending`` with a deterministic work function standing in for a model."""

import threading
from pathlib import Path
from typing import Any

import pytest

from medcite.evals.results_log import ResultLog
from medcite.evals.runner import run_pending

ITEMS = [f"q{i}" for i in range(8)]


class Squares:
    """Deterministic work that counts calls per item (a stand-in for a model call)."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.calls: list[str] = []
        self.interrupt_at = interrupt_at
        self.lock = threading.Lock()

    def __call__(self, item: str) -> dict[str, Any]:
        with self.lock:
            if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
                raise KeyboardInterrupt
            self.calls.append(item)
        n = int(item[1:])
        return {"value": n * n, "correct": n % 3 == 0}


def _run(path: Path, work: Squares, items: list[str] = ITEMS, digest: str = "d1", concurrency: int = 1) -> Any:
    return run_pending(
        items,
        key=lambda it: it,
        digest=lambda it: digest,
        work=work,
        log=ResultLog(path),
        concurrency=concurrency,
        progress=False,
    )


def _numbers(path: Path) -> dict[str, Any]:
    records = ResultLog(path).records()
    return {
        "n": len(records),
        "correct": sum(r["correct"] for r in records),
        "values": sorted(r["value"] for r in records),
    }


def test_interrupted_run_resumes_without_redoing_and_gives_the_same_numbers(tmp_path: Path) -> None:
    reference = tmp_path / "reference.jsonl"
    _run(reference, Squares())

    resumed = tmp_path / "resumed.jsonl"
    first = Squares(interrupt_at=3)
    with pytest.raises(KeyboardInterrupt):
        _run(resumed, first)
    assert first.calls == ["q0", "q1", "q2"]
    assert len(ResultLog(resumed).records()) == 3

    second = Squares()
    stats = _run(resumed, second)
    assert second.calls == ITEMS[3:]
    assert (stats.finished, stats.skipped) == (5, 3)
    assert _numbers(resumed) == _numbers(reference)


def test_stopping_after_n_items_then_running_all(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    _run(path, Squares(), items=ITEMS[:4])
    work = Squares()
    stats = _run(path, work)
    assert work.calls == ITEMS[4:]
    assert stats.skipped == 4
    assert len(path.read_text().splitlines()) == 8


def test_truncated_last_line_redoes_only_that_item(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    _run(path, Squares())
    text = path.read_text()
    path.write_text(text[: len(text) - 10])  # the kill hit while the last line was being written
    work = Squares()
    _run(path, work)
    assert work.calls == ["q7"]
    assert _numbers(path)["n"] == 8


def test_changed_digest_redoes_everything(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    _run(path, Squares())
    work = Squares()
    _run(path, work, digest="d2")
    assert work.calls == ITEMS
    assert _numbers(path)["n"] == 8


def test_thread_pool_records_every_item_once(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    work = Squares()
    stats = _run(path, work, concurrency=4)
    assert sorted(work.calls) == sorted(ITEMS)
    assert stats.finished == 8
    assert _numbers(path) == _numbers(_reference(tmp_path))


def test_thread_pool_interruption_keeps_finished_items(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with pytest.raises(KeyboardInterrupt):
        _run(path, Squares(interrupt_at=5), concurrency=3)
    done = {r["key"] for r in ResultLog(path).records()}
    assert len(done) <= 5
    rest = Squares()
    _run(path, rest, concurrency=3)
    assert sorted(rest.calls) == sorted(set(ITEMS) - done)
    assert _numbers(path)["n"] == 8


def test_bad_concurrency(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        _run(tmp_path / "x.jsonl", Squares(), concurrency=0)


def _reference(tmp_path: Path) -> Path:
    path = tmp_path / "ref.jsonl"
    _run(path, Squares())
    return path
