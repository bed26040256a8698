"""Evidence rendered for a prompt: one line per item, data tags escaped, within a budget measured by the
caller (the model's own tokens, or characters).

A draft prompt shows short handles (``[E1]``, ``[E2]``) in place of citation keys: a resource key costs
some 37 tokens of a small model's vocabulary, a handle three. ``EvidenceBlock.handles`` maps each back,
and ``medcite.core.citation_keys.expand_handles`` puts the keys into the draft before anything checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from medcite.agent.models.base import CHARS_PER_TOKEN, PromptedToolChatModel
from medcite.core.evidence import Evidence, ImmunizationFact, ObservationFact
from medcite.core.settings import Settings

Measure = Callable[[str], int]
HANDLE_PREFIX = "E"
NO_EVIDENCE = "(no evidence found)"
PROMPT_TOKENS_PER_8K = 1500  # default whole-prompt budget per 8,192 tokens of context window
CHAT_TEMPLATE_TOKENS = 24  # role markers the chat template adds around the messages


def _escape(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")


def cited_keys(ev: Evidence) -> list[str]:
    """The keys a line shows: its own, then the earlier readings or doses it cites."""
    fact = ev.fact
    earlier = fact.earlier if isinstance(fact, ObservationFact | ImmunizationFact) else []
    return [ev.key, *(r.key for r in earlier)]


def _with_handles(ev: Evidence, handle: Callable[[str], str]) -> Evidence:
    fact = ev.fact
    if isinstance(fact, ObservationFact | ImmunizationFact) and fact.earlier:
        fact = fact.model_copy(update={"earlier": [r.model_copy(update={"key": handle(r.key)}) for r in fact.earlier]})
    return Evidence(key=handle(ev.key), fact=fact)


@dataclass
class EvidenceBlock:
    """Lines that fit, in the given order, and what the model may cite from them."""

    lines: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # citation keys shown, each once, in order
    handles: dict[str, str] = field(default_factory=dict)  # "E3" -> key, when lines show handles
    size: int = 0  # measured size of the lines (with their line breaks)
    left_out: list[str] = field(default_factory=list)  # keys of lines that did not fit

    @property
    def text(self) -> str:
        return "\n".join(self.lines) if self.lines else NO_EVIDENCE

    @property
    def citable(self) -> list[str]:
        """What the model may write in brackets: the handles, or the keys."""
        return list(self.handles) if self.handles else list(self.keys)


def fit_evidence(
    items: Iterable[Evidence], budget: int, measure: Measure = len, handles: bool = False
) -> EvidenceBlock:
    """Each item's line, in order, while the lines fit in ``budget`` as ``measure`` counts them; a line whose
    key is already shown (an earlier reading cited on a later reading's line) is not repeated."""
    block = EvidenceBlock()
    shown: dict[str, str] = {}  # key -> what the lines show for it
    for ev in items:
        if ev.key in shown:
            continue
        new = [k for k in dict.fromkeys(cited_keys(ev)) if k not in shown]
        names = shown | {k: f"{HANDLE_PREFIX}{len(shown) + i + 1}" if handles else k for i, k in enumerate(new)}
        line = _escape(_with_handles(ev, names.__getitem__).text if handles else ev.text)
        cost = measure(line) + 1
        if block.size + cost > budget:
            block.left_out.append(ev.key)
            continue
        shown = names
        block.lines.append(line)
        block.keys += new
        block.size += cost
    if handles:
        block.handles = {name: key for key, name in shown.items()}
    return block


def token_counter(model: Any) -> Measure:
    """The model's own token count where it has one, else an estimate from characters."""
    if isinstance(model, PromptedToolChatModel):
        return model.get_num_tokens
    return lambda text: int(len(text) / CHARS_PER_TOKEN) + 1


def prompt_budget_tokens(settings: Settings, model: Any = None, reserve_tokens: int = 64) -> int:
    """Tokens for one whole draft prompt: ``settings.prompt_tokens``, or 1,500 per 8,192 tokens of the
    model's context window when that is 0; never more than the window leaves beside the reply."""
    window = getattr(model, "context_window", None) or settings.n_ctx
    reply = getattr(model, "max_tokens", None) or settings.max_new_tokens
    wanted = settings.prompt_tokens or PROMPT_TOKENS_PER_8K * max(1, window // 8192)
    return max(256, min(wanted, window - reply - reserve_tokens))


def prompt_budget_chars(settings: Settings, model: Any = None, other_chars: int = 0, reserve_tokens: int = 400) -> int:
    """Characters of evidence for one prompt: at most ``evidence_chars``, and what fits in the model's context
    window beside the rest of the prompt (``other_chars``: instructions, tool list) and the reply."""
    window = getattr(model, "context_window", None) or settings.n_ctx
    reply = getattr(model, "max_tokens", None) or settings.max_new_tokens
    free_tokens = window - reply - reserve_tokens - other_chars / CHARS_PER_TOKEN
    return max(500, min(settings.evidence_chars, int(free_tokens * CHARS_PER_TOKEN)))
