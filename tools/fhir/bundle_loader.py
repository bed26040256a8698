"""Read FHIR R4 Bundle JSON files and Bulk Data NDJSON files or folders into validated resources.

``urn:uuid:`` (and absolute) fullUrls are resolved so that every reference reads ``Type/id``.
Whole-file problems (missing, oversize, not JSON, not a Bundle, empty) raise :class:`InputError`;
problems with single entries leave that entry out and are listed in the :class:`LoadReport`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.source import LoadIssue, LoadReport, Severity
from medcite.tools.fhir.validation import is_resource_type, validation_error

BUNDLE_TYPES = frozenset({"transaction", "batch", "collection", "searchset", "document", "message"})
NDJSON_SUFFIXES = (".ndjson", ".jsonl")
JSON_SUFFIXES = (".json", *NDJSON_SUFFIXES)


@dataclass
class _Entry:
    resource: dict[str, Any]
    where: str
    file: str
    full_url: str | None = None


@dataclass
class LoadedResources:
    resources: list[dict[str, Any]]
    report: LoadReport


@dataclass
class _Loader:
    max_file_bytes: int
    report: LoadReport = field(default_factory=LoadReport)

    def issue(self, severity: Severity, where: str, message: str, key: str | None = None) -> None:
        self.report.issues.append(LoadIssue(severity=severity, where=where, message=message, key=key))

    # -- files ------------------------------------------------------------------------------------

    def read_json_text(self, path: Path) -> str:
        size = path.stat().st_size
        if size > self.max_file_bytes:
            raise InputError(
                f"{path}: file is {size / 1e6:.1f} MB, over the "
                f"{self.max_file_bytes / 1e6:g} MB limit "
                "(raise MEDCITE_FHIR_MAX_FILE_MB to load it)"
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc

    def bundle_entries(self, path: Path) -> Iterator[_Entry]:
        text = self.read_json_text(path)
        try:
            bundle = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            found = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
            raise InputError(f"{path}: expected a FHIR Bundle, found {found!r}")
        btype = bundle.get("type")
        if btype not in BUNDLE_TYPES:
            raise InputError(f"{path}: Bundle.type {btype!r} is not one of {', '.join(sorted(BUNDLE_TYPES))}")
        entries = bundle.get("entry")
        if not isinstance(entries, list) or not entries:
            raise InputError(f"{path}: the Bundle has no entries")
        for i, entry in enumerate(entries):
            where = f"{path} entry[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                if isinstance(entry, dict) and entry.get("request", {}).get("method") in (
                    "DELETE",
                    "GET",
                ):
                    continue
                self.issue("error", where, "entry has no resource")
                continue
            if (entry.get("search") or {}).get("mode") == "outcome":
                self.issue("warning", where, "search outcome entry skipped")
                continue
            full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            yield _Entry(entry["resource"], where, str(path), full_url)

    def ndjson_entries(self, path: Path) -> Iterator[_Entry]:
        text = self.read_json_text(path)
        seen = False
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            seen = True
            where = f"{path} line {n}"
            try:
                resource = json.loads(line)
            except json.JSONDecodeError as exc:
                self.issue("error", where, f"invalid JSON at column {exc.colno}: {exc.msg}")
                continue
            if not isinstance(resource, dict):
                self.issue("error", where, "line is not a JSON object")
                continue
            yield _Entry(resource, where, str(path))
        if not seen:
            raise InputError(f"{path}: the NDJSON file has no resources")

    # -- entries ----------------------------------------------------------------------------------

    def identify(self, entry: _Entry) -> str | None:
        """Give the resource an id (from its fullUrl when absent); return its key or None."""
        res = entry.resource
        rtype = res.get("resourceType")
        if not is_resource_type(rtype):
            self.issue("error", entry.where, f"resourceType {rtype!r} is not a FHIR R4 resource type")
            return None
        if not isinstance(res.get("id"), str) or not res["id"]:
            derived = _id_from_full_url(entry.full_url, str(rtype))
            if derived is None:
                self.issue("error", entry.where, f"{rtype} has no id and no usable fullUrl")
                return None
            res["id"] = derived
        return rf.resource_key(res)

    def resolve_references(self, entry: _Entry, key: str, urls: dict[tuple[str, str], str]) -> bool:
        """Rewrite fullUrl references to ``Type/id``; False if the patient one is unresolved."""
        ok = True
        patient_paths = set(rf.type_spec(str(entry.resource["resourceType"])).patient_paths)
        for path, ref in _references(entry.resource):
            value = ref["reference"]
            target = urls.get((entry.file, value)) or urls.get(("", value))
            if target:
                ref["reference"] = target
            elif value.startswith("urn:"):
                fatal = path in patient_paths
                severity: Severity = "error" if fatal else "warning"
                self.issue(severity, entry.where, f"unresolved reference {value!r} at {path}", key)
                ok = ok and not fatal
        return ok


def _id_from_full_url(full_url: str | None, rtype: str) -> str | None:
    if not full_url:
        return None
    if full_url.startswith("urn:uuid:") or full_url.startswith("urn:oid:"):
        return full_url.rsplit(":", 1)[1] or None
    target = rf.reference_target(full_url)
    return target[1] if target and target[0] == rtype else None


def _references(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(element path, Reference dict) for every Reference in a resource, contained ones included."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield path, node
        for k, v in node.items():
            if k != "reference":
                yield from _references(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item, path)


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files to read: each file as given, and the *.json / *.ndjson files under each folder."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in JSON_SUFFIXES)
            if not found:
                raise InputError(f"{path}: folder has no .json or .ndjson files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return files


def load_resources(paths: Sequence[str | Path], *, max_file_bytes: int) -> LoadedResources:
    """Read, resolve, validate and de-duplicate every resource in ``paths``."""
    loader = _Loader(max_file_bytes)
    files = expand_paths(paths)
    entries: list[_Entry] = []
    for path in files:
        loader.report.sources.append(str(path))
        if path.suffix.lower() in NDJSON_SUFFIXES:
            entries.extend(loader.ndjson_entries(path))
        else:
            entries.extend(loader.bundle_entries(path))

    keyed: list[tuple[_Entry, str]] = []
    urls: dict[tuple[str, str], str] = {}
    for entry in entries:
        key = loader.identify(entry)
        if key is None:
            continue
        keyed.append((entry, key))
        if entry.full_url:
            scope = entry.file if entry.full_url.startswith("urn:") else ""
            urls[(scope, entry.full_url)] = key

    accepted: dict[str, tuple[dict[str, Any], str]] = {}
    for entry, key in keyed:
        if not loader.resolve_references(entry, key, urls):
            continue
        problem = validation_error(entry.resource)
        if problem:
            loader.issue("error", entry.where, problem, key)
            continue
        if key in accepted:
            first, where = accepted[key]
            if first != entry.resource:
                loader.issue("error", entry.where, f"duplicate id: {key} differs from {where}; left out", key)
            continue
        accepted[key] = (entry.resource, entry.where)

    resources = [res for res, _ in accepted.values()]
    _check_patients(loader, resources, accepted)
    loader.report.resources = len(resources)
    loader.report.by_type = dict(Counter(str(r["resourceType"]) for r in resources))
    return LoadedResources(resources, loader.report)


def _check_patients(
    loader: _Loader,
    resources: list[dict[str, Any]],
    accepted: dict[str, tuple[dict[str, Any], str]],
) -> None:
    patients = {r["id"] for r in resources if r["resourceType"] == "Patient"}
    missing: dict[str, str] = {}
    for res in resources:
        pid = rf.patient_id(res)
        if pid is not None and pid not in patients and pid not in missing:
            missing[pid] = accepted[rf.resource_key(res)][1]
    for pid, where in missing.items():
        loader.issue("warning", where, f"refers to Patient/{pid}, which is not in the loaded data")
