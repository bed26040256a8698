"""What an evaluated system returns: text with inline ``[Type/id]`` citations, citation keys and flags.

Any object with a ``text`` attribute plugs in (the agent's ``Answer`` does): citation keys are read
from ``citation_keys``, ``cited_keys()`` or ``citations[*].key`` and from the text's inline
``[key]`` markers; flags from ``flags`` (strings, or objects rendered with ``str``); ``fallback`` (a bool:
the text lists record entries instead of an answer) from ``fallback`` and ``basis`` (how the answer was made,
e.g. ``model`` or ``record``: recorded with the result, never scored) from ``basis`` where the object has them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from medcite.core.citation_keys import citation_keys


@runtime_checkable
class AnswerLike(Protocol):
    """The least an answer or summary must offer: its text (citations and flags are read when present)."""

    @property
    def text(self) -> str: ...


class EvalAnswer(BaseModel):
    """The normalised form every scorer works on."""

    text: str
    citation_keys: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    fallback: bool = Field(default=False, description="the system marked the text as a list of record entries")
    basis: str | None = Field(
        default=None, description="how the system made the answer (the agent: model, record, abstention, fallback)"
    )


def inline_keys(text: str) -> list[str]:
    """Citation keys written inline as ``[Observation/123]``, ``[A/1, B/2]`` or ``[guideline:uspstf-1]``,
    first seen first."""
    return citation_keys(text)


def _explicit_keys(obj: object) -> list[str]:
    keys = getattr(obj, "citation_keys", None)
    if keys is None:
        method = getattr(obj, "cited_keys", None)
        if callable(method):
            keys = method()
    if keys is None:
        keys = [getattr(c, "key", c) for c in getattr(obj, "citations", None) or []]
    return [str(k) for k in keys]


def to_eval_answer(obj: object) -> EvalAnswer:
    """Normalise any ``AnswerLike`` (or a plain string) to an ``EvalAnswer``."""
    if isinstance(obj, EvalAnswer):
        return obj.model_copy(
            update={"citation_keys": list(dict.fromkeys([*obj.citation_keys, *inline_keys(obj.text)]))}
        )
    if isinstance(obj, str):
        return EvalAnswer(text=obj, citation_keys=inline_keys(obj))
    if not isinstance(obj, AnswerLike):
        raise TypeError(f"an answer needs a 'text' attribute, got {type(obj).__name__}")
    text = str(obj.text)
    keys = list(dict.fromkeys([*_explicit_keys(obj), *inline_keys(text)]))
    flags = [str(f) for f in getattr(obj, "flags", None) or []]
    return EvalAnswer(text=text, citation_keys=keys, flags=flags, fallback=_fallback(obj), basis=_basis(obj))


def _fallback(obj: object) -> bool:
    value = getattr(obj, "fallback", False)
    if not isinstance(value, bool):
        raise TypeError(f"an answer's 'fallback' must be a bool, got {type(value).__name__}")
    return value


def _basis(obj: object) -> str | None:
    value = getattr(obj, "basis", None)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"an answer's 'basis' must be a string, got {type(value).__name__}")
    return value
