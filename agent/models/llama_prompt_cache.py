"""Prompt reuse for llama.cpp: a new prompt starts from the longest matching prefix already evaluated, in
the live context or in a saved state of an earlier prompt (e.g. the system prompt and tool list that
every tool-choice request shares), so only the rest is evaluated.

Reuse never changes outputs. llama.cpp evaluates a prompt in micro-batches of ``n_ubatch`` tokens and a
token's numbers depend slightly on the batch it was computed in (a one-token replay differs from the same
token inside a batch). So only whole micro-batches of an earlier prompt are reused, and always short of
the new prompt's last micro-batch: the rest is then evaluated in exactly the batches a fresh context would
use, and at temperature 0 the reply is the same token for token (tests check this on the real model).

Saved states hold only the KV cache of sequence 0 (``llama_state_seq_*``), not the logits that
``Llama.save_state`` copies (n_batch × vocabulary floats per state), within a byte budget, least recently
used first out.
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SEQ = 0  # llama-cpp-python's high-level API uses one sequence


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def reusable_prefix(shared: int, prompt_len: int, ubatch: int) -> int:
    """Tokens of a prompt that may come from an earlier evaluation: ``shared`` tokens match, cut down to whole
    micro-batches and kept short of the prompt's last one, so that the evaluated rest lands in the same
    micro-batches as in a fresh context."""
    if prompt_len < 1 or ubatch < 1:
        return 0
    return (min(shared, prompt_len - 1) // ubatch) * ubatch


@dataclass(frozen=True)
class SavedPrefix:
    """The KV cache of sequence 0 holding exactly ``tokens`` (whole micro-batches of an evaluated prompt)."""

    tokens: tuple[int, ...]
    data: Any  # ctypes uint8 array from llama_state_seq_get_data

    @property
    def nbytes(self) -> int:
        return int(ctypes.sizeof(self.data))


class PromptCache:
    """Reuse of evaluated prompt prefixes for one ``llama_cpp.Llama`` (call under the model's lock).

    ``prepare`` before a request puts the longest reusable prefix into the live context; ``commit`` after a
    completed request records what the live context holds and saves it when ``capacity_bytes`` allows.
    With ``capacity_bytes=0`` only the live context is reused.
    """

    def __init__(self, capacity_bytes: int, ubatch: int) -> None:
        self.capacity_bytes = max(0, capacity_bytes)
        self.ubatch = ubatch
        self._saved: OrderedDict[tuple[int, ...], SavedPrefix] = OrderedDict()
        self._live: tuple[int, ...] = ()  # prompt prefix the live KV cache holds (whole micro-batches)

    @property
    def saved(self) -> list[SavedPrefix]:
        return list(self._saved.values())

    @property
    def saved_bytes(self) -> int:
        return sum(s.nbytes for s in self._saved.values())

    def prepare(self, llama: Any, prompt: Sequence[int]) -> int:
        """Make the live context hold the longest reusable prefix of ``prompt``; return its length in tokens."""
        reuse = reusable_prefix(common_prefix(self._live, prompt), len(prompt), self.ubatch)
        source: SavedPrefix | None = None
        for saved in self._saved.values():
            n = reusable_prefix(common_prefix(saved.tokens, prompt), len(prompt), self.ubatch)
            if n > reuse:
                reuse, source = n, saved
        if source is not None and not self._restore(llama, source):
            reuse = 0
        if reuse and not _truncate(llama, reuse):
            reuse = 0
        if not reuse:
            llama.reset()
        self._live = ()  # unknown until the request completes (commit)
        return reuse

    def commit(self, llama: Any, prompt: Sequence[int]) -> None:
        """After a completed request for ``prompt``: keep its whole micro-batches live and save them."""
        keep = len(prompt) // self.ubatch * self.ubatch
        evaluated = [int(t) for t in llama.input_ids[: min(len(prompt), llama.n_tokens)]]
        if keep == 0 or evaluated[:keep] != list(prompt[:keep]):
            if keep:
                log.warning("prompt cache: the evaluated tokens differ from the rendered prompt; nothing kept")
            return
        if not _truncate(llama, keep):
            return
        self._live = tuple(prompt[:keep])
        if self.capacity_bytes:
            self._save(llama, self._live)

    def clear(self) -> None:
        self._saved.clear()
        self._live = ()

    # -- saved states ---------------------------------------------------------------------------------
    def _save(self, llama: Any, tokens: tuple[int, ...]) -> None:
        covering = next((k for k in self._saved if k[: len(tokens)] == tokens), None)
        if covering is not None:  # an earlier state already holds this prefix
            self._saved.move_to_end(covering)
            return
        size = int(_lib().llama_state_seq_get_size(llama.ctx, SEQ))
        if size > self.capacity_bytes:
            return
        data = (ctypes.c_uint8 * size)()
        written = int(_lib().llama_state_seq_get_data(llama.ctx, data, size, SEQ))
        if written <= 0:
            return
        for key in [k for k in self._saved if tokens[: len(k)] == k]:  # prefixes of this one: redundant now
            del self._saved[key]
        self._saved[tokens] = SavedPrefix(tokens, data)
        while self.saved_bytes > self.capacity_bytes:
            self._saved.popitem(last=False)

    def _restore(self, llama: Any, saved: SavedPrefix) -> bool:
        lib = _lib()
        lib.llama_memory_clear(lib.llama_get_memory(llama.ctx), True)
        llama.reset()
        if int(lib.llama_state_seq_set_data(llama.ctx, saved.data, saved.nbytes, SEQ)) == 0:
            log.warning("prompt cache: restoring a saved state failed; evaluating the whole prompt")
            lib.llama_memory_clear(lib.llama_get_memory(llama.ctx), True)
            self._saved.pop(saved.tokens, None)
            return False
        n = len(saved.tokens)
        llama.input_ids[:n] = saved.tokens
        llama.n_tokens = n
        self._saved.move_to_end(saved.tokens)
        return True


def _truncate(llama: Any, keep: int) -> bool:
    """Drop sequence 0 from position ``keep`` on (False where the memory cannot drop a part, e.g. recurrent)."""
    lib = _lib()
    if not lib.llama_memory_seq_rm(lib.llama_get_memory(llama.ctx), SEQ, keep, -1):
        return False
    llama.n_tokens = min(llama.n_tokens, keep)
    return True


def _lib() -> Any:
    import llama_cpp

    return llama_cpp
