"""OpenAI-compatible HTTP backend: vLLM (multi-GPU, tensor parallel), Ollama, llama.cpp server.

Tool calls are constrained with ``response_format`` where the server supports it: the OpenAI
``json_schema`` form (vLLM, Ollama, recent llama.cpp) or llama.cpp's ``json_object`` + ``schema``;
a server that rejects both (llama.cpp server answers 500 on an unknown format) is used
unconstrained (the parser and repair step still apply).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
from pydantic import PrivateAttr

from medcite.agent.models.base import Completion, PromptedToolChatModel
from medcite.agent.models.deadline import timeout_error
from medcite.agent.models.messages import ChatTurn
from medcite.core.errors import ModelUnavailableError

_FORMATS = ("json_schema", "json_object", "none")


class OpenAICompatChatModel(PromptedToolChatModel):
    """Chat completions over HTTP against ``base_url`` (ending in ``/v1``)."""

    base_url: str
    api_key: str = ""
    seed: int = 0

    _format_index: int = PrivateAttr(default=0)
    _client: httpx.Client | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "medcite-openai-compatible"

    @property
    def supports_constrained_decoding(self) -> bool:
        return _FORMATS[self._format_index] != "none"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout_s)
        return self._client

    def _body(self, chat: list[ChatTurn], stop: list[str] | None, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": chat,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stream": stream,
        }
        if stop:
            body["stop"] = stop
        return body

    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        while True:
            body = self._body(chat, stop, stream=False)
            mode = _FORMATS[self._format_index] if schema is not None else "none"
            if mode == "json_schema":
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "reply", "schema": schema, "strict": True},
                }
            elif mode == "json_object":
                body["response_format"] = {"type": "json_object", "schema": schema}
            response = self._post(body)
            if response.status_code in (400, 422, 500) and mode != "none" and "response_format" in response.text:
                with self._lock:
                    self._format_index = min(self._format_index + 1, len(_FORMATS) - 1)
                continue
            data = self._json(response)
            choice = data["choices"][0]
            usage = data.get("usage") or {}
            return Completion(
                text=choice["message"].get("content") or "",
                input_tokens=int(usage.get("prompt_tokens", 0)),
                output_tokens=int(usage.get("completion_tokens", 0)),
                finish_reason=choice.get("finish_reason"),
                metadata={"constrained": mode != "none", "response_format": mode},
            )

    def _stream_text(self, chat: list[ChatTurn], *, stop: list[str] | None) -> Iterator[str]:
        try:
            with self.client.stream("POST", "/chat/completions", json=self._body(chat, stop, stream=True)) as r:
                if r.status_code >= 400:
                    r.read()
                    self._json(r)
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        break
                    delta = json.loads(payload)["choices"][0].get("delta", {})
                    if delta.get("content"):
                        yield delta["content"]
        except httpx.ReadTimeout as exc:
            raise timeout_error(self.model_name, self.timeout_s) from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        try:
            return self.client.post("/chat/completions", json=body)
        except httpx.ReadTimeout as exc:
            raise timeout_error(self.model_name, self.timeout_s) from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise ModelUnavailableError(
                f"The model server at {self.base_url} answered HTTP {response.status_code} for model "
                f"{self.model_name!r}: {response.text[:500]}. Check the served model name after '#' in the spec "
                "(e.g. openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it)."
            )
        try:
            data: dict[str, Any] = response.json()
            data["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelUnavailableError(
                f"The model server at {self.base_url} returned a reply that is not an OpenAI chat completion: "
                f"{response.text[:300]!r}"
            ) from exc
        return data

    def _unreachable(self, exc: Exception) -> ModelUnavailableError:
        return ModelUnavailableError(
            f"Cannot reach the model server at {self.base_url} ({type(exc).__name__}: {exc}). Start an "
            "OpenAI-compatible server there (e.g. `vllm serve google/medgemma-27b-text-it "
            "--tensor-parallel-size 2`, `ollama serve`, or `python -m llama_cpp.server --model FILE.gguf`) "
            "or use the embedded default model `llamacpp:smollm2`."
        )
