"""One typed settings object; every field falls back to a ``MEDCITE_*`` environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir, user_data_dir

from medcite.core.errors import ConfigError

DEFAULT_MODEL = "llamacpp:smollm2"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Construct with ``Settings.from_env()`` and override with ``replace``."""

    # Model backend: "llamacpp:smollm2", "llamacpp:/path/x.gguf", "transformers:google/medgemma-27b-text-it",
    # "openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it".
    model: str = DEFAULT_MODEL
    temperature: float = 0.0
    max_new_tokens: int = 512
    n_ctx: int = 8192
    # llama.cpp runtime (docs/llama-settings.md has the measurements behind these defaults)
    n_threads: int = 0  # threads generating the reply, one token at a time; 0: half the CPUs (at least 1)
    n_threads_batch: int = 0  # threads evaluating the prompt in batches; 0: all CPUs
    n_batch: int = 512  # prompt tokens per evaluation call
    n_ubatch: int = 256  # prompt tokens per micro-batch (also the step in which prompts are reused)
    flash_attn: bool = False  # CPU build: 8% faster prompt evaluation but twice slower generation at 4k tokens
    llama_prompt_cache_mb: int = 1024  # saved prompt states reused by later requests; 0: none saved
    seed: int = 0
    thinking: bool = False  # MedGemma 27B thinking mode
    load_in_4bit: bool = False  # transformers backend, needs the `gpu` extra
    openai_api_key: str = field(default="", repr=False)
    request_timeout_s: float = 120.0  # longest one model call may take (every backend); then a clear error
    constrained_tool_calls: bool = True
    llama_check: bool = True  # run a GGUF model once in a child process before first use (crash-proof)

    # Storage
    data_dir: Path = Path(user_data_dir("medcite", appauthor=False))
    cache_dir: Path = Path(user_cache_dir("medcite", appauthor=False))  # derived, safe to delete

    # Guideline retrieval
    chroma_url: str | None = None
    embedding_model: str = "all-MiniLM-L6-v2"
    reranker_model: str | None = None
    stale_after_years: float = 5.0

    # FHIR server access
    fhir_url: str | None = None  # a default FHIR server base URL (medcite doctor checks it)
    fhir_token: str = field(default="", repr=False)
    fhir_timeout_s: float = 30.0
    fhir_max_pages: int = 50
    fhir_page_size: int = 100  # _count sent with every search
    fhir_max_retries: int = 3  # retries on 429/5xx/timeouts, with backoff
    fhir_max_file_mb: float = 64.0  # largest local Bundle/NDJSON file read
    fhir_max_resources: int = 100_000  # most entries in one Bundle file (lines in one NDJSON file)
    fhir_max_text_chars: int = 20_000  # longer strings in a resource are cut, with a marker and a load warning
    fhir_max_depth: int = 100  # most levels of nested objects and arrays in one resource (8 to 500)

    # Agent loop
    max_steps: int = 2  # model-requested tool steps after the deterministic gather
    evidence_chars: int = 6000  # most evidence text in the tool-choice prompt (also bounded by n_ctx)
    prompt_tokens: int = 0  # most tokens of a whole draft prompt; 0: 1500 per 8192 tokens of context window
    max_tool_calls: int = 40  # most tool calls in one run (rule-planned and model-requested together)

    # Audit trail: False keeps questions, prompts, model outputs and tool results out of runs/*.jsonl
    audit_content: bool = True

    # Evaluations: the folder with mirage/, pubmedqa/ and fhir_synthea_r4/ (no default: set it or pass files)
    eval_data_dir: Path | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Read every field from ``MEDCITE_<FIELD>`` when set, then apply explicit overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"MEDCITE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def audit_dir(self) -> Path:
        return self.data_dir / "runs"


def _coerce(name: str, type_name: Any, raw: str) -> Any:
    t = str(type_name)
    try:
        if t.startswith("bool"):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if t.startswith("int"):
            return int(raw)
        if t.startswith("float"):
            return float(raw)
        if t.startswith("Path"):
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ConfigError(f"Environment variable MEDCITE_{name.upper()}={raw!r} is not a valid {t}.") from exc
    return raw
