"""The LangGraph state machine: gather → reason ⇄ tools (→ absorb) → draft → verify → flag → finalize."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from medcite.agent.context import AgentContext
from medcite.agent.nodes.check import verify
from medcite.agent.nodes.draft import draft
from medcite.agent.nodes.finalize import finalize
from medcite.agent.nodes.flag import flag
from medcite.agent.nodes.gather import gather
from medcite.agent.nodes.reason import absorb, reason, route_after_reason
from medcite.agent.problem_links import problem_result_rules
from medcite.agent.rules import gather_rules
from medcite.agent.state import AgentState

Graph = CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]


def build_graph(tools: Sequence[BaseTool], checkpointer: BaseCheckpointSaver[str] | None = None) -> Graph:
    """Compile the graph; ``tools`` are those the model may call (the same ones gather runs by rule).
    The rule files are checked here, so a mistake in them stops start-up with a clear error."""
    gather_rules()
    problem_result_rules()
    g = StateGraph(AgentState, context_schema=AgentContext)
    g.add_node("gather", gather)
    g.add_node("reason", reason)
    g.add_node("tools", ToolNode(list(tools), handle_tool_errors=True))
    g.add_node("absorb", absorb)
    g.add_node("draft", draft)
    g.add_node("verify", verify)
    g.add_node("flag", flag)
    g.add_node("finalize", finalize)
    g.add_edge(START, "gather")
    g.add_edge("gather", "reason")
    g.add_conditional_edges("reason", route_after_reason, ["tools", "draft"])
    g.add_edge("tools", "absorb")
    g.add_edge("absorb", "reason")
    g.add_edge("draft", "verify")
    g.add_edge("verify", "flag")
    g.add_edge("flag", "finalize")
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer, name="medcite")
