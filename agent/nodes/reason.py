"""reason ⇄ tools: the model may ask for more evidence through (constrained, validated) tool calls.

The loop is bounded by ``Settings.max_steps``; the model sees evidence, never raw tool messages.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime

from medcite.agent.answer import Flag
from medcite.agent.context import AgentContext
from medcite.agent.evidence_block import fit_evidence, prompt_budget_chars
from medcite.agent.models.toolcall import ToolSpec
from medcite.agent.nodes.common import audited, evidence_from_tool_message
from medcite.agent.prompts import load_prompt
from medcite.agent.safety import neutralize_evidence
from medcite.agent.state import AgentState, dump_evidence, evidence_of
from medcite.core.evidence import with_history


def wants_reasoning(state: AgentState, ctx: AgentContext) -> bool:
    return state.get("mode", "ask") == "ask" and bool(ctx.tools) and ctx.settings.max_steps > 0


@audited("reason")
def reason(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    step = state.get("steps", 0)
    if not wants_reasoning(state, ctx):
        return {}
    if step >= ctx.settings.max_steps:
        reason = f"stopped after {step} tool steps; the answer uses the evidence gathered so far"
        return {"flags": [Flag(kind="incomplete", reason=reason).model_dump()]}
    tools_chars = sum(len(json.dumps(ToolSpec.from_any(t).prompt_json())) for t in ctx.tools) + 1000
    budget = prompt_budget_chars(ctx.settings, ctx.model, other_chars=tools_chars + len(state["question"]))
    evidence = fit_evidence(evidence_of(state, state.get("turn_keys", [])).values(), budget).text
    prompt = load_prompt("reason").format(evidence=evidence, question=state["question"])
    message = ctx.model.bind_tools(ctx.tools).invoke([SystemMessage(load_prompt("system")), HumanMessage(prompt)])
    update: dict[str, Any] = {"steps": step + 1}
    if not isinstance(message, AIMessage):
        return update
    allowed = {t.name for t in ctx.tools}  # this node's allow-list: the registered tools, nothing else
    calls = [c for c in message.tool_calls if c["name"] in allowed]
    refused = len(message.tool_calls) - len(calls) + len(message.invalid_tool_calls)
    if calls:
        update["messages"] = [message.model_copy(update={"tool_calls": calls, "invalid_tool_calls": []})]
    if refused:
        ctx.log("tool_request_refused", calls=message.tool_calls, invalid=message.invalid_tool_calls)
        # Not quoted: the request may echo text planted in a source (the audit log keeps it).
        reason = f"{refused} tool call(s) of the model named no available tool or had unusable arguments; skipped"
        update["flags"] = [Flag(kind="tool_error", reason=reason).model_dump()]
    return update


def route_after_reason(state: AgentState) -> Literal["tools", "draft"]:
    messages = state.get("messages") or []
    last = messages[-1] if messages else None
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "draft"


@audited("absorb")
def absorb(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Turn the tool results of the last step into (neutralized) evidence."""
    results: list[ToolMessage] = []
    for message in reversed(state.get("messages") or []):
        if not isinstance(message, ToolMessage):
            break
        results.insert(0, message)
    items = []
    flags: list[dict[str, Any]] = []
    for message in results:
        if message.status == "error":
            reason = f"{message.name} failed: {str(message.content)[:200]}"
            flags.append(Flag(kind="tool_error", reason=reason).model_dump())
            continue
        items += evidence_from_tool_message(message)
    items, injection_flags = neutralize_evidence(with_history(items))
    flags += [f.model_dump() for f in injection_flags]
    keys = list(dict.fromkeys([*state.get("turn_keys", []), *(e.key for e in items)]))
    return {"evidence": dump_evidence(items), "turn_keys": keys, "flags": flags}
