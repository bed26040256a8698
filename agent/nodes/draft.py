"""draft: the model writes the cited answer (or, for summaries, the synopsis) from the evidence."""

from __future__ import annotations

import itertools
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime

from medcite.agent.context import AgentContext
from medcite.agent.evidence_block import prompt_budget_chars, render_evidence
from medcite.agent.models.messages import text_of
from medcite.agent.nodes.common import audited
from medcite.agent.prompts import load_prompt
from medcite.agent.state import AgentState, evidence_of
from medcite.agent.structured_draft import draft_schema, render_structured

HISTORY_TURNS = 2
HISTORY_CHARS = 1500
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


@audited("draft")
def draft(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    items = list(evidence_of(state, state.get("turn_keys", [])).values())
    budget = prompt_budget_chars(ctx.settings, ctx.model, other_chars=1500 + len(state["question"]) + HISTORY_CHARS)
    if state.get("mode") == "summarize":
        synopsis = list(evidence_of(state, state.get("synopsis_keys") or []).values())
        evidence, shown = render_evidence(synopsis, budget)
        prompt = load_prompt("synopsis").format(evidence=evidence)
    else:
        evidence, shown = render_evidence(items, budget)
        prompt = load_prompt("draft").format(evidence=evidence, history=_history(state), question=state["question"])
    constrained = bool(shown) and ctx.settings.constrained_tool_calls and _can_constrain(ctx.model)
    model: Runnable[Any, Any] = ctx.model
    if constrained:
        model = ctx.model.bind(json_schema=draft_schema(shown), stop=DRAFT_STOP)
        prompt += "\n" + load_prompt("draft_json")
    else:
        model = ctx.model.bind(stop=DRAFT_STOP)
    message = model.invoke([SystemMessage(load_prompt("system")), HumanMessage(prompt)])
    thoughts = message.additional_kwargs.get("reasoning_content") if isinstance(message, AIMessage) else None
    if thoughts:
        ctx.log("model_thoughts", thoughts=thoughts)
    raw = text_of(message.content)
    structured = render_structured(raw) if constrained else None
    return {"draft": structured if structured is not None else raw}


def _can_constrain(model: Any) -> bool:
    return bool(getattr(model, "supports_constrained_decoding", False)) and not getattr(model, "thinking", False)
