"""Uncited sentences: an abstention ('No HbA1c is recorded') is kept only when it agrees with what was
searched; anything else without a citation is removed."""

from __future__ import annotations

from dataclasses import dataclass

from medcite.agent.verification.binding import Finding, absence_target
from medcite.agent.verification.claims import Claim, is_abstention
from medcite.agent.verification.fact_views import EvidenceIndex, FactView
from medcite.agent.verification.vocabulary import OBS

KIND_SCOPE = {"allergen": "allergies", "drug": "medications", "drug_class": "medications", "condition": "conditions",
              "procedure": "procedures", "vaccine": "immunizations", "encounter": "encounters"}  # fmt: skip
FACT_KINDS = {"allergies": "allergy", "medications": "medication", "conditions": "condition",
              "procedures": "procedure", "immunizations": "immunization", "encounters": "encounter",
              "results": "observation"}  # fmt: skip


@dataclass(frozen=True)
class Target:
    """What an abstention says is missing: a scope ('medications', status 'active') or one concept."""

    label: str
    scope: str
    status: str | None = None
    concepts: frozenset[str] = frozenset()

    def searched(self, absence: FactView) -> bool:
        scope, status, obs = absence_target(absence.key)
        if self.concepts and any(c.startswith(OBS) for c in self.concepts):
            return obs is not None and OBS + obs in self.concepts
        return scope == self.scope and (self.status is None or status in (None, self.status))

    def listed(self, index: EvidenceIndex) -> bool:
        """Whether the gathered evidence lists every entry the statement is about: a drug or problem list
        fetched for this scope (a named result needs its own empty search)."""
        if self.scope == "results" or not self.concepts:
            return False
        return any(v.is_record and v.kind == FACT_KINDS[self.scope] for v in index.views())

    def present(self, view: FactView) -> bool:
        if view.kind != FACT_KINDS[self.scope]:
            return False
        if self.concepts and not view.names(self.concepts):
            return False
        if self.status == "active" and view.active is False:
            return False
        return not (self.status in ("stopped", "resolved") and view.active)


def targets(claim: Claim, index: EvidenceIndex) -> list[Target]:
    """What the sentence says is missing: named results or concepts, else the scopes it names."""
    stated = {c.kind for c in claim.scope_status}
    out: list[Target] = []
    scope_spans = [(c.start, c.end) for c in claim.scopes]
    for m in claim.mentions:
        if not m.concepts or any(s <= m.start and m.end <= e for s, e in scope_spans):
            continue
        kinds = {index.lex.kind(c) for c in m.concepts}
        if "observation" in kinds:
            out.append(Target(m.text, "results", None, m.concepts))
        else:
            scope = next((KIND_SCOPE[k] for k in kinds if k in KIND_SCOPE), None)
            if scope is not None:
                out.append(Target(m.text, scope, None, m.concepts))
    if out:
        return out
    for cue in claim.scopes:
        if cue.kind == "results":
            continue
        status = None
        if cue.kind in ("medications", "conditions"):
            status = "stopped" if "stopped" in stated and cue.kind == "medications" else None
            status = status or ("resolved" if "resolved" in stated and cue.kind == "conditions" else "active")
        if not any(t.scope == cue.kind for t in out):
            out.append(Target(cue.phrase, cue.kind, status))
    return out


def check_uncited(claim: Claim, index: EvidenceIndex) -> tuple[str, list[Finding]]:
    """('abstention' | 'uncited' | 'unverifiable' | 'unsupported_content', findings) for a sentence with no key."""
    if not is_abstention(claim.text) or any(not q.word for q in claim.quantities):
        return "uncited", [Finding("anchor", "no citation")]
    wanted = targets(claim, index)
    if not wanted:
        if index.absences:
            return "abstention", []
        return "unverifiable", [
            Finding("absence", "says the record lacks something, but no search came back empty", False)
        ]
    contradicted: list[Finding] = []
    unsearched: list[Finding] = []
    for t in wanted:
        if any(t.searched(a) for a in index.absences):
            continue
        present = [v.key for v in index.views() if v.is_record and t.present(v)]
        if present:
            contradicted.append(Finding("absence", f"says no {t.label} is recorded, but the record has [{present[0]}]"))
        elif not t.listed(index):
            unsearched.append(Finding("absence", f"says no {t.label} is recorded, but that was not searched", False))
    if contradicted:
        return "unsupported_content", contradicted
    if unsearched:
        return "unverifiable", unsearched
    return "abstention", []
