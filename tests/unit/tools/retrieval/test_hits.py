import re

from medcite.core.evidence import GuidelineFact
from medcite.tools.retrieval.hits import GuidelineHit, hit_evidence, hit_line
from medcite.tools.retrieval.passage import Passage

LINE = re.compile(
    r"^\[guideline:(?P<id>[A-Za-z0-9._-]+)\] (?P<title>.+?) — (?P<issuer>.+?) "
    r"\((?P<date>\d{4}(-\d{2}){0,2}|undated)(?P<stale>, STALE: [^)]+)?\)"
    r"(?P<rest>.*) · (?P<section>[^:]+: )?(?P<text>.+)$"
)


def _passage(**over: object) -> Passage:
    base: dict[str, object] = {
        "id": "uspstf-00012",
        "text": "The USPSTF recommends [1] screening\nfor colorectal cancer in all adults aged 50 to 75 years.",
        "title": "Colorectal Cancer: Screening",
        "issuer": "USPSTF",
        "section": "Recommendation Statement",
        "date": "2016-06-15",
        "grade": "A",
        "doc_id": "uspstf-topic-1",
        "url": "https://example.org/crc",
    }
    base.update(over)
    return Passage.model_validate(base)


def test_line_is_one_citable_line_with_title_issuer_date_section() -> None:
    line = hit_line(GuidelineHit(_passage(), 0.5))
    m = LINE.match(line)
    assert m, line
    assert m["id"] == "uspstf-00012" and m["date"] == "2016-06-15" and m["stale"] is None
    assert "· grade A" in m["rest"]
    assert "\n" not in line and "[1]" not in line  # brackets in passages cannot pose as citations


def test_superseded_is_visible_on_the_line() -> None:
    hit = GuidelineHit(_passage(), 0.5, stale_reason="superseded by x-2", superseded_by="x-2")
    line = hit_line(hit)
    assert "(2016-06-15, STALE: superseded by x-2)" in line
    assert "newer on this topic: guideline:x-2" in line


def test_a_stale_corpus_snapshot_is_not_repeated_on_every_line() -> None:
    past_cycle = "past the NHLBI (NIH) review cycle of 5 years since 2019"
    snapshot = "NIH and CDC consumer health pages (MedQuAD) as of 2019"
    ev = hit_evidence(GuidelineHit(_passage(issuer="NHLBI (NIH)", date="2019"), 0.5, past_cycle, snapshot))
    assert isinstance(ev.fact, GuidelineFact) and ev.fact.stale and ev.fact.snapshot == snapshot
    assert "STALE" not in ev.text and "(2019)" in ev.text
    own = hit_line(GuidelineHit(_passage(issuer="Example Society", date="2015"), 0.5, "older than 5 years"))
    assert "(2015, STALE: older than 5 years)" in own


def test_long_passages_are_clipped_and_undated_is_said() -> None:
    hit = GuidelineHit(_passage(text="word " * 500, date=None, grade=None), 0.1)
    line = hit_line(hit, passage_chars=100)
    assert "(undated)" in line and line.endswith("…")
    assert len(line) < 250


def test_evidence_carries_key_date_and_meta() -> None:
    ev = hit_evidence(GuidelineHit(_passage(), 0.25, stale_reason="older than 5 years"))
    assert ev.key == "guideline:uspstf-00012" and ev.citation == "[guideline:uspstf-00012]"
    assert ev.source == "guideline" and ev.date == "2016-06-15"
    assert ev.text.startswith("[guideline:uspstf-00012] ")
    fact = ev.fact
    assert isinstance(fact, GuidelineFact)
    assert fact.stale is True and fact.grade == "A" and fact.score == 0.25
    assert fact.title == "Colorectal Cancer: Screening" and fact.url and fact.url.startswith("https://")
