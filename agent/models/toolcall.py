"""Prompted tool calling for models without tool tokens: schemas, constraint, output parsing.

The model is shown the tools' JSON schemas and asked to reply with one JSON object:
``{"tool": NAME, "arguments": {...}}`` to call a tool or ``{"answer": TEXT}`` to answer.
The parser is lenient about the shape (fenced ``json``/``tool_code`` blocks, python-style calls,
``name``/``arguments`` or OpenAI ``function`` objects, trailing prose) and strict about the content:
arguments are validated against the tool's schema.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from langchain_core.utils.function_calling import convert_to_openai_tool

_FENCE = re.compile(r"```[ \t]*(json|tool_code|python|tool_call)?[ \t]*\n?(.*?)(?:```|\Z)", re.S | re.I)
MAX_ARG_CHARS = 100  # longest string argument allowed under constrained decoding
_NAME_KEYS = ("tool", "name", "tool_name", "function_name")
_ARG_KEYS = ("arguments", "args", "parameters", "input", "tool_input")


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]

    @classmethod
    def from_any(cls, tool: Any) -> ToolSpec:
        fn = convert_to_openai_tool(tool)["function"]
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        return cls(fn["name"], fn.get("description", ""), params)

    def prompt_json(self) -> dict[str, Any]:
        """The tool as shown to the model: its schema with each argument on one compact line."""
        props = self.parameters.get("properties", {})
        required = set(self.parameters.get("required", []))
        args = {name: _describe(prop, name in required) for name, prop in props.items()}
        return {"name": self.name, "description": self.description, "arguments": args}


@dataclass
class ParsedCall:
    name: str
    args: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")


@dataclass
class ParseResult:
    """Either ``calls`` (tool calls), ``answer`` (plain text), or ``error`` (unusable output)."""

    calls: list[ParsedCall] = field(default_factory=list)
    answer: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _describe(prop: dict[str, Any], required: bool) -> str:
    """``{"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": null}`` → "date, optional"."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    kinds = []
    for p in options:
        kind = p.get("format") or p.get("type") or "value"
        if "enum" in p:
            kind = " | ".join(json.dumps(v) for v in p["enum"])
        elif "minimum" in p or "maximum" in p:
            kind += f" {p.get('minimum', '')}..{p.get('maximum', '')}"
        kinds.append(kind)
    parts = [" or ".join(kinds) or "value", "required" if required else "optional"]
    if prop.get("default") is not None:
        parts.append(f"default {json.dumps(prop['default'])}")
    text = ", ".join(parts)
    return f"{text}: {prop['description']}" if prop.get("description") else text


def tool_specs(tools: Sequence[Any]) -> list[ToolSpec]:
    return [ToolSpec.from_any(t) for t in tools]


def output_schema(specs: Sequence[ToolSpec], allow_answer: bool = True) -> dict[str, Any]:
    """JSON schema of one reply: a call to one of ``specs`` or, if allowed, a final answer."""
    options: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"tool": {"const": s.name}, "arguments": _closed(s.parameters)},
            "required": ["tool", "arguments"],
            "additionalProperties": False,
        }
        for s in specs
    ]
    if allow_answer:
        options.append(
            {
                "type": "object",
                "properties": {"answer": {"type": "string"}},
                "required": ["answer"],
                "additionalProperties": False,
            }
        )
    return options[0] if len(options) == 1 else {"anyOf": options}


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of an object schema for decoding: no titles, closed to unknown keys, bounded strings.

    Bounds keep a weak model's constrained output from running away inside one string value.
    """
    out = {k: v for k, v in schema.items() if k not in ("title", "description")}
    if out.get("type") == "object":
        out.setdefault("additionalProperties", False)
        out["properties"] = {k: _bounded(v) for k, v in out.get("properties", {}).items()}
    return out


def _bounded(prop: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in prop.items() if k != "title"}
    if out.get("type") == "string" and "enum" not in out:
        out.setdefault("maxLength", MAX_ARG_CHARS)
    return out


def parse_output(text: str, specs: Sequence[ToolSpec]) -> ParseResult:
    """Turn raw model text into tool calls, an answer, or a clear error."""
    by_name = {s.name: s for s in specs}
    stripped = text.strip()
    if not stripped:
        return ParseResult(error="the reply was empty")

    candidates = _candidates(stripped)
    attempted = False
    last_error: str | None = None
    for kind, body in candidates:
        if kind == "json":
            try:
                obj = _first_json(body)
            except ValueError as exc:
                if "{" in body or "[" in body:
                    attempted = attempted or _looks_like_call(body, by_name)
                    last_error = str(exc)
                continue
            result = _from_json(obj, by_name)
            if result is not None:
                return result
        else:
            result = _from_python_call(body, by_name)
            if result is not None:
                return result
        attempted = attempted or _looks_like_call(body, by_name)

    if attempted or _looks_like_call(stripped, by_name):
        return ParseResult(error=last_error or "the reply looks like a tool call but could not be parsed")
    return ParseResult(answer=stripped)


def _candidates(text: str) -> list[tuple[str, str]]:
    """Fenced blocks first, then the whole text, each tried as JSON and as a python call."""
    bodies = [m.group(2).strip() for m in _FENCE.finditer(text)] + [text]
    out: list[tuple[str, str]] = []
    for b in bodies:
        out += [("json", b), ("python", b)]
    return out


def _first_json(text: str) -> Any:
    """The first complete JSON object or array in ``text`` (prose before/after is ignored)."""
    decoder = json.JSONDecoder()
    starts = [i for i, ch in enumerate(text) if ch in "{["]
    if not starts:
        raise ValueError("no JSON object found")
    for i in starts:
        try:
            obj, _ = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict | list):
            return obj
    depth = text.count("{") - text.count("}")
    if depth > 0:
        raise ValueError("the JSON object is truncated (unbalanced braces)")
    raise ValueError("the JSON is malformed")


def _from_json(obj: Any, by_name: dict[str, ToolSpec]) -> ParseResult | None:
    if isinstance(obj, dict) and "tool_calls" in obj and isinstance(obj["tool_calls"], list):
        obj = obj["tool_calls"]
    items = obj if isinstance(obj, list) else [obj]
    if isinstance(obj, dict) and set(obj) == {"answer"}:
        answer = obj["answer"]
        if not isinstance(answer, str):
            return ParseResult(error="'answer' must be a string")
        return ParseResult(answer=answer)
    calls: list[ParsedCall] = []
    for item in items:
        if not isinstance(item, dict):
            return None
        if isinstance(item.get("function"), dict):
            item = item["function"]
        elif isinstance(item.get("tool_call"), dict):
            item = item["tool_call"]
        name = next((item[k] for k in _NAME_KEYS if isinstance(item.get(k), str)), None)
        if name is None:
            return None
        raw_args: Any = next((item[k] for k in _ARG_KEYS if k in item), {})
        if isinstance(raw_args, str):
            try:
                raw_args = json.loads(raw_args) if raw_args.strip() else {}
            except json.JSONDecodeError:
                return ParseResult(error=f"arguments of '{name}' are not a JSON object")
        if not isinstance(raw_args, dict):
            return ParseResult(error=f"arguments of '{name}' must be a JSON object")
        checked = _validate(name, raw_args, by_name)
        if isinstance(checked, str):
            return ParseResult(error=checked)
        calls.append(checked)
    return ParseResult(calls=calls) if calls else None


def _from_python_call(text: str, by_name: dict[str, ToolSpec]) -> ParseResult | None:
    """``tool(a=1, b="x")`` (optionally ``print(tool(...))`` as in Gemma's tool_code style)."""
    names = "|".join(re.escape(n) for n in by_name)
    if not names:
        return None
    m = re.search(rf"\b({names})\s*\(", text)
    if not m:
        return None
    start = m.start()
    for end in range(len(text), start, -1):
        if text[end - 1] != ")":
            continue
        try:
            node = ast.parse(text[start:end].strip(), mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name = node.func.id
        try:
            args = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            positional = [ast.literal_eval(a) for a in node.args]
        except ValueError:
            return ParseResult(error=f"arguments of '{name}' must be literal values")
        if positional:
            order = list(by_name[name].parameters.get("properties", {}))
            if len(positional) > len(order):
                return ParseResult(error=f"'{name}' got {len(positional)} positional arguments")
            args = {**dict(zip(order, positional, strict=False)), **args}
        checked = _validate(name, args, by_name)
        return ParseResult(error=checked) if isinstance(checked, str) else ParseResult(calls=[checked])
    return ParseResult(error="the python-style tool call is truncated or malformed")


def _validate(name: str, args: dict[str, Any], by_name: dict[str, ToolSpec]) -> ParsedCall | str:
    spec = by_name.get(name)
    if spec is None:
        known = ", ".join(sorted(by_name)) or "none"
        return f"unknown tool '{name}' (available: {known})"
    args = _coerce_scalars(args, spec.parameters)
    try:
        jsonschema.validate(args, spec.parameters)
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path) or "arguments"
        return f"invalid arguments for '{name}': {where}: {exc.message}"
    return ParsedCall(name=name, args=args)


def _coerce_scalars(args: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Lossless fixes only: "5" → 5 for integers, 5 → "5" for strings, "true" → True for booleans."""
    props = schema.get("properties", {})
    out = dict(args)
    for key, value in args.items():
        types = _types_of(props.get(key, {}))
        if isinstance(value, str) and "integer" in types and re.fullmatch(r"-?\d+", value.strip()):
            out[key] = int(value)
        elif isinstance(value, str) and "number" in types and _is_float(value):
            out[key] = float(value)
        elif isinstance(value, str) and "boolean" in types and value.lower() in ("true", "false"):
            out[key] = value.lower() == "true"
        elif isinstance(value, int | float) and not isinstance(value, bool) and types == {"string"}:
            out[key] = str(value)
    return out


def _types_of(prop: dict[str, Any]) -> set[str]:
    if "type" in prop:
        t = prop["type"]
        return set(t) if isinstance(t, list) else {t}
    return {s.get("type") for s in prop.get("anyOf", []) if isinstance(s.get("type"), str)}


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _looks_like_call(text: str, by_name: dict[str, ToolSpec]) -> bool:
    if re.search(r"```\s*(json|tool_code|tool_call)", text, re.I):
        return True
    if re.search(r'[{,]\s*"(tool|name|function|arguments|tool_calls)"\s*:', text):
        return True
    return any(re.search(rf"\b{re.escape(n)}\s*\(", text) for n in by_name)
