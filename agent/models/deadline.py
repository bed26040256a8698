"""The time limit of one model call (``MEDCITE_REQUEST_TIMEOUT_S``), checked as each token is generated."""

from __future__ import annotations

import time

from medcite.core.errors import ModelTimeoutError


def timeout_error(model_name: str, timeout_s: float) -> ModelTimeoutError:
    return ModelTimeoutError(
        f"The model {model_name} did not finish one call within {timeout_s:g} s (MEDCITE_REQUEST_TIMEOUT_S). "
        "Raise the limit for a slow machine, or lower MEDCITE_MAX_NEW_TOKENS or MEDCITE_EVIDENCE_CHARS."
    )


class Deadline:
    """Raises :class:`ModelTimeoutError` from inside generation once ``timeout_s`` has passed.

    Checked per generated token (between streamed llama.cpp tokens, or from a transformers stopping
    criterion); reading the prompt before the first token is not interrupted."""

    def __init__(self, model_name: str, timeout_s: float) -> None:
        self.model_name, self.timeout_s = model_name, timeout_s
        self.end = time.monotonic() + timeout_s

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise timeout_error(self.model_name, self.timeout_s)
