"""Writing results: Markdown, JSON (the Answer) and FHIR, each file written whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from medcite.agent.answer import Answer
from medcite.agent.fhir_export import summary_bundle
from medcite.core.errors import InputError

FORMATS = ("md", "json", "fhir")
SUFFIX = {"md": "md", "json": "json", "fhir": "fhir.json"}


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(answer: Answer, fmt: str) -> str:
    if fmt == "md":
        return answer.to_markdown() + "\n"
    if fmt == "json":
        return answer.model_dump_json(indent=2) + "\n"
    if fmt == "fhir":
        return json.dumps(summary_bundle(answer), indent=2, ensure_ascii=False) + "\n"
    raise InputError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_outputs(answer: Answer, out_dir: Path, formats: list[str], stem: str = "summary") -> list[Path]:
    rendered = {fmt: render(answer, fmt) for fmt in formats}  # render all first: no partial output set
    written = []
    for fmt, text in rendered.items():
        path = out_dir / f"{stem}.{SUFFIX[fmt]}"
        write_atomic(path, text)
        written.append(path)
    return written
