"""Read FHIR R4 Bundle JSON files and Bulk Data NDJSON files or folders into validated resources.

``urn:uuid:`` (and absolute) fullUrls are resolved so that every reference reads ``Type/id``.
Whole-file problems (missing, oversize, not JSON, too deeply nested, not a Bundle, empty, too many
entries) raise :class:`InputError`; problems with single entries leave that entry out and are listed in
the :class:`LoadReport`, as are repairs (over-long text cut, broken Unicode replaced, duplicates read once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.json_input import (
    InputLimits,
    Inspection,
    JsonProblem,
    inspect_resource,
    may_hold_broken_unicode,
    parse_json,
)
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
    check_unicode: bool = False


@dataclass
class LoadedResources:
    resources: list[dict[str, Any]]
    report: LoadReport


@dataclass
class _Loader:
    limits: InputLimits
    report: LoadReport = field(default_factory=LoadReport)

    def issue(self, severity: Severity, where: str, message: str, key: str | None = None) -> None:
        self.report.issues.append(LoadIssue(severity=severity, where=where, message=message, key=key))

    # -- files ------------------------------------------------------------------------------------

    def read_json_text(self, path: Path) -> str:
        size = path.stat().st_size
        if size > self.limits.max_file_bytes:
            raise InputError(
                f"{path}: file is {size / 1e6:.1f} MB, over the "
                f"{self.limits.max_file_bytes / 1e6:g} MB limit "
                "(raise MEDCITE_FHIR_MAX_FILE_MB to load it)"
            )
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc

    def check_count(self, path: Path, count: int, what: str) -> None:
        if count > self.limits.max_resources:
            raise InputError(
                f"{path}: {count:,} {what}, over the limit of {self.limits.max_resources:,} resources per file "
                "(raise MEDCITE_FHIR_MAX_RESOURCES to load it)"
            )

    def bundle_entries(self, path: Path) -> Iterator[_Entry]:
        text = self.read_json_text(path)
        if not text.strip():
            raise InputError(f"{path}: the file is empty")
        try:
            bundle = parse_json(text, self.limits.max_depth, outer=3)  # Bundle > entry[] > entry > resource
        except JsonProblem as exc:
            raise InputError(f"{path}: invalid JSON at line {exc.line} column {exc.column}: {exc.message}") from None
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            found = repr(bundle.get("resourceType")) if isinstance(bundle, dict) else _json_kind(bundle)
            raise InputError(f"{path}: expected a FHIR Bundle, found {found}")
        btype = bundle.get("type")
        if not isinstance(btype, str) or btype not in BUNDLE_TYPES:
            raise InputError(f"{path}: Bundle.type {btype!r} is not one of {', '.join(sorted(BUNDLE_TYPES))}")
        entries = bundle.get("entry")
        if entries is not None and not isinstance(entries, list):
            raise InputError(f"{path}: Bundle.entry is {_json_kind(entries)}, not an array of entries")
        if not entries:
            raise InputError(f"{path}: the Bundle has no entries")
        self.check_count(path, len(entries), "entries")
        check_unicode = may_hold_broken_unicode(text)
        for i, entry in enumerate(entries):
            where = f"{path} entry[{i}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                if _field(entry, "request", "method") in ("DELETE", "GET"):
                    continue
                self.issue(
                    "error", where, "entry has no resource" if isinstance(entry, dict) else "entry is not an object"
                )
                continue
            if _field(entry, "search", "mode") == "outcome":
                self.issue("warning", where, "search outcome entry skipped")
                continue
            full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            yield _Entry(entry["resource"], where, str(path), full_url, check_unicode)

    def ndjson_entries(self, path: Path) -> Iterator[_Entry]:
        text = self.read_json_text(path)
        # Lines end at \n only: JSON strings may hold U+2028 and other breaks that splitlines() would cut at.
        lines = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
        if not lines:
            raise InputError(f"{path}: the NDJSON file has no resources")
        self.check_count(path, len(lines), "lines")
        for n, line in lines:
            where = f"{path} line {n}"
            try:
                resource = parse_json(line, self.limits.max_depth)
            except JsonProblem as exc:
                self.issue("error", where, f"invalid JSON at column {exc.column}: {exc.message}")
                continue
            if not isinstance(resource, dict):
                self.issue("error", where, "line is not a JSON object")
                continue
            yield _Entry(resource, where, str(path), check_unicode=may_hold_broken_unicode(line))

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

    def duplicate(self, entry: _Entry, key: str, first: dict[str, Any], first_where: str) -> None:
        """A second entry with an id already read: the same content is read once, other content left out."""
        differs = _first_difference(first, entry.resource, str(entry.resource["resourceType"]))
        if differs is None:
            self.issue("warning", entry.where, f"repeats {first_where} with identical content; read once", key)
        else:
            self.issue(
                "error",
                entry.where,
                f"duplicate id: already read from {first_where} with different content "
                f"(first difference at {differs}); this entry was left out",
                key,
            )

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


def load_resources(paths: Sequence[str | Path], *, limits: InputLimits) -> LoadedResources:
    """Read, check, resolve, validate and de-duplicate every resource in ``paths``."""
    loader = _Loader(limits)
    files = expand_paths(paths)
    entries: list[_Entry] = []
    for path in files:
        loader.report.sources.append(str(path))
        if path.suffix.lower() in NDJSON_SUFFIXES:
            entries.extend(loader.ndjson_entries(path))
        else:
            entries.extend(loader.bundle_entries(path))

    keyed: list[tuple[_Entry, str, Inspection]] = []
    urls: dict[tuple[str, str], str] = {}
    for entry in entries:
        inspection = inspect_resource(entry.resource, limits, check_unicode=entry.check_unicode)
        if inspection.error:
            loader.issue("error", entry.where, inspection.error)
            continue
        key = loader.identify(entry)
        if key is None:
            continue
        keyed.append((entry, key, inspection))
        if entry.full_url:
            scope = entry.file if entry.full_url.startswith("urn:") else ""
            urls[(scope, entry.full_url)] = key

    accepted: dict[str, tuple[dict[str, Any], str]] = {}
    repairs: list[tuple[_Entry, str, Inspection]] = []
    for entry, key, inspection in keyed:
        if not loader.resolve_references(entry, key, urls):
            continue
        problem = validation_error(entry.resource)
        if problem:
            loader.issue("error", entry.where, problem, key)
            continue
        if key in accepted:
            loader.duplicate(entry, key, *accepted[key])
            continue
        accepted[key] = (entry.resource, entry.where)
        repairs.append((entry, key, inspection))

    for entry, key, inspection in repairs:  # after de-duplication, which compares the resources as read
        for element in inspection.repaired:
            loader.issue(
                "warning", entry.where, f"invalid Unicode (a lone surrogate) replaced by U+FFFD at {element}", key
            )
        for note in inspection.truncate(limits.max_text_chars):
            loader.issue("warning", entry.where, note, key)

    resources = [res for res, _ in accepted.values()]
    _check_patients(loader, resources, accepted)
    loader.report.resources = len(resources)
    loader.report.by_type = dict(Counter(str(r["resourceType"]) for r in resources))
    return LoadedResources(resources, loader.report)


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    """The path of the first element where two parsed JSON values differ (None when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            found = _first_difference(a.get(k), b.get(k), f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            found = _first_difference(a[i] if i < len(a) else None, b[i] if i < len(b) else None, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else path


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {dict: "an object", list: "an array", str: "a string"}
    return next((name for t, name in kinds.items() if isinstance(value, t)), "a number")


def _field(entry: Any, name: str, sub: str) -> Any:
    """``entry[name][sub]`` when both are objects, else None (entries are untrusted JSON)."""
    inner = entry.get(name) if isinstance(entry, dict) else None
    return inner.get(sub) if isinstance(inner, dict) else None


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
