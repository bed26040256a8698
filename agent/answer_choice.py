"""Which answer a question gets, in this order:

1. the model's verified sentences, when they cite what the record answers rest on; the record answers back
   them (``model``);
2. the answers rendered from the record, for the question kinds the planner recognises (``record``);
3. the model's abstention, which the verifier kept because what it names was searched in vain: the empty
   searches matched to the question are cited with it (``abstention``);
4. otherwise no answer: one sentence saying why, and only the record entries matched to the question
   (``fallback``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from medcite.agent.answer import AnswerBasis, AnswerSentence, Flag, SentenceCheck
from medcite.agent.answer_templates import record_wording
from medcite.agent.asked import Asked
from medcite.agent.record_answer import RecordAnswer, agrees, cite, compose_all
from medcite.core.evidence import AbsenceFact, Evidence

FALLBACK_LINES = 12
MAX_QUOTE = 160


@dataclass
class Chosen:
    basis: AnswerBasis
    text: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def _blocks(*blocks: tuple[str, list[AnswerSentence]]) -> str:
    """Labelled blocks of sentences, so every output shows who wrote what."""
    return "\n\n".join(f"{label}\n{' '.join(s.text for s in sentences)}" for label, sentences in blocks if sentences)


def _record_sentences(records: list[RecordAnswer]) -> list[AnswerSentence]:
    return [AnswerSentence(text=s.text, keys=s.keys, origin="record") for r in records for s in r.sentences]


def choose_answer(
    checks: Sequence[SentenceCheck],
    asked: Sequence[Asked],
    evidence: Mapping[str, Evidence],
    matched_keys: Sequence[str],
) -> Chosen:
    """The answer to show, from the verified draft, the record answers and the matched evidence."""
    labels = record_wording().labels
    records = compose_all(asked, evidence)
    kept = [c for c in checks if c.kept]
    verified = [c for c in kept if c.status == "verified"]
    model = [
        AnswerSentence(text=c.sentence, keys=c.keys, origin="model", abstention=c.status == "abstention") for c in kept
    ]
    backing = _record_sentences(records)
    if verified and all(agrees(r, verified) for r in records):
        return Chosen("model", _blocks((labels.model, model), (labels.record, backing)), model + backing)
    flags = _replaced(verified, records) if verified else []
    if kept and not verified and any(not _is_absence(r) for r in records):
        flags = _replaced(kept, records)
    if records:
        return Chosen("record", _blocks((labels.record, backing)), backing, flags)
    if kept and not verified:  # the verifier keeps an abstention only when what it names was searched in vain
        empty = [evidence[k] for k in matched_keys if k in evidence and isinstance(evidence[k].fact, AbsenceFact)]
        searched = [_absent_sentence(e) for e in empty]
        return Chosen("abstention", _blocks((labels.abstention, model), (labels.record, searched)), model + searched)
    return _fallback(evidence, matched_keys)


def _is_absence(record: RecordAnswer) -> bool:
    return all(k.startswith("none:") for k in record.answer_keys)


def _replaced(model: list[SentenceCheck], records: list[RecordAnswer]) -> list[Flag]:
    """Why the model's kept sentences are not shown: they do not rest on what the record answer rests on."""
    keys = [k for r in records if not agrees(r, model) for k in r.answer_keys]
    said = " ".join(c.sentence for c in model)
    reason = (
        "replaced by the answer rendered from the record: the model's answer does not cite the record entries "
        f"that answer the question: “{_quote(said)}”"
    )
    return [Flag(kind="removed_claim", reason=reason, keys=keys)]


def _absent_sentence(empty: Evidence) -> AnswerSentence:
    assert isinstance(empty.fact, AbsenceFact)
    text = record_wording().absent.format(what=empty.fact.what, cite=cite([empty.key]))
    return AnswerSentence(text=text, keys=[empty.key], origin="record")


def _fallback(evidence: Mapping[str, Evidence], matched_keys: Sequence[str]) -> Chosen:
    wording = record_wording().fallback
    lines = [evidence[k] for k in matched_keys if k in evidence and not k.startswith("Patient/")][:FALLBACK_LINES]
    text = "\n".join([wording.with_entries, *(f"- {e.text}" for e in lines)]) if lines else wording.without_entries
    note = "no sentence of the model's draft could be verified against the evidence"
    return Chosen("fallback", text, flags=[Flag(kind="incomplete", reason=note)])
