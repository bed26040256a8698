"""The GGUF's own chat template, rendered once per request into the exact tokens llama.cpp evaluates.

The same formatter serves as the model's chat handler and as the prompt cache's view of the prompt, so
the tokens the cache matches are the tokens the request evaluates.
"""

from __future__ import annotations

from typing import Any

from medcite.agent.models.messages import ChatTurn


class GgufChatTemplate:
    """The ``tokenizer.chat_template`` of a loaded GGUF (or a Jinja template given in its place), rendered
    as llama-cpp-python renders it."""

    def __init__(self, llama: Any, template: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = llama._model
        eos_id, bos_id = model.token_eos(), model.token_bos()
        self._llama = llama
        self.formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id],
        )
        self.handler = self.formatter.to_chat_handler()

    @classmethod
    def of(cls, llama: Any, template: str | None = None) -> GgufChatTemplate | None:
        """``template``, else the GGUF's own; None when the GGUF has none (llama-cpp-python then falls back
        to a generic format, and prompts are not reused)."""
        template = template or llama.metadata.get("tokenizer.chat_template")
        return cls(llama, template) if template else None

    def tokens(self, chat: list[ChatTurn]) -> list[int]:
        """The prompt tokens of ``chat`` (what the chat handler evaluates for the same turns)."""
        rendered = self.formatter(messages=chat)  # type: ignore[arg-type]
        return list(
            self._llama.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)
        )
