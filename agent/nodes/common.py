"""Helpers shared by nodes: running a tool into Evidence, and audited node wrappers."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from langchain_core.messages import ToolMessage
from langgraph.runtime import Runtime

from medcite.agent.answer import Flag
from medcite.agent.context import AgentContext
from medcite.agent.state import AgentState
from medcite.core.citation_keys import citation_keys
from medcite.core.errors import MedciteError
from medcite.core.evidence import Evidence


class NodeFn(Protocol):
    def __call__(self, state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]: ...


def audited(name: str) -> Callable[[NodeFn], NodeFn]:
    """Write node start/end (with duration and the keys it updated) to the run's audit log."""

    def wrap(fn: NodeFn) -> NodeFn:
        @functools.wraps(fn)
        def node(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
            ctx = runtime.context
            started = time.perf_counter()
            ctx.log("node_start", node=name)
            update = fn(state, runtime=runtime)
            ctx.log("node_end", node=name, updated=sorted(update), duration_s=round(time.perf_counter() - started, 3))
            return update

        return node

    return wrap


def evidence_from_tool_message(message: ToolMessage) -> list[Evidence]:
    """A tool's Evidence artifact, or its ``[key] …`` lines when the tool returned text only."""
    artifact = message.artifact
    if isinstance(artifact, list) and all(isinstance(a, Evidence) for a in artifact):
        return list(artifact)
    out: list[Evidence] = []
    for line in str(message.content).splitlines():
        keys = citation_keys(line[: line.find("]") + 1]) if line.startswith("[") else []
        if keys:
            guideline = keys[0].startswith("guideline:")
            meta = {"stale": "STALE" in line} if guideline else {}
            out.append(Evidence(key=keys[0], text=line.strip(), source="guideline" if guideline else "fhir", meta=meta))
    return out


def with_history(items: list[Evidence]) -> list[Evidence]:
    """Add the earlier results a line mentions (``meta.previous``) as evidence of their own, so a draft
    may cite them by the keys the line shows."""
    out = list(items)
    seen = {e.key for e in items}
    for ev in items:
        for prev in ev.meta.get("previous") or []:
            key = prev.get("key")
            if not key or key in seen:
                continue
            seen.add(key)
            label = ev.meta.get("display") or "result"
            out.append(
                Evidence(
                    key=key,
                    source="fhir",
                    date=prev.get("date"),
                    text=f"[{key}] {prev.get('date')} {label}: {prev.get('value')}",
                    meta={"code": ev.meta.get("code"), "display": label, "value_text": prev.get("value")},
                )
            )
    return out


def run_tool(ctx: AgentContext, name: str, args: dict[str, Any]) -> tuple[list[Evidence], Flag | None]:
    """Run one tool deterministically; a failure becomes a ``tool_error`` flag, never an exception."""
    tool = ctx.tool(name)
    if tool is None:
        return [], Flag(kind="tool_error", reason=f"tool {name} is not available for this source")
    call = {"type": "tool_call", "name": name, "args": args, "id": f"gather_{uuid.uuid4().hex[:8]}"}
    try:
        message = tool.invoke(call)
    except MedciteError as exc:
        return [], Flag(kind="tool_error", reason=f"{name} failed: {exc}")
    if not isinstance(message, ToolMessage):
        message = ToolMessage(content=str(message), tool_call_id=call["id"], name=name)
    return evidence_from_tool_message(message), None
