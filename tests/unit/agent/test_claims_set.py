"""The labelled claims set (tests/data/claims/claims.jsonl) is complete and well formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from medcite.core.citation_keys import citation_keys
from tests.conftest import PROJECT_ROOT

CLAIMS = PROJECT_ROOT / "tests" / "data" / "claims" / "claims.jsonl"
CORRECT = {"exact", "rounded", "unit_variant", "month_date", "abbreviation", "paraphrase", "drug_class", "multi_key",
           "negative_statement", "abstention", "derived_value"}
INCORRECT = {"wrong_value", "wrong_date", "unknown_key", "wrong_line", "older_as_latest", "wrong_trend",
             "unsupported_judgement", "absent_entity", "fabricated_answer", "wrong_status"}
FIELDS = {"id", "bundle", "mode", "sentence", "label", "class", "split", "why"}


def _claims() -> list[dict[str, str]]:
    return [json.loads(line) for line in CLAIMS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_row_is_well_formed() -> None:
    rows = _claims()
    assert len(rows) >= 210
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert FIELDS <= set(r) <= FIELDS | {"question"}, r["id"]
        assert r["mode"] in ("summary", "ask") and (r["mode"] == "ask") == bool(r.get("question")), r["id"]
        assert r["split"] in ("dev", "test"), r["id"]
        assert r["class"] in (CORRECT if r["label"] == "correct" else INCORRECT), r["id"]
        assert r["why"].strip(), r["id"]


def test_every_class_has_ten_sentences_split_in_halves() -> None:
    rows = _claims()
    per_class = Counter(r["class"] for r in rows)
    assert set(per_class) == CORRECT | INCORRECT
    assert min(per_class.values()) >= 10
    for cls in per_class:
        splits = Counter(r["split"] for r in rows if r["class"] == cls)
        assert abs(splits["dev"] - splits["test"]) <= 1, cls


def test_the_set_spans_the_shared_bundles(synthea_bundles: list[Path]) -> None:
    bundles = {r["bundle"] for r in _claims()}
    assert bundles <= {p.name for p in synthea_bundles}
    assert len(bundles) >= 20


def test_cited_sentences_use_the_key_grammar() -> None:
    """Every bracket holds record keys, or absence keys (``none:...``) for negative statements."""
    for r in _claims():
        if "[" not in r["sentence"]:
            continue
        absence = "[none:" in r["sentence"]
        assert citation_keys(r["sentence"]) or absence, r["id"]
