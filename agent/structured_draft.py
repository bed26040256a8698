"""Schema-constrained drafts: where decoding can be constrained, the model writes JSON sentences whose
citations are restricted to the keys it was shown, so even a weak model cannot invent a key."""

from __future__ import annotations

import json
from typing import Any

MAX_SENTENCES = 5
MAX_SENTENCE_CHARS = 300
MAX_KEYS_PER_SENTENCE = 3


def draft_schema(keys: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_SENTENCES,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "minLength": 1, "maxLength": MAX_SENTENCE_CHARS},
                        "cite": {"type": "array", "maxItems": MAX_KEYS_PER_SENTENCE, "items": {"enum": keys}},
                    },
                    "required": ["text", "cite"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["sentences"],
        "additionalProperties": False,
    }


def render_structured(raw: str) -> str | None:
    """``{"sentences": [{"text", "cite"}]}`` → ``text [key] [key]`` sentences; None if not that shape."""
    try:
        data = json.loads(raw)
        items = data["sentences"]
        assert isinstance(items, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return None
    out: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            return None
        text = item["text"].replace("[", "(").replace("]", ")").strip()
        cites = [c for c in item.get("cite") or [] if isinstance(c, str)]
        if not text:
            continue
        if not text.endswith((".", "!", "?")):
            text += "."
        body = text[:-1].rstrip()
        suffix = "".join(f" [{c}]" for c in dict.fromkeys(cites))
        out.append(f"{body}{suffix}{text[-1]}")
    return "\n".join(out)
