"""Care gaps as citable text lines, rendered from the typed results (never written by a model)."""

from __future__ import annotations

from datetime import date

from medcite.tools.caregaps.models import CareGap, CareGapReport, Status

STATUS_WORDS: dict[Status, str] = {
    "due": "due",
    "up_to_date": "up to date",
    "unknown": "unknown",
    "not_applicable": "not applicable",
}
SECTION_TITLE = "Preventive care (USPSTF A/B)"


def _cite(keys: list[str]) -> str:
    return " ".join(f"[{k}]" for k in keys)


def gap_detail(gap: CareGap) -> str:
    """What the status rests on: the last qualifying entry and interval, or the missing datum."""
    if gap.status == "up_to_date" and gap.last is not None:
        when = f"next due {gap.due_date.isoformat()}" if gap.due_date else "once is enough"
        return f"{gap.last.label} on {_day(gap.last.day)}; {when} ({gap.interval})"
    if gap.status == "due":
        if gap.last is not None:
            since = f", due since {gap.due_date.isoformat()}" if gap.due_date else ""
            return f"last {gap.last.label} on {_day(gap.last.day)}{since} ({gap.interval})"
        return f"{gap.reason} ({gap.interval})" if gap.interval else gap.reason
    return gap.reason


def _day(value: date | None) -> str:
    return value.isoformat() if value else "an unknown date"


def gap_line(gap: CareGap) -> str:
    """'[guideline:uspstf-rec-1928] Colorectal cancer screening (ages 50 to 75), grade A: due — last
    Colonoscopy on 2008-05-02, due since 2018-05-02 (every 10 years) [Procedure/1]'."""
    record = _cite(gap.record_keys)
    line = f"[{gap.guideline_key}] {gap.title}, grade {gap.grade}: {STATUS_WORDS[gap.status]} — {gap_detail(gap)}"
    return f"{line} {record}" if record else line


def heading(report: CareGapReport) -> str:
    """'care gaps as of 2019-06-25, the record's last encounter; USPSTF recommendations as of 2024-05-02'."""
    return f"{report.as_of.statement()}; {report.snapshot_line()}"


def report_lines(report: CareGapReport, with_not_applicable: bool = False) -> list[str]:
    """One line per applicable recommendation (due, unknown, up to date), optionally the rest after them."""
    gaps = report.applicable()
    if with_not_applicable:
        gaps += [g for g in report.gaps if not g.applicable]
    return [gap_line(g) for g in gaps]
