"""Clinical notes for the hand-written sample record: the same note as DocumentReference and report text, a
report-only note, an HTML note, a PDF note, a note linked to a Binary, one of an unread type and one entered
in error."""

from __future__ import annotations

import base64
from typing import Any

from tests.unit.tools.fhir.sample_record import LOINC, PID, bundle

PROGRESS = {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]}
DISCHARGE = {"coding": [{"system": LOINC, "code": "18842-5", "display": "Discharge summary"}]}

VISIT_NOTE = """
2021-06-02

# Chief Complaint
Fatigue and thirst for two weeks.

# History of Present Illness
Ada is a 61 year-old woman with prediabetes [see labs].

# Assessment and Plan
HbA1c 6.4 %, prediabetes progressing.

## Plan
- start metformin 500 mg
- recheck HbA1c in 3 months
"""

HTML_NOTE = (
    "<html><head><title>x</title><style>p{}</style></head><body><h2>Reason for visit</h2><p>Cough &amp; fever</p>"
    "<h2>Plan</h2><ul><li>rest</li><li>fluids</li></ul><script>alert(1)</script></body></html>"
)


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode("utf-8") if isinstance(text, str) else text).decode("ascii")


def pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF whose text layer is ``text`` (Helvetica, one line)."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _doc(rid: str, when: str, content: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": rid,
        "status": "current",
        "type": PROGRESS,
        "subject": {"reference": f"urn:uuid:{PID}"},
        "date": when,
        "author": [{"display": "Dr. Grace Hopper"}],
        "content": [{"attachment": a} for a in content],
        **extra,
    }


def note_resources() -> list[dict[str, Any]]:
    return [
        _doc("n1", "2021-06-02T10:00:00Z", [{"contentType": "text/plain; charset=utf-8", "data": b64(VISIT_NOTE)}]),
        {
            "resourceType": "DiagnosticReport",
            "id": "r1",
            "status": "final",
            "code": PROGRESS,
            "subject": {"reference": f"urn:uuid:{PID}"},
            "effectiveDateTime": "2021-06-02T10:00:00Z",
            "presentedForm": [{"contentType": "text/plain", "data": b64(VISIT_NOTE.replace("\n", "\r\n"))}],
        },
        {
            "resourceType": "DiagnosticReport",
            "id": "r2",
            "status": "final",
            "code": DISCHARGE,
            "subject": {"reference": f"urn:uuid:{PID}"},
            "effectiveDateTime": "2019-02-15T12:00:00Z",
            "presentedForm": [{"contentType": "text/markdown", "data": b64("Discharged home, stable.")}],
        },
        _doc("n2", "2020-03-01T09:00:00Z", [{"contentType": "text/html", "data": b64(HTML_NOTE)}]),
        _doc(
            "n3",
            "2020-04-01T09:00:00Z",
            [
                {"contentType": "image/png", "data": b64(b"\x89PNG")},
                {"contentType": "application/pdf", "data": b64(pdf_with_text("ASSESSMENT: knee pain resolved"))},
            ],
        ),
        _doc("n4", "2020-05-01T09:00:00Z", [{"contentType": "text/plain", "url": "Binary/bin1"}]),
        {"resourceType": "Binary", "id": "bin1", "contentType": "text/plain", "data": b64("Plan: physiotherapy.")},
        _doc("n5", "2020-06-01T09:00:00Z", [{"contentType": "application/dicom", "data": b64(b"DICM")}]),
        _doc(
            "n6",
            "2020-07-01T09:00:00Z",
            [{"contentType": "text/plain", "data": b64("wrong patient")}],
            docStatus="final",
        )
        | {"status": "entered-in-error"},
    ]


def bundle_with_notes() -> dict[str, Any]:
    data = bundle()
    for res in note_resources():
        data["entry"].append(
            {
                "fullUrl": f"urn:uuid:{res['id']}",
                "resource": res,
                "request": {"method": "POST", "url": res["resourceType"]},
            }
        )
    return data
