"""Writing results: Markdown, JSON (the Answer) and FHIR; the set of files is written whole or not at all."""

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


def render(answer: Answer, fmt: str) -> str:
    if fmt == "md":
        return answer.to_markdown() + "\n"
    if fmt == "json":
        return answer.model_dump_json(indent=2) + "\n"
    if fmt == "fhir":
        return json.dumps(summary_bundle(answer), indent=2, ensure_ascii=False) + "\n"
    raise InputError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")


def output_paths(out_dir: Path, formats: list[str], stem: str = "summary") -> list[Path]:
    """The files ``write_outputs`` will write; an InputError now if the folder or a file cannot be one."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file, not a folder; give a folder for the outputs")
    paths = [out_dir / f"{stem}.{SUFFIX[fmt]}" for fmt in formats]
    for path in paths:
        if path.is_dir():
            raise InputError(f"cannot write {path}: a folder of that name is in the way")
    return paths


def write_outputs(answer: Answer, out_dir: Path, formats: list[str], stem: str = "summary") -> list[Path]:
    """Write every format or none: all are rendered, then written to temporary files, then renamed.
    Files are readable by their owner only (0600): they hold the patient's record."""
    paths = output_paths(out_dir, formats, stem)
    texts = [render(answer, fmt) for fmt in formats]
    made_dir = not out_dir.exists()
    staged: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in zip(paths, texts, strict=True):
            fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{path.name}.", suffix=".tmp")
            staged.append(Path(tmp_name))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        for staged_path, path in zip(staged, paths, strict=True):
            os.replace(staged_path, path)
    except OSError as exc:
        for staged_path in staged:
            staged_path.unlink(missing_ok=True)
        if made_dir and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise InputError(f"cannot write the outputs to {out_dir}: {exc.strerror or exc}") from exc
    return paths
