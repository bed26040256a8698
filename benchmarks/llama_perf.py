"""llama.cpp's own timing counters of a loaded model, for benchmarks that split prompt evaluation from generation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medcite.agent.models.llamacpp import LlamaCppChatModel


@dataclass(frozen=True)
class LlamaCounters:
    """Seconds and tokens of prompt evaluation and of generation since the last reset."""

    prompt_s: float = 0.0
    prompt_tokens: int = 0
    gen_s: float = 0.0
    gen_tokens: int = 0


def llama_counters(model: Any, reset: bool = False) -> LlamaCounters:
    """The counters of ``model`` (zeros for a model that is not llama.cpp); ``reset`` starts them again."""
    if not isinstance(model, LlamaCppChatModel):
        return LlamaCounters()
    import llama_cpp

    ctx = model.llama._ctx.ctx
    if reset:
        llama_cpp.llama_perf_context_reset(ctx)
        return LlamaCounters()
    data = llama_cpp.llama_perf_context(ctx)
    return LlamaCounters(data.t_p_eval_ms / 1000, int(data.n_p_eval), data.t_eval_ms / 1000, int(data.n_eval))
