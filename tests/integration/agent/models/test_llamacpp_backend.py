"""The embedded default model (SmolLM2-135M-Instruct GGUF via llama.cpp), offline, real weights."""

from __future__ import annotations

from typing import Annotated

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from medcite.agent.models import PromptedToolChatModel
from medcite.core.errors import ModelTimeoutError

CALLS: list[str] = []


@tool
def lookup_lab(name: Annotated[str, "lab name, e.g. hba1c"]) -> str:
    """Look up the patient's latest lab value by name."""
    CALLS.append(name)
    return "[Observation/obs-1] 2023-04-01 Hemoglobin A1c 6.1 %"


def test_default_model_answers_a_chat_message(default_model: PromptedToolChatModel) -> None:
    msg = default_model.invoke(
        [
            SystemMessage("You are a helpful assistant."),
            HumanMessage("What is the capital of France?"),
        ]
    )
    assert isinstance(msg, AIMessage)
    assert isinstance(msg.content, str) and len(msg.content.strip()) > 0
    assert msg.usage_metadata is not None and msg.usage_metadata["output_tokens"] > 0
    assert msg.response_metadata["model_name"] == "smollm2"


def test_default_model_streams_tokens(default_model: PromptedToolChatModel) -> None:
    chunks = [c.content for c in default_model.stream("Say hello in three words.")]
    assert len(chunks) > 1
    assert "".join(str(c) for c in chunks).strip()


def test_constrained_tool_call_is_valid_json_for_the_schema(
    default_model: PromptedToolChatModel,
) -> None:
    bound = default_model.bind_tools([lookup_lab], tool_choice="lookup_lab")
    msg = bound.invoke("What is the patient's latest HbA1c?")
    assert msg.tool_calls, msg.response_metadata.get("raw_output")
    assert msg.tool_calls[0]["name"] == "lookup_lab"
    assert isinstance(msg.tool_calls[0]["args"]["name"], str)
    assert msg.response_metadata["constrained"] is True


def test_langgraph_toolnode_round_trip(default_model: PromptedToolChatModel) -> None:
    """A real ToolNode graph with a bounded loop: forced call first, free choice next, answer on the last step."""
    CALLS.clear()
    max_model_steps = 3

    def call_model(state: MessagesState) -> dict[str, list[AIMessage]]:
        step = sum(1 for m in state["messages"] if m.type == "ai")
        choice = "lookup_lab" if step == 0 else "none" if step == max_model_steps - 1 else "auto"
        return {"messages": [default_model.bind_tools([lookup_lab], tool_choice=choice).invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", call_model)
    graph.add_node("tools", ToolNode([lookup_lab]))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    out = graph.compile().invoke({"messages": [HumanMessage("What is the latest HbA1c?")]}, {"recursion_limit": 10})
    kinds = [m.type for m in out["messages"]]
    assert kinds[:3] == ["human", "ai", "tool"]
    assert out["messages"][1].response_metadata["constrained"] is True
    assert CALLS and all(isinstance(c, str) for c in CALLS)
    assert "[Observation/obs-1]" in str(out["messages"][2].content)
    assert kinds[-1] == "ai" and not out["messages"][-1].tool_calls
    assert kinds.count("ai") <= max_model_steps


def test_prompt_over_the_context_window_is_a_clear_error(default_model: PromptedToolChatModel) -> None:
    from medcite.core.errors import InputError

    with pytest.raises(InputError, match=r"exceed context window.*MEDCITE_N_CTX"):
        default_model.invoke("word " * 6000)


def test_a_call_over_the_time_limit_is_a_clear_error_and_the_model_stays_usable(
    default_model: PromptedToolChatModel,
) -> None:
    hurried = default_model.model_copy(update={"timeout_s": 0.001})  # same loaded weights
    with pytest.raises(
        ModelTimeoutError, match=r"did not finish one call within 0\.001 s \(MEDCITE_REQUEST_TIMEOUT_S\)"
    ):
        hurried.invoke("Count from one to twenty.")
    with pytest.raises(ModelTimeoutError):
        list(hurried.stream("Count from one to twenty."))
    assert str(default_model.invoke("Say hello.").content).strip()
