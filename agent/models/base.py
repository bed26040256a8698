"""Base LangChain chat model with prompted, schema-validated tool calling and thinking-mode parsing.

Backends implement ``_complete`` (and optionally ``_stream_text``); everything else is shared:
``bind_tools``, the tool prompt, constrained decoding through a JSON schema, parsing, one repair
attempt, and a failure state that never raises into the graph.
"""

from __future__ import annotations

import json
import logging
import math
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from medcite.agent.models.messages import ChatTurn, to_chat
from medcite.agent.models.thinking import split_thinking
from medcite.agent.models.toolcall import ParseResult, ToolSpec, output_schema, parse_output
from medcite.agent.prompts import load_prompt

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 2.0  # the estimate where no tokenizer is at hand: conservative, ids and numbers tokenize densely


@dataclass
class Completion:
    """What a backend returns for one request."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int | None = None  # prompt tokens reused from earlier requests, where the backend knows
    finish_reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class PromptedToolChatModel(BaseChatModel):
    """Shared logic for all medcite backends (llama.cpp, transformers, OpenAI-compatible HTTP).

    ``model.bind(json_schema=...)`` constrains a plain (tool-less) reply to a JSON schema where the
    backend can; other backends ignore it and the caller parses free text.
    """

    model_name: str = ""
    temperature: float = 0.0
    max_tokens: int = 512
    constrained: bool = True
    thinking: bool = False
    timeout_s: float = 120.0  # one call, prompt to last token (MEDCITE_REQUEST_TIMEOUT_S)

    # -- backend hooks -----------------------------------------------------------------------
    @abstractmethod
    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        """Generate one reply; when ``schema`` is given, decoding should be constrained to it."""

    def _stream_text(self, chat: list[ChatTurn], *, stop: list[str] | None) -> Iterator[str]:
        """Yield text pieces; backends that cannot stream yield the whole reply once."""
        yield self._complete(chat, schema=None, stop=stop).text

    @property
    def supports_constrained_decoding(self) -> bool:
        return False

    @property
    def context_window(self) -> int | None:
        """Tokens the backend can attend to (prompt + reply), when it is known here."""
        return None

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``: backends with their tokenizer at hand count exactly, the rest estimate."""
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    # -- LangChain interface -----------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = [] if kwargs.get("tool_choice") == "none" else kwargs.get("tools") or []
        specs = [ToolSpec.from_any(t) for t in tools]
        started = time.perf_counter()
        if specs:
            message = self._tool_turn(messages, specs, kwargs.get("tool_choice"), stop)
        else:
            schema = kwargs.get("json_schema") if self.supports_constrained_decoding and not self.thinking else None
            completion = self._complete(self._chat(messages), schema=schema, stop=stop)
            message = self._text_message(completion)
        message.response_metadata["duration_s"] = round(time.perf_counter() - started, 3)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if kwargs.get("tools") or self.thinking:
            message = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
            assert isinstance(message, AIMessage)
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content=message.content,
                    tool_call_chunks=[
                        {
                            "name": c["name"],
                            "args": json.dumps(c["args"]),
                            "id": c["id"],
                            "index": i,
                        }
                        for i, c in enumerate(message.tool_calls)
                    ],
                    additional_kwargs=message.additional_kwargs,
                    response_metadata=message.response_metadata,
                )
            )
            return
        for piece in self._stream_text(self._chat(messages), stop=stop):
            if run_manager:
                run_manager.on_llm_new_token(piece)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    # -- shared logic ------------------------------------------------------------------------
    def _chat(self, messages: list[BaseMessage], *extra: str) -> list[ChatTurn]:
        """Chat turns with the thinking instruction first (as MedGemma expects) and ``extra`` last."""
        prefix = [load_prompt("thinking")] if self.thinking else []
        return to_chat(messages, extra, prefix)

    def _text_message(self, completion: Completion) -> AIMessage:
        answer, thoughts = split_thinking(completion.text)
        extra = {"reasoning_content": thoughts} if thoughts else {}
        return AIMessage(
            content=answer,
            additional_kwargs=extra,
            response_metadata=self._metadata(completion),
            usage_metadata=self._usage(completion),
        )

    @staticmethod
    def _usage(completion: Completion) -> UsageMetadata:
        usage = UsageMetadata(
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            total_tokens=completion.input_tokens + completion.output_tokens,
        )
        if completion.cached_input_tokens is not None:
            usage["input_token_details"] = {"cache_read": completion.cached_input_tokens}
        return usage

    def _metadata(self, completion: Completion) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "finish_reason": completion.finish_reason,
            "raw_output": completion.text,
            **completion.metadata,
        }

    def _tool_turn(
        self,
        messages: list[BaseMessage],
        specs: list[ToolSpec],
        tool_choice: str | dict[str, Any] | bool | None,
        stop: list[str] | None,
    ) -> AIMessage:
        specs, must_call = _apply_tool_choice(specs, tool_choice)
        rule = load_prompt("tool_answer_forbidden" if must_call else "tool_answer_allowed")
        tools_json = "\n".join(json.dumps(s.prompt_json(), ensure_ascii=False) for s in specs)
        tool_prompt = load_prompt("tool_calling").format(tools=tools_json, answer_rule=rule)
        chat = self._chat(messages, tool_prompt)
        use_schema = self.constrained and self.supports_constrained_decoding and not self.thinking
        schema = output_schema(specs, allow_answer=not must_call) if use_schema else None

        completion = self._complete(chat, schema=schema, stop=stop)
        result = self._parse(completion.text, specs, must_call)
        repairs = 0
        if not result.ok:
            repairs = 1
            first_error = result.error
            or_answer = "" if must_call else ", or an answer"
            repair = load_prompt("tool_repair").format(error=first_error, or_answer=or_answer)
            retry_chat = [
                *chat,
                {"role": "assistant", "content": completion.text},
                {"role": "user", "content": repair},
            ]
            completion = self._complete(retry_chat, schema=schema, stop=stop)
            result = self._parse(completion.text, specs, must_call)
            log.info("tool-call repair after: %s -> %s", first_error, result.error or "ok")

        message = self._text_message(completion)
        message.response_metadata["tool_call_repairs"] = repairs
        if result.error is not None:
            message.content = ""
            message.invalid_tool_calls = [
                {
                    "type": "invalid_tool_call",
                    "name": None,
                    "args": completion.text,
                    "id": None,
                    "error": result.error,
                }
            ]
            message.response_metadata["tool_call_error"] = result.error
        elif result.calls:
            message.content = ""
            message.tool_calls = [
                {"type": "tool_call", "name": c.name, "args": c.args, "id": c.id} for c in result.calls
            ]
        else:
            message.content = result.answer or ""
        return message

    @staticmethod
    def _parse(text: str, specs: list[ToolSpec], must_call: bool) -> ParseResult:
        answer_text, _ = split_thinking(text)
        result = parse_output(answer_text, specs)
        if result.ok and must_call and not result.calls:
            return ParseResult(error="a tool call was required but the reply was an answer")
        return result


def _apply_tool_choice(
    specs: list[ToolSpec], tool_choice: str | dict[str, Any] | bool | None
) -> tuple[list[ToolSpec], bool]:
    """``None``/"auto" → may answer; "any"/"required"/True → must call; a name → must call that one."""
    if tool_choice in (None, "auto", "none", False):
        return specs, False
    if tool_choice in ("any", "required", True):
        return specs, True
    name = tool_choice.get("function", {}).get("name") if isinstance(tool_choice, dict) else tool_choice
    chosen = [s for s in specs if s.name == name]
    if not chosen:
        raise ValueError(f"tool_choice names unknown tool {name!r}")
    return chosen, True
