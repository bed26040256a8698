"""draft: the model writes the cited answer (or, for summaries, the synopsis) from the evidence."""

from __future__ import annotations

import itertools
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime

from medcite.agent.context import AgentContext
from medcite.agent.evidence_block import (
    CHAT_TEMPLATE_TOKENS,
    EvidenceBlock,
    fit_evidence,
    prompt_budget_tokens,
    token_counter,
)
from medcite.agent.models.messages import text_of
from medcite.agent.nodes.common import audited
from medcite.agent.prompts import load_prompt
from medcite.agent.state import AgentState, evidence_of
from medcite.agent.structured_draft import draft_schema, render_structured
from medcite.agent.synopsis_evidence import synopsis_evidence
from medcite.core.citation_keys import expand_handles
from medcite.core.safe_text import inert

HISTORY_TURNS = 2
DRAFT_STOP = ["\nQuestion:", "\nEvidence", "<evidence>"]


def _history(state: AgentState) -> str:
    """The last few question/answer pairs of this conversation (not the current question)."""
    pairs: list[str] = []
    messages = [
        m for m in state.get("messages") or [] if m.type in ("human", "ai") and not getattr(m, "tool_calls", None)
    ]
    for earlier, later in itertools.pairwise(messages):
        if earlier.type == "human" and later.type == "ai":
            pairs.append(f"Q: {text_of(earlier.content)[:150]}\nA: {text_of(later.content)[:550]}")
    if not pairs:
        return ""
    return load_prompt("history").format(turns="\n".join(pairs[-HISTORY_TURNS:]))


def _prompt(state: AgentState, ctx: AgentContext, constrained: bool) -> tuple[str, EvidenceBlock]:
    """The draft prompt with as much evidence as fits the token budget, most salient first for a synopsis."""
    items = list(evidence_of(state, state.get("turn_keys", [])).values())
    fields: dict[str, str] = {}
    if state.get("mode") == "summarize":
        template, items = load_prompt("synopsis"), synopsis_evidence(items)
    else:
        template, fields = load_prompt("draft"), {"history": _history(state), "question": state["question"]}
    tail = "\n" + load_prompt("draft_json") if constrained else ""
    measure = token_counter(ctx.model)
    fixed = measure(load_prompt("system")) + measure(template.format(evidence="", **fields) + tail)
    fixed += CHAT_TEMPLATE_TOKENS + (measure(load_prompt("thinking")) if getattr(ctx.model, "thinking", False) else 0)
    budget = prompt_budget_tokens(ctx.settings, ctx.model)
    block = fit_evidence(items, budget - fixed, measure, handles=True)
    ctx.log("prompt_evidence", keys=block.keys, left_out=block.left_out, tokens=fixed + block.size, budget=budget)
    return template.format(evidence=block.text, **fields) + (tail if block.lines else ""), block


@audited("draft")
def draft(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    constrained = ctx.settings.constrained_tool_calls and _can_constrain(ctx.model)
    prompt, block = _prompt(state, ctx, constrained)
    model: Runnable[Any, Any] = ctx.model
    if constrained and block.lines:
        model = ctx.model.bind(json_schema=draft_schema(block.citable), stop=DRAFT_STOP)
    else:
        model = ctx.model.bind(stop=DRAFT_STOP)
    message = model.invoke([SystemMessage(load_prompt("system")), HumanMessage(prompt)])
    thoughts = message.additional_kwargs.get("reasoning_content") if isinstance(message, AIMessage) else None
    if thoughts:
        ctx.log("model_thoughts", thoughts=thoughts)
    if isinstance(message, AIMessage) and message.tool_calls:  # draft's allow-list is empty: never run
        ctx.log("tool_request_refused", node="draft", calls=message.tool_calls)
    raw = text_of(message.content)
    structured = render_structured(raw) if constrained and block.lines else None
    text = expand_handles(structured if structured is not None else raw, block.handles)
    return {"draft": inert(text, multiline=True)}


def _can_constrain(model: Any) -> bool:
    return bool(getattr(model, "supports_constrained_decoding", False)) and not getattr(model, "thinking", False)
