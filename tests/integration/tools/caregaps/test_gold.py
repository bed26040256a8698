"""The care-gap engine against gold computed from the raw bundle JSON by separate code (``gold.py``), on
every shared Synthea bundle, at the record's last activity and three years before it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.tools.caregaps import care_gaps
from medcite.tools.fhir import LocalSource
from tests.conftest import SHARED_DATA
from tests.integration.tools.caregaps.gold import RULES, gold, last_activity, plus_years

BUNDLES = sorted((SHARED_DATA / "fhir_synthea_r4" / "bundles").glob("*.json")) + sorted(
    (SHARED_DATA / "fhir_synthea_qicore_notes" / "bundles").glob("*.json")
)
TODAY = date(2026, 11, 30)


def _as_of_dates(bundle: Path) -> list[date]:
    last = last_activity(read_bundle(bundle))
    return [last, plus_years(last, -3)]


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.stem[:24])
def test_status_of_every_covered_recommendation_matches_the_gold(bundle: Path) -> None:
    raw = read_bundle(bundle)
    source = LocalSource.from_paths(bundle)
    for on in _as_of_dates(bundle):
        expected = gold(raw, on)
        report = care_gaps(source, raw.patient_id, as_of=on)
        got = {g.recommendation_id: g for g in report.gaps}
        for rid, want in expected.items():
            gap = got[rid]
            assert gap.status == want.status, (on, rid, gap.title, gap.reason, want)
            if want.last is not None:
                assert gap.last is not None and gap.last.key == want.last, (on, rid, gap.last, want)


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.stem[:24])
def test_default_as_of_is_the_last_activity_of_an_old_record(bundle: Path) -> None:
    raw = read_bundle(bundle)
    report = care_gaps(LocalSource.from_paths(bundle), raw.patient_id, today=TODAY)
    assert report.as_of.basis == "last_activity"
    assert report.as_of.day == last_activity(raw)
    assert report.as_of.statement().startswith(f"care gaps as of {last_activity(raw).isoformat()}, the record's last")


def test_the_gold_covers_statuses_of_every_kind() -> None:
    seen: set[str] = set()
    for bundle in BUNDLES:
        raw = read_bundle(bundle)
        for on in _as_of_dates(bundle):
            seen |= {g.status for g in gold(raw, on).values()}
    assert seen == {"due", "up_to_date", "not_applicable", "unknown"}
    assert len(RULES) >= 20
