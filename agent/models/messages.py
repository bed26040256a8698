"""LangChain messages → plain ``{"role", "content"}`` chat turns for chat templates.

Templates of models without tool tokens know only system/user/assistant, and several (Gemma's) require
strictly alternating turns, so tool calls are rendered as the JSON the model would emit, tool results
as user turns wrapped as data, and consecutive turns of one role are merged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from medcite.agent.prompts import load_prompt

ChatTurn = dict[str, str]


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p if isinstance(p, str) else str(p.get("text", "")) for p in content if isinstance(p, str | dict)
        )
    return str(content)


def render_tool_calls(message: AIMessage) -> str:
    calls = [{"tool": c["name"], "arguments": c["args"]} for c in message.tool_calls]
    return json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)


def wrap_tool_result(message: ToolMessage) -> str:
    body = text_of(message.content).replace("</tool_result>", "&lt;/tool_result&gt;")
    return load_prompt("tool_result").format(name=message.name or "tool", call_id=message.tool_call_id, content=body)


def to_chat(
    messages: Sequence[BaseMessage],
    system_extra: Sequence[str] = (),
    system_prefix: Sequence[str] = (),
) -> list[ChatTurn]:
    """Convert messages; ``system_prefix``/``system_extra`` paragraphs go before/after the system text."""
    system_parts: list[str] = []
    turns: list[ChatTurn] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            system_parts.append(text_of(m.content))
            continue
        if isinstance(m, ToolMessage):
            role, content = "user", wrap_tool_result(m)
        elif isinstance(m, AIMessage):
            role = "assistant"
            content = render_tool_calls(m) if m.tool_calls else text_of(m.content)
        elif isinstance(m, HumanMessage):
            role, content = "user", text_of(m.content)
        else:
            role, content = "user", text_of(m.content)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    system = "\n\n".join(p for p in [*system_prefix, *system_parts, *system_extra] if p.strip())
    return ([{"role": "system", "content": system}] if system else []) + turns
