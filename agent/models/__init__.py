"""Model backends behind one LangChain chat-model interface, chosen by a spec string.

>>> model = load_chat_model(Settings.from_env())          # llamacpp:smollm2 by default
>>> model.bind_tools([...]).invoke("...")                  # prompted, schema-validated tool calls
"""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import Any

from medcite.agent.models.base import Completion, PromptedToolChatModel
from medcite.agent.models.llama_runtime import REBUILD_COMMAND
from medcite.agent.models.spec import ModelSpec, parse_model_spec
from medcite.core.errors import ConfigError
from medcite.core.settings import Settings

__all__ = [
    "Completion",
    "ModelSpec",
    "PromptedToolChatModel",
    "load_chat_model",
    "parse_model_spec",
]

_CACHE: dict[tuple[object, ...], PromptedToolChatModel] = {}
_CACHE_LOCK = threading.Lock()


def load_chat_model(settings: Settings | None = None, spec: str | None = None) -> PromptedToolChatModel:
    """Build (or reuse) the chat model for ``spec`` (default: ``settings.model``).

    Raises ``ConfigError``/``ModelUnavailableError`` with a one-paragraph explanation for bad specs,
    missing files and weights that are not available offline.
    """
    settings = settings or Settings.from_env()
    parsed = parse_model_spec(spec or settings.model)
    key = (
        str(parsed),
        settings.temperature,
        settings.max_new_tokens,
        settings.n_ctx,
        settings.n_threads,
        settings.n_threads_batch,
        settings.n_batch,
        settings.n_ubatch,
        settings.flash_attn,
        settings.llama_prompt_cache_mb,
        settings.seed,
        settings.thinking,
        settings.load_in_4bit,
        settings.constrained_tool_calls,
        settings.request_timeout_s,
    )
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(parsed, settings)
        return _CACHE[key]


# The packages each backend needs beyond the base install, and the extra that brings them.
BACKEND_EXTRAS: dict[str, tuple[tuple[str, ...], str]] = {
    "llamacpp": (("llama_cpp",), "llamacpp"),
    "transformers": (("transformers", "accelerate", "torch"), "transformers"),
    "openai": ((), "openai"),
}


def require_backend(backend: str) -> None:
    """Raise a ``ConfigError`` naming the extra to install when a backend's packages are missing."""
    modules, extra = BACKEND_EXTRAS[backend]
    missing = [m for m in modules if _missing(m)]
    if missing:
        hint = f" (portable build: {REBUILD_COMMAND})" if backend == "llamacpp" else ""
        raise ConfigError(
            f"The {backend} model backend needs {', '.join(missing)}, which is not installed: "
            f"pip install 'medcite[{extra}]'{hint}."
        )


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ValueError:  # set to None in sys.modules: treated as absent
        return True


def _build(spec: ModelSpec, settings: Settings) -> PromptedToolChatModel:
    require_backend(spec.backend)
    common: dict[str, Any] = {
        "temperature": settings.temperature,
        "max_tokens": settings.max_new_tokens,
        "constrained": settings.constrained_tool_calls,
        "thinking": settings.thinking,
        "timeout_s": settings.request_timeout_s,
    }
    if spec.backend == "llamacpp":
        from medcite.agent.models.llamacpp import LlamaCppChatModel, resolve_gguf

        path = resolve_gguf(spec.target)
        return LlamaCppChatModel(
            model_name=spec.target if spec.target == "smollm2" else path.name,
            model_path=str(path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_threads_batch=settings.n_threads_batch,
            n_batch=settings.n_batch,
            n_ubatch=settings.n_ubatch,
            flash_attn=settings.flash_attn,
            prompt_cache_mb=settings.llama_prompt_cache_mb,
            seed=settings.seed,
            preflight=settings.llama_check,
            check_cache_dir=str(settings.cache_dir / "llama-checks"),
            **common,
        )
    if spec.backend == "transformers":
        from medcite.agent.models.hf_transformers import TransformersChatModel, resolve_model_source

        model_dir, gguf_file = resolve_model_source(spec.target)
        return TransformersChatModel(
            model_name=spec.target,
            model_id=model_dir,
            gguf_file=gguf_file,
            load_in_4bit=settings.load_in_4bit,
            seed=settings.seed,
            **common,
        )
    from medcite.agent.models.openai_compat import OpenAICompatChatModel

    return OpenAICompatChatModel(
        model_name=spec.served_model or "default",
        base_url=spec.target,
        api_key=settings.openai_api_key or os.environ.get("OPENAI_API_KEY", ""),
        seed=settings.seed,
        **common,
    )
