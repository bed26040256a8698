"""Model spec strings: ``backend:target`` picks the backend and the model.

- ``llamacpp:smollm2`` (embedded default), ``llamacpp:/path/medgemma-27b-text-it-Q4_K_M.gguf``
- ``transformers:google/medgemma-27b-text-it``, ``transformers:/local/dir``, ``transformers:gemma3-270m``
- ``openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it`` (vLLM, Ollama, llama.cpp server)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

from medcite.core.errors import ConfigError

Backend = Literal["llamacpp", "transformers", "openai"]
BACKENDS: tuple[Backend, ...] = ("llamacpp", "transformers", "openai")
_EXAMPLES = (
    "llamacpp:smollm2, llamacpp:/path/to/medgemma-27b-text-it-Q4_K_M.gguf, "
    "transformers:google/medgemma-27b-text-it, openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it"
)


@dataclass(frozen=True)
class ModelSpec:
    backend: Backend
    target: str  # GGUF path or alias, HF repo id or dir, or server base URL
    served_model: str | None = None  # model name sent to an OpenAI-compatible server

    def __str__(self) -> str:
        return f"{self.backend}:{self.target}" + (f"#{self.served_model}" if self.served_model else "")


def parse_model_spec(spec: str) -> ModelSpec:
    backend, sep, target = spec.strip().partition(":")
    if not sep or not target or backend not in BACKENDS:
        raise ConfigError(
            f"Unknown model spec {spec!r}. Use BACKEND:TARGET with BACKEND one of "
            f"{', '.join(BACKENDS)}, for example: {_EXAMPLES}. Set it with --model or MEDCITE_MODEL."
        )
    if backend == "openai":
        url, _, served = target.partition("#")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"Model spec {spec!r}: {url!r} is not an http(s) server URL. Example: "
                "openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it"
            )
        return ModelSpec("openai", url.rstrip("/"), served or None)
    return ModelSpec(backend, target)
