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
    """A tool's ``list[Evidence]`` artifact; a tool that returns none gives no evidence (its text is
    never parsed back into facts)."""
    artifact = message.artifact
    if isinstance(artifact, list) and all(isinstance(a, Evidence) for a in artifact):
        return list(artifact)
    return []


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
