"""Run QA items through a chat model, one resumable JSONL line per question."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from medcite.core.settings import Settings
from medcite.evals.hashing import digest
from medcite.evals.qa.datasets import QAItem
from medcite.evals.qa.extract import extract_choice
from medcite.evals.qa.prompting import build_messages, retrieval_query, templates_fingerprint
from medcite.evals.qa.retrieval_context import RetrievalConfig
from medcite.evals.results_log import ResultLog
from medcite.evals.runner import RunStats, run_pending
from medcite.evals.sessions import append_session

RESULTS_SUFFIX = ".jsonl"


def default_run_name(model_spec: str, rag: bool) -> str:
    """``llamacpp-smollm2-closed``: the model spec made file-safe, and the mode."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model_spec.split("#")[-1] if "#" in model_spec else model_spec)
    return f"{slug.strip('-')[-60:]}-{'rag' if rag else 'closed'}"


@dataclass(frozen=True)
class QARun:
    """Where one run's results go and how it is executed."""

    name: str
    out_dir: Path
    concurrency: int = 1
    progress: bool = True
    retrieval: RetrievalConfig | None = None

    @property
    def results_path(self) -> Path:
        return self.out_dir / f"{self.name}{RESULTS_SUFFIX}"

    @property
    def mode(self) -> str:
        return "rag" if self.retrieval else "closed"


def _messages_hash(messages: list[BaseMessage]) -> str:
    return digest([[m.type, m.content] for m in messages])


def request_digest(item: QAItem, settings: Settings, run: QARun) -> str:
    """Everything that determines the prompt and decoding (retrieval by retriever name and k)."""
    return digest(
        {
            "item": item.model_dump(),
            "prompts": templates_fingerprint(),
            "model": settings.model,
            "decoding": [settings.temperature, settings.max_new_tokens, settings.thinking, settings.seed],
            "retrieval": [run.retrieval.name, run.retrieval.k] if run.retrieval else None,
        }
    )


def answer_item(item: QAItem, model: BaseChatModel, settings: Settings, run: QARun) -> dict[str, Any]:
    """Ask one question and grade the reply (the result line without key and hash)."""
    retrieved = run.retrieval.search(retrieval_query(item), run.retrieval.k) if run.retrieval else []
    messages = build_messages(item, retrieved)
    started = time.perf_counter()
    reply = model.invoke(messages)
    latency = time.perf_counter() - started
    raw = str(reply.response_metadata.get("raw_output", reply.content))
    extraction = extract_choice(raw, item.options)
    usage: dict[str, Any] = dict(getattr(reply, "usage_metadata", None) or {})
    return {
        "dataset": item.dataset,
        "qid": item.qid,
        "model": settings.model,
        "mode": run.mode,
        "prompt_hash": _messages_hash(messages),
        "raw_output": raw,
        "extracted": extraction.letter,
        "method": extraction.method,
        "parsed": extraction.parsed,
        "gold": item.answer,
        "correct": extraction.letter == item.answer,
        "latency_s": round(latency, 3),
        "input_tokens": int(usage.get("input_tokens", 0)),
        "output_tokens": int(usage.get("output_tokens", 0)),
        "retrieved": [e.key for e in retrieved],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_qa(items: list[QAItem], model: BaseChatModel, settings: Settings, run: QARun) -> RunStats:
    """Answer every item not yet in ``run.results_path`` and log this invocation's throughput."""
    log = ResultLog(run.results_path)
    stats = run_pending(
        items,
        key=lambda it: it.key,
        digest=lambda it: request_digest(it, settings, run),
        work=lambda it: answer_item(it, model, settings, run),
        log=log,
        concurrency=run.concurrency,
        progress=run.progress,
        desc=f"qa {run.name}",
    )
    append_session(run.results_path, stats, model=settings.model, mode=run.mode, concurrency=run.concurrency)
    return stats


def rescore(items: list[QAItem], run: QARun) -> int:
    """Re-read the answers of stored raw outputs with the current extractor (no model calls).

    Only lines of the given items are touched; returns how many extracted answers changed.
    """
    log = ResultLog(run.results_path)
    by_key = {item.key: item for item in items}
    changed = 0
    records = []
    for record in log.records():
        item = by_key.get(record["key"])
        if item is not None:
            extraction = extract_choice(record["raw_output"], item.options)
            changed += extraction.letter != record["extracted"]
            record = {
                **record,
                "extracted": extraction.letter,
                "method": extraction.method,
                "parsed": extraction.parsed,
                "gold": item.answer,
                "correct": extraction.letter == item.answer,
            }
        records.append(record)
    log.rewrite(records)
    return changed
