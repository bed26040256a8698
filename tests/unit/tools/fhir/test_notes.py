"""Clinical notes: attachments decoded by type, sections with stable keys, one note kept once, the read_notes tool."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from medcite.core.citation_keys import is_key, resource_part
from medcite.core.evidence import AbsenceFact, NoteFact
from medcite.tools.fhir import LocalSource, facts, make_fhir_tools, patient_sections
from medcite.tools.fhir.attachments import html_text, read_attachment
from medcite.tools.fhir.note_sections import MAX_SECTION_CHARS, slugify, split_sections
from medcite.tools.fhir.notes import patient_notes
from tests.unit.tools.fhir import sample_notes as notes
from tests.unit.tools.fhir import sample_record as sample


@pytest.fixture()
def source(tmp_path: Path) -> LocalSource:
    return LocalSource.from_paths(sample.write(tmp_path / "record.json", notes.bundle_with_notes()))


def _no_binary(binary_id: str) -> None:
    raise AssertionError(f"no Binary should be read, asked for {binary_id}")


def test_plain_text_is_decoded_with_its_charset_and_made_inert() -> None:
    text = "Dose [sic]\r\nnext\x07 line".encode("latin-1")
    found = read_attachment({"contentType": "text/plain; charset=ISO-8859-1", "data": notes.b64(text)}, _no_binary)
    assert found.content_type == "text/plain" and found.text == "Dose (sic)\nnext line"


def test_html_keeps_headings_and_list_items_and_drops_scripts() -> None:
    assert html_text(notes.HTML_NOTE) == "## Reason for visit\n\nCough & fever\n\n## Plan\n\n- rest\n- fluids"


def test_pdf_text_is_extracted() -> None:
    pdf = notes.pdf_with_text("ASSESSMENT: knee pain resolved")
    found = read_attachment({"contentType": "application/pdf", "data": notes.b64(pdf)}, _no_binary)
    assert found.text == "ASSESSMENT: knee pain resolved"


@pytest.mark.parametrize(
    ("attachment", "problem"),
    [
        ({"contentType": "application/dicom", "data": "RElDTQ=="}, "application/dicom is not a text, HTML or PDF"),
        ({"data": "aGVsbG8="}, "no content type is given"),
        ({"contentType": "text/plain", "data": "not base64!"}, "not valid base64"),
        ({"contentType": "text/plain", "url": "https://example.org/x.txt"}, "is not a Binary of this source"),
        ({"contentType": "text/plain", "url": "Binary/gone"}, "Binary/gone was not found"),
        ({"contentType": "text/plain; charset=klingon", "data": "aGk="}, "unknown charset 'klingon'"),
        ({"contentType": "application/pdf", "data": "aGk="}, "unreadable application/pdf"),
        ({"contentType": "text/plain"}, "neither data nor a url"),
    ],
)
def test_what_cannot_be_read_is_reported_not_guessed(attachment: dict[str, str], problem: str) -> None:
    found = read_attachment(attachment, lambda _id: None)
    assert found.text is None and found.problem is not None and problem in found.problem


def test_sections_split_at_the_top_markdown_level_with_unique_slugs() -> None:
    found = split_sections(notes.VISIT_NOTE)
    assert [(s.title, s.slug) for s in found] == [
        ("Chief Complaint", "chief-complaint"),
        ("History of Present Illness", "history-of-present-illness"),
        ("Assessment and Plan", "assessment-and-plan"),
    ]
    assert found[2].text.startswith("HbA1c 6.4 %") and "## Plan\n- start metformin 500 mg" in found[2].text
    assert [s.slug for s in split_sections("# Plan\na\n# Plan\nb")] == ["plan", "plan-2"]


def test_notes_without_markdown_split_at_known_labels_and_long_text_is_cut_into_parts() -> None:
    labelled = split_sections("Seen today.\nASSESSMENT: stable angina\nPlan: continue statin\nNote: x")
    assert [(s.slug, s.text) for s in labelled] == [
        ("opening", "Seen today."),
        ("assessment", "stable angina"),
        ("plan", "continue statin\nNote: x"),
    ]
    long = split_sections("\n".join(f"line {i} " + "x" * 90 for i in range(60)))
    assert [s.slug for s in long] == ["text", "text-part-2", "text-part-3"]
    assert all(len(s.text) <= MAX_SECTION_CHARS for s in long) and long[1].title == "Note text (part 2)"
    assert slugify("A/P — Plan & Follow-up!") == "a-p-plan-follow-up" and is_key("DocumentReference/n1#" + "x" * 80)


def test_a_note_in_both_forms_is_kept_once_and_every_form_is_read(source: LocalSource) -> None:
    found = {n.key: n for n in patient_notes(source, sample.PID)}
    assert list(found) == [
        "DocumentReference/n1",
        "DocumentReference/n5",
        "DocumentReference/n4",
        "DocumentReference/n3",
        "DocumentReference/n2",
        "DiagnosticReport/r2",
    ]
    assert found["DocumentReference/n1"].also_in == ["DiagnosticReport/r1"]
    assert found["DocumentReference/n3"].content_type == "application/pdf"  # the PNG beside it is not read
    assert found["DocumentReference/n4"].text == "Plan: physiotherapy."
    assert found["DocumentReference/n5"].unread == "application/dicom is not a text, HTML or PDF format; not read"
    assert found["DiagnosticReport/r2"].note_type == "Discharge summary" and found["DiagnosticReport/r2"].written == (
        "2019-02-15"
    )


def test_each_section_is_citable_evidence_with_its_note_type_date_and_author(source: LocalSource) -> None:
    items = facts.notes(source, sample.PID, note_type="progress", latest_n=1)
    assert [e.key for e in items] == [
        "DocumentReference/n1#chief-complaint",
        "DocumentReference/n1#history-of-present-illness",
        "DocumentReference/n1#assessment-and-plan",
    ]
    assert all(
        is_key(e.key) and resource_part(e.key) == ("DocumentReference", "n1", e.key.split("#")[1]) for e in items
    )
    fact = items[2].fact
    assert isinstance(fact, NoteFact) and fact.section == "Assessment and Plan" and fact.written == "2021-06-02"
    assert items[2].text == (
        "[DocumentReference/n1#assessment-and-plan] 2021-06-02 Progress note, Assessment and Plan "
        "(by Dr. Grace Hopper): HbA1c 6.4 %, prediabetes progressing. Plan: start metformin 500 mg; "
        "recheck HbA1c in 3 months"
    )
    assert "(see labs)" in items[1].text and "[see" not in items[1].text.split("] ", 1)[1]


def test_unread_notes_say_why_and_notes_in_error_are_left_out(source: LocalSource) -> None:
    items = {e.key: e for e in facts.notes(source, sample.PID)}
    assert items["DocumentReference/n5"].text.endswith(
        "Progress note (by Dr. Grace Hopper): text not read "
        "(application/dicom is not a text, HTML or PDF format; not read)"
    )
    assert not any(k.startswith("DocumentReference/n6") for k in items)
    assert "DocumentReference/n3#assessment" in items and "DocumentReference/n2#reason-for-visit" in items


def test_read_notes_windows_and_types_and_says_when_none_match(source: LocalSource) -> None:
    tool = {t.name: t for t in make_fhir_tools(source, sample.PID)}["read_notes"]
    text = tool.invoke({"since": "2020-04-01", "until": "2020-05-31", "latest_n": 5})
    assert [line.split("]")[0] for line in text.splitlines()] == [
        "[DocumentReference/n4#plan",
        "[DocumentReference/n3#assessment",
    ]
    message = tool.invoke({"type": "tool_call", "name": "read_notes", "id": "1", "args": {"note_type": "18842-5"}})
    assert [e.key for e in message.artifact] == ["DiagnosticReport/r2#text"]
    empty = tool.invoke({"type": "tool_call", "name": "read_notes", "id": "2", "args": {"since": date(2030, 1, 1)}})
    (absent,) = empty.artifact
    assert absent.key == "none:notes-since-2030-01-01" and isinstance(absent.fact, AbsenceFact)


def test_the_summary_shows_the_latest_assessments_and_separates_findings(source: LocalSource) -> None:
    sections = patient_sections(source, sample.PID, date(2024, 1, 1))
    assert [e.key for e in sections.recent_notes] == [
        "DocumentReference/n1#assessment-and-plan",
        "DocumentReference/n5",
        "DocumentReference/n4#plan",
    ]
    titles = [t for t, _ in sections.titled()]
    assert titles.index("Recent notes (assessment and plan of the latest 3)") < titles.index("Resolved problems")
