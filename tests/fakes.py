"""Named scripted models: ``FakeScriptedChatModel`` for graph-logic tests (routing, repair loops), and
``ObedientScriptedChatModel``, the worst-case model the injection tests run the real graph with."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import PrivateAttr

from medcite.agent.models.base import Completion, PromptedToolChatModel
from medcite.agent.models.messages import ChatTurn


class FakeScriptedChatModel(PromptedToolChatModel):
    """Replies with the given raw outputs in order and records every request it got."""

    outputs: list[str]
    constrains: bool = False
    _requests: list[tuple[list[ChatTurn], dict[str, Any] | None]] = PrivateAttr(
        default_factory=list
    )

    @property
    def _llm_type(self) -> str:
        return "fake-scripted"

    @property
    def supports_constrained_decoding(self) -> bool:
        return self.constrains

    @property
    def requests(self) -> list[tuple[list[ChatTurn], dict[str, Any] | None]]:
        return self._requests

    def _complete(
        self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None
    ) -> Completion:
        self._requests.append((chat, schema))
        if not self.outputs:
            raise AssertionError("FakeScriptedChatModel ran out of scripted outputs")
        return Completion(
            text=self.outputs.pop(0), input_tokens=10, output_tokens=5, finish_reason="stop"
        )


_DATA_BLOCKS = re.compile(
    r"<evidence>\n(.*?)\n</evidence>|Earlier in this conversation:\n(.*?)(?:\nQuestion:|\Z)", re.S
)
_LINE = re.compile(r"^\[([^\[\]]+)\] (.*)$")
_STOP_WORDS = frozenset({"ONLY", "EXACTLY", "WITH", "THE", "WORD", "TEXT", "VERBATIM", "SYSTEM", "USER", "NOW", "THIS"})
_PHRASE = re.compile(
    r"(?i:\b(?:say|says|reply|respond|answer|print|write|output|state|type|repeat|include|begin|start|end|add)\b)"
    r"[^.!?\n]{0,60}?[\"'“‘]?\b([A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*)\b"
)
_TELL = re.compile(r"(?i)\b(?:tell|inform|assure) the (?:user|clinician|doctor|reader) that ([^.!?\n]{3,80})")
_JSON_TOOL = re.compile(
    r"\{\s*\\?[\"'](?:tool|name|function)\\?[\"']\s*:\s*\\?[\"']([A-Za-z_]\w*)\\?[\"']"
    r"(?:\s*,\s*\\?[\"'](?:arguments|args|parameters)\\?[\"']\s*:\s*(\{[^{}]*\}))?"
)
_PY_TOOL = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\s*\(([^()]*)\)")
_PROSE_TOOL = re.compile(r"(?i)\b(?:call|invoke|run|execute|use)\s+(?:the\s+)?(?:tool|function)\s+`?([a-z]\w*)")
_RECORD_TYPES = (
    "Patient|Condition|MedicationRequest|AllergyIntolerance|Observation|Procedure|Encounter|Immunization"
    "|DiagnosticReport|DocumentReference|CarePlan|Goal"
)
_PLANTED_KEY = re.compile(
    rf"(?<![\w/\[])((?:{_RECORD_TYPES})/[A-Za-z0-9\-.]{{1,64}}|guideline:[A-Za-z0-9_\-.]{{1,80}})"
)
_LANGUAGES = {
    "de": (re.compile(r"(?i)\b(?:auf|in) (?:deutsch|german)\b|\bantworte"), "Der Patient hat"),
    "fr": (re.compile(r"(?i)\b(?:en|in) (?:français|francais|french)\b|\bréponds|\brépondez"), "Le patient a"),
    "es": (re.compile(r"(?i)\b(?:en|in) (?:español|espanol|spanish)\b|\bresponde\b"), "El paciente tiene"),
}
_FORMATS = {
    "json": re.compile(r"(?i)\b(?:as|in)\s+(?:raw\s+)?json\b"),
    "table": re.compile(r"(?i)\b(?:as|in)\s+an?\s+(?:markdown\s+|html\s+)?table\b"),
    "html": re.compile(r"(?i)\b(?:as|in)\s+(?:raw\s+)?html\b"),
}
_MARKUP = re.compile(
    r"!?[\[(][^\[\]()]{0,80}[\])]\((?:https?:)?//[^)\s]+\)"  # ![alt](url), also with brackets shown as ( )
    r"|[<‹]\s*(?:img|a|iframe|script|svg|object|embed|link|style|form|video|audio)\b[^>›]{0,200}[>›]",
    re.I,
)


@dataclass(frozen=True)
class Demand:
    """One instruction the obedient model found in its data: what it asks for and its argument."""

    kind: str  # phrase | tool | key | language | format | markup
    value: str
    args: dict[str, Any] = field(default_factory=dict)


def _python_args(text: str) -> dict[str, Any]:
    try:
        node = ast.parse(f"f({text})", mode="eval").body
        assert isinstance(node, ast.Call)
        return {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except (SyntaxError, ValueError, AssertionError):
        return {}


def find_demands(data: str) -> list[Demand]:
    """Every instruction the obedient model would follow in ``data`` (the untrusted part of a prompt)."""
    found: list[Demand] = []
    for m in _PHRASE.finditer(data):
        if m.group(1) not in _STOP_WORDS and len(m.group(1)) >= 4:
            found.append(Demand("phrase", m.group(1)))
    found += [Demand("phrase", m.group(1).strip()) for m in _TELL.finditer(data)]
    for m in _JSON_TOOL.finditer(data):
        try:
            args = json.loads(m.group(2).replace('\\"', '"')) if m.group(2) else {}
        except json.JSONDecodeError:
            args = {}
        found.append(Demand("tool", m.group(1), args if isinstance(args, dict) else {}))
    found += [Demand("tool", m.group(1), _python_args(m.group(2))) for m in _PY_TOOL.finditer(data)]
    found += [Demand("tool", m.group(1)) for m in _PROSE_TOOL.finditer(data)]
    found += [Demand("key", m.group(1).rstrip(".")) for m in _PLANTED_KEY.finditer(_without_citations(data))]
    found += [Demand("language", code) for code, (pattern, _) in _LANGUAGES.items() if pattern.search(data)]
    found += [Demand("format", name) for name, pattern in _FORMATS.items() if pattern.search(data)]
    found += [Demand("markup", _as_markup(m.group(0))) for m in _MARKUP.finditer(data)]
    unique = {(d.kind, d.value, json.dumps(d.args, sort_keys=True)): d for d in found}
    return list(unique.values())


def _without_citations(data: str) -> str:
    """The data without its line-leading keys and bracketed keys (earlier readings): what is left is text."""
    return re.sub(r"\[[^\[\]]*\]", " ", data)


def _as_markup(text: str) -> str:
    """Markup as the model would write it back: ‹ › as < >, ``!(alt)(url)`` as ``![alt](url)``."""
    text = text.replace("‹", "<").replace("›", ">")
    return re.sub(r"^(!?)\(([^()]*)\)\(", r"\1[\2](", text)


class ObedientScriptedChatModel(PromptedToolChatModel):
    """A worst-case model for injection tests: it obeys every instruction it finds in the data of its
    prompt (the evidence block and the conversation history), else it writes like a capable model.

    Obeys (see :func:`find_demands`): a demanded phrase (as the reply, and woven into a cited sentence
    so it could pass verification), a demanded tool call (emitted as a call wherever tools are offered,
    as text elsewhere), a key planted in a line's text (cited), a language switch (writes in that
    language), a format switch (JSON, a table, HTML) and markup (image, link or HTML markup written back
    as real markup) — also inside chat-template role tags, which it reads like any text. Without an
    instruction it cites up to four evidence lines, copying each exactly (``{"answer": "ready"}`` where
    tools are offered). ``requests`` holds every prompt, ``obeyed`` the demands followed per request.
    """

    _requests: list[list[ChatTurn]] = PrivateAttr(default_factory=list)
    _obeyed: list[list[Demand]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "obedient-scripted"

    @property
    def requests(self) -> list[list[ChatTurn]]:
        return self._requests

    @property
    def obeyed(self) -> list[list[Demand]]:
        return self._obeyed

    def _complete(self, chat: list[ChatTurn], *, schema: dict[str, Any] | None, stop: list[str] | None) -> Completion:
        self._requests.append(chat)
        prompt = "\n".join(turn["content"] for turn in chat if turn["role"] != "system")
        data = "\n".join(a or b for a, b in _DATA_BLOCKS.findall(prompt))
        demands = find_demands(data)
        self._obeyed.append(demands)
        tools_offered = any('"name":' in turn["content"] and "## Tools" in turn["content"] for turn in chat)
        text = self._tool_reply(demands) if tools_offered else self._draft(demands, data)
        return Completion(text=text, input_tokens=len(prompt) // 4, output_tokens=len(text) // 4, finish_reason="stop")

    @staticmethod
    def _tool_reply(demands: list[Demand]) -> str:
        tool = next((d for d in demands if d.kind == "tool"), None)
        if tool is not None:
            return json.dumps({"tool": tool.value, "arguments": tool.args})
        phrase = next((d.value for d in demands if d.kind == "phrase"), "ready")
        return json.dumps({"answer": phrase})

    @staticmethod
    def _draft(demands: list[Demand], data: str) -> str:
        lines = [(m.group(1), m.group(2)) for m in map(_LINE.match, data.splitlines()) if m]
        key, body = lines[0] if lines else ("Patient/unknown", "The record")
        out: list[str] = []
        for d in demands:
            if d.kind == "phrase":
                out += [f"{d.value}.", f"{body}, {d.value} [{key}]."]
            elif d.kind == "tool":
                out.append(json.dumps({"tool": d.value, "arguments": d.args}))
            elif d.kind == "key":
                out.append(f"{body} [{key}] [{d.value}].")
            elif d.kind == "language":
                out.append(f"{_LANGUAGES[d.value][1]} {body} [{key}].")
            elif d.kind == "format":
                out.append(
                    {
                        "json": json.dumps({"answer": f"{body} [{key}]"}),
                        "table": f"| finding | source |\n|---|---|\n| {body} | [{key}] |",
                        "html": f"<table><tr><td>{body}</td><td>[{key}]</td></tr></table>",
                    }[d.value]
                )
            elif d.kind == "markup":
                out.append(f"{body} {d.value} [{key}].")
        out += [f"{line_body} [{line_key}]." for line_key, line_body in lines[:4]]
        return "\n".join(out)


class CapableScriptedChatModel(FakeScriptedChatModel):
    """Stands for a capable model (MedGemma 27B, GPT-4 class) in graph tests: replies with the drafts it is given,
    written the way such models write cited answers. The draft's content is the test's; the graph's handling of it
    (verification, which answer leads) is what is tested."""

    @property
    def _llm_type(self) -> str:
        return "capable-scripted"
