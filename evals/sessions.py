"""One line per invocation of a run (``<run>.sessions.jsonl``): items finished, wall time, settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medcite.evals.runner import RunStats

SESSIONS_SUFFIX = ".sessions.jsonl"


def sessions_path(results_path: Path) -> Path:
    return results_path.with_name(results_path.name.removesuffix(".jsonl") + SESSIONS_SUFFIX)


def append_session(results_path: Path, stats: RunStats, **meta: Any) -> None:
    line = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": stats.finished,
        "skipped": stats.skipped,
        "wall_s": round(stats.wall_s, 3),
        **meta,
    }
    path = sessions_path(results_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def items_per_second(results_path: Path) -> float | None:
    """Items finished per second of wall time, over every invocation (None before the first ends)."""
    path = sessions_path(results_path)
    if not path.is_file():
        return None
    finished = wall = 0.0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            s = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut off by a kill
        finished += s.get("finished", 0)
        wall += s.get("wall_s", 0.0)
    return finished / wall if wall > 0 else None


def result_files(folder: Path) -> list[Path]:
    """The runs' result files in a folder (``<run>.jsonl``, not session logs), by name."""
    return sorted(p for p in Path(folder).glob("*.jsonl") if not p.name.endswith(SESSIONS_SUFFIX))
