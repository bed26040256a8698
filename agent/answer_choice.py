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
from medcite.core.evidence import AbsenceFact, CareGapFact, Evidence
from medcite.core.safe_text import markdown_cited, markdown_text

FALLBACK_LINES = 12


@dataclass
class Chosen:
    basis: AnswerBasis
    text: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    markdown: str = ""  # ``text`` as Markdown: record and model text escaped, never active markup


def _chosen(
    basis: AnswerBasis, *blocks: tuple[str, list[AnswerSentence]], flags: list[Flag] | None = None
) -> Chosen:
    """Labelled blocks of sentences, so every output shows who wrote what; as text and as escaped Markdown."""
    shown = [(label, sentences) for label, sentences in blocks if sentences]
    text = "\n\n".join(f"{label}\n{' '.join(s.text for s in sentences)}" for label, sentences in shown)
    markdown = "\n\n".join(
        f"{label}\n{' '.join(markdown_cited(s.text) for s in sentences)}" for label, sentences in shown
    )
    return Chosen(basis, text, [s for _, sentences in shown for s in sentences], flags or [], markdown)


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
        return _chosen("model", (labels.model, model), (labels.record, backing))
    flags = _replaced(verified, records) if verified else []
    if kept and not verified and any(not _is_absence(r) for r in records):
        flags = _replaced(kept, records)
    if records:
        return _chosen("record", (labels.record, backing), flags=flags)
    if kept and not verified:  # the verifier keeps an abstention only when what it names was searched in vain
        empty = [evidence[k] for k in matched_keys if k in evidence and isinstance(evidence[k].fact, AbsenceFact)]
        searched = [_absent_sentence(e) for e in empty]
        return _chosen("abstention", (labels.abstention, model), (labels.record, searched))
    return _fallback(evidence, matched_keys)


def _is_absence(record: RecordAnswer) -> bool:
    return all(k.startswith("none:") for k in record.answer_keys)


def _replaced(model: list[SentenceCheck], records: list[RecordAnswer]) -> list[Flag]:
    """Why the model's kept sentences are not shown: they do not rest on what the record answer rests on."""
    keys = [k for r in records if not agrees(r, model) for k in r.answer_keys]
    chars = sum(len(c.sentence) for c in model)
    reason = (
        "replaced by the answer rendered from the record: the model's answer "
        f"({len(model)} sentence{'s' if len(model) > 1 else ''}, {chars} characters) does not cite the record "
        "entries that answer the question"
    )
    return [Flag(kind="removed_claim", reason=reason, keys=keys)]


def _absent_sentence(empty: Evidence) -> AnswerSentence:
    assert isinstance(empty.fact, AbsenceFact)
    text = record_wording().absent.format(what=empty.fact.what, cite=cite([empty.key]))
    return AnswerSentence(text=text, keys=[empty.key], origin="record")


def _fallback(evidence: Mapping[str, Evidence], matched_keys: Sequence[str]) -> Chosen:
    """No answer: the record entries matched to the question, care-gap statuses first (they answer the
    question that asked for them)."""
    wording = record_wording().fallback
    matched = [evidence[k] for k in matched_keys if k in evidence and not k.startswith("Patient/")]
    lines = sorted(matched, key=lambda e: not isinstance(e.fact, CareGapFact))[:FALLBACK_LINES]
    note = "no sentence of the model's draft could be verified against the evidence"
    flags = [Flag(kind="incomplete", reason=note)]
    if not lines:
        return Chosen("fallback", wording.without_entries, flags=flags, markdown=markdown_text(wording.without_entries))
    text = "\n".join([wording.with_entries, *(f"- {e.text}" for e in lines)])
    markdown = "\n".join([markdown_text(wording.with_entries), *(f"- {markdown_cited(e.text)}" for e in lines)])
    return Chosen("fallback", text, flags=flags, markdown=markdown)
