"""Append-only JSONL results with resumption: one line per finished item, flushed as it is written.

Every line carries ``key`` (the item) and ``hash`` (what was asked: prompt, model, settings). On
resume an item is skipped when its key was recorded with the same hash; when the hash changed the
item is redone and the newer line wins. A last line cut off by a kill is dropped (that item is redone);
any other unreadable line is an error naming the file and line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError


class ResultLog:
    """Records of one run, keyed by item; ``append`` writes and flushes one line."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._records: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self._repair_tail()
            for record in self._read():
                self._records[str(record["key"])] = record

    def _repair_tail(self) -> None:
        """Cut a partial last line (no trailing newline) so appends start on a fresh line."""
        with self.path.open("rb+") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            fh.seek(0)
            data = fh.read()
            keep = data.rfind(b"\n") + 1
            fh.truncate(keep)

    def _read(self) -> Iterator[dict[str, Any]]:
        with self.path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"{self.path}, line {lineno}: not a JSON record ({exc.msg}). The results file is "
                        "damaged; move it away to start the run afresh."
                    ) from exc
                if not isinstance(record, dict) or "key" not in record or "hash" not in record:
                    raise InputError(
                        f"{self.path}, line {lineno}: a result needs 'key' and 'hash' fields; "
                        "this file was not written by medcite evals."
                    )
                yield record

    def is_done(self, key: str, digest: str) -> bool:
        record = self._records.get(key)
        return record is not None and record.get("hash") == digest

    def append(self, record: dict[str, Any]) -> None:
        """Write one finished item (must carry ``key`` and ``hash``) and flush it to disk."""
        if "key" not in record or "hash" not in record:
            raise ValueError("a result record needs 'key' and 'hash'")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self._records[str(record["key"])] = record

    def rewrite(self, records: list[dict[str, Any]]) -> None:
        """Replace the file with ``records`` (one line each) atomically: a kill leaves the old or the new file."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for record in records:
                if "key" not in record or "hash" not in record:
                    raise ValueError("a result record needs 'key' and 'hash'")
                fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._records = {str(r["key"]): r for r in records}

    def records(self) -> list[dict[str, Any]]:
        """The latest record per key, in first-written order."""
        return list(self._records.values())

    def __len__(self) -> int:
        return len(self._records)
