"""Audit trail: one JSONL file per run with every node, tool call and model call. Secrets never written.

The trail holds record content by design (questions, tool results, model outputs), in 0600 files. With
``content=False`` (``MEDCITE_AUDIT_CONTENT=0``) only what identifies and times a step is kept: every other
field is replaced by ``[withheld: N characters]``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from medcite.core.private_files import append_private, private_dir

_SECRET = re.compile(
    r"(?i)(authorization[\"'=:\s]+(?:bearer\s+)?|bearer\s+|api[_-]?key[\"'=:\s]+|token[\"'=:\s]+)[A-Za-z0-9._\-~+/=]{6,}"
)
MAX_FIELD = 4000
# Fields kept when content is withheld: what ran, on which patient and source, citation keys, sizes, times.
METADATA_FIELDS = frozenset(
    {"node", "updated", "duration_s", "tool", "prompt_chars", "usage", "mode", "model", "patient", "source"}
    | {"thread_id", "keys", "citations"}
)


def new_trace_id() -> str:
    return uuid.uuid4().hex[:16]


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1) + "[redacted]", text)


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        value = redact(value)
        return value if len(value) <= MAX_FIELD else value[:MAX_FIELD] + f"… ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in value.items() if not _is_secret_key(k)}
    if isinstance(value, list | tuple):
        return [_clip(v) for v in value]
    return value


def _is_secret_key(key: str) -> bool:
    return bool(re.search(r"(?i)(^|_)(token|api_?key|secret|password|authorization|credentials?)$", key))


def _withheld(name: str, value: Any) -> Any:
    if name in METADATA_FIELDS or value is None:
        return value
    if name == "error":  # the kind of error stays, its message may quote the record
        return str(value).split(":", 1)[0] + ": [withheld]"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return f"[withheld: {len(text)} characters]"


class AuditLog:
    """Appends events to ``<dir>/<trace_id>.jsonl`` (a 0600 file in a 0700 folder); each line is flushed
    as written. ``content=False`` keeps questions, prompts, outputs and tool results out of it."""

    def __init__(self, directory: Path, trace_id: str | None = None, *, content: bool = True) -> None:
        self.trace_id = trace_id or new_trace_id()
        self.path = private_dir(directory) / f"{self.trace_id}.jsonl"
        self.content = content
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        if not self.content:
            fields = {k: _withheld(k, v) for k, v in fields.items()}
        record = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "trace_id": self.trace_id,
            "event": event,
            **_clip(fields),
        }
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            append_private(self.path, line + "\n")

    def events(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


class AuditCallback(BaseCallbackHandler):
    """Records model calls (prompt size, output, duration) and tool calls into an ``AuditLog``."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._started: dict[UUID, float] = {}
        self._prompt_chars: dict[UUID, int] = {}
        self._tool_names: dict[UUID, str] = {}

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._started[run_id] = time.perf_counter()
        self._prompt_chars[run_id] = sum(len(str(m.content)) for batch in messages for m in batch)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._started.pop(run_id, time.perf_counter())
        gen = response.generations[0][0] if response.generations and response.generations[0] else None
        message = getattr(gen, "message", None)
        self.log.write(
            "model_call",
            prompt_chars=self._prompt_chars.pop(run_id, 0),
            output=getattr(message, "content", None) if message is not None else getattr(gen, "text", None),
            tool_calls=getattr(message, "tool_calls", None),
            raw_output=(getattr(message, "response_metadata", {}) or {}).get("raw_output"),
            usage=getattr(message, "usage_metadata", None),
            duration_s=round(time.perf_counter() - started, 3),
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._started.pop(run_id, None)
        self.log.write("model_error", error=f"{type(error).__name__}: {error}")

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any) -> None:
        self._started[run_id] = time.perf_counter()
        self._tool_names[run_id] = str(serialized.get("name"))
        self.log.write("tool_start", tool=serialized.get("name"), input=input_str)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._started.pop(run_id, time.perf_counter())
        content = getattr(output, "content", output)
        self.log.write(
            "tool_end",
            tool=self._tool_names.pop(run_id, None),
            output=str(content),
            duration_s=round(time.perf_counter() - started, 3),
        )

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._started.pop(run_id, None)
        self.log.write("tool_error", tool=self._tool_names.pop(run_id, None), error=f"{type(error).__name__}: {error}")
