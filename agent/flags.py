"""Uncertainty flags, derived in code from the evidence, the plan and the verified draft."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from medcite.agent.answer import Flag, SentenceCheck
from medcite.agent.rules import phrase_list
from medcite.core.evidence import Evidence, GuidelineFact, ObservationFact

MAX_QUOTE = 160


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _problems(check: SentenceCheck, most: int = 4) -> str:
    shown = "; ".join(check.problems[:most])
    return shown + (f"; and {len(check.problems) - most} more" if len(check.problems) > most else "")


def verification_flags(checks: Iterable[SentenceCheck]) -> list[Flag]:
    """One flag per sentence removed by verify: uncited or unverifiable (``unverified_claim``), contradicted,
    unsupported or holding markup (``removed_claim``). By position, length and reason: a removed sentence is
    never quoted, as it may carry text that an instruction planted in a source made the model write (the
    audit log keeps it)."""
    flags: list[Flag] = []
    checks = list(checks)
    for number, c in enumerate(checks, start=1):
        if c.kept:
            continue
        what = f"draft sentence {number} of {len(checks)} ({len(c.sentence)} characters) removed"
        if c.status == "uncited":
            flags.append(Flag(kind="unverified_claim", reason=f"{what}: no citation"))
        elif c.status == "unverifiable":
            reason = f"{what}: cannot be verified ({_problems(c)})"
            flags.append(Flag(kind="unverified_claim", reason=reason, keys=c.keys))
        else:
            flags.append(Flag(kind="removed_claim", reason=f"{what}: {_problems(c)}", keys=c.keys))
    return flags


def language_flags(checks: Iterable[SentenceCheck]) -> list[Flag]:
    """Hedges and stated uncertainty in the sentences that were kept."""
    flags: list[Flag] = []
    for c in checks:
        if not c.kept:
            continue
        low = c.sentence.lower()
        if any(re.search(rf"\b{re.escape(p)}\b", low) for p in phrase_list("uncertainty")):
            flags.append(
                Flag(
                    kind="model_uncertainty",
                    reason=f"the model states uncertainty: “{_quote(c.sentence)}”",
                    keys=c.keys,
                )
            )
        elif any(re.search(rf"\b{re.escape(p)}\b", low) for p in phrase_list("hedges")):
            flags.append(Flag(kind="model_hedge", reason=f"hedged statement: “{_quote(c.sentence)}”", keys=c.keys))
    return flags


def stale_flags(evidence: Iterable[Evidence], keys: Iterable[str] | None = None) -> list[Flag]:
    """Stale guideline passages, one flag per reason: a newer version in the store, a passage past its
    age limit, or a corpus snapshot past its issuers' review cycle (said once for the whole corpus)."""
    wanted = set(keys) if keys is not None else None
    groups: dict[str, list[str]] = {}
    for e in evidence:
        fact = e.fact
        if not isinstance(fact, GuidelineFact) or not fact.stale or (wanted is not None and e.key not in wanted):
            continue
        if fact.superseded_by:
            reason = "a newer version of the guideline is in the store; prefer it"
        elif fact.snapshot:
            reason = f"{fact.snapshot} is past its issuers' review cycle; check the source pages for current advice"
        else:
            reason = f"guideline passage {fact.stale_reason or 'past its age limit'}; check for a newer version"
        groups.setdefault(reason, []).append(e.key)
    return [Flag(kind="stale_guideline", reason=reason, keys=found) for reason, found in groups.items()]


def retrieval_flags(query: str | None, hits: list[Evidence]) -> list[Flag]:
    """No passage, or passages found by only one of the dense and lexical retrievers."""
    if query is None:
        return []
    if not hits:
        return [Flag(kind="weak_retrieval", reason=f"no guideline passage found for “{_quote(query)}”")]
    agreed = [
        h
        for h in hits
        if isinstance(h.fact, GuidelineFact) and h.fact.dense_rank is not None and h.fact.lexical_rank is not None
    ]
    if not agreed:
        return [
            Flag(
                kind="weak_retrieval",
                reason=f"dense and lexical retrieval agree on no passage for “{_quote(query)}”; support is weak",
                keys=[h.key for h in hits],
            )
        ]
    return []


def conflict_flags(evidence: Iterable[Evidence]) -> list[Flag]:
    """Observations of one code on one date with different values."""
    groups: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in evidence:
        fact = e.fact
        if not isinstance(fact, ObservationFact) or not fact.effective or fact.single is None:
            continue
        code = fact.code.code or fact.code.display or ""
        value = fact.single
        if code and value.number is not None:
            groups[(code, fact.effective[:10])][f"{value.number:g} {value.unit or ''}".strip()].append(e.key)
    flags = []
    for (code, day), values in groups.items():
        if len(values) > 1:
            keys = [k for ks in values.values() for k in ks]
            shown = ", ".join(sorted(values))
            flags.append(
                Flag(kind="conflicting_values", reason=f"{code} on {day} has different values: {shown}", keys=keys)
            )
    return flags


def missing_flags(expected: Mapping[str, list[str]]) -> list[Flag]:
    """Data the question needs that the record does not hold (planned calls that returned nothing)."""
    return [
        Flag(kind="missing_data", reason=f"the record has no {what} (searched: {', '.join(calls)})")
        for what, calls in expected.items()
    ]
