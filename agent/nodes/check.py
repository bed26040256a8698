"""verify: code, not the model, checks every sentence of the draft against the cited evidence."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medcite.agent.context import AgentContext
from medcite.agent.nodes.common import audited
from medcite.agent.state import AgentState, evidence_of
from medcite.agent.verify import verify_draft


@audited("verify")
def verify(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    _, checks = verify_draft(state.get("draft", ""), evidence_of(state))
    runtime.context.log("verify", checks=[c.model_dump() for c in checks])
    return {"checks": [c.model_dump() for c in checks]}
