"""flag: uncertainty flags with reasons, from evidence, plan and verification (all in code)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from medcite.agent import flags as F
from medcite.agent.context import AgentContext
from medcite.agent.nodes.common import audited
from medcite.agent.state import AgentState, checks_of, evidence_of
from medcite.agent.verify import kept_keys


@audited("flag")
def flag(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    checks = checks_of(state)
    turn = list(evidence_of(state, state.get("turn_keys", [])).values())
    cited = kept_keys(checks)
    shown_guidelines = [e.key for e in turn if e.source == "guideline"] if state.get("mode") == "summarize" else []
    found = [
        *F.missing_flags(state.get("expected") or {}),
        *F.conflict_flags(turn),
        *F.stale_flags(turn, keys=cited + shown_guidelines),
        *F.verification_flags(checks),
        *F.language_flags(checks),
    ]
    return {"flags": [f.model_dump() for f in found]}
