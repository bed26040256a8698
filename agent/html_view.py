"""An answer as HTML for notebooks: one progress line per graph node, expandable sources, flags.

Record, document and model text is escaped (:func:`medcite.core.safe_text.html_text`). The only link is
``Citation.link``: the URL of a shipped-corpus guideline passage, from the corpus metadata.
"""

from __future__ import annotations

import json
from typing import Any

from medcite.agent.answer import BASIS_TITLES, ORIGIN_TAGS, Answer, Citation, Flag
from medcite.core.safe_text import html_text


def _calls(update: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for m in update.get("messages") or [] for call in getattr(m, "tool_calls", None) or []]


def node_detail(node: str, update: dict[str, Any]) -> str:
    """What a finished node produced, in a few words."""
    if node == "gather":
        return f"{len(update.get('turn_keys') or [])} evidence entries gathered by rule"
    if node == "reason":
        calls = _calls(update)
        shown = [f"<code>{html_text(c['name'])}({html_text(json.dumps(c['args']))})</code>" for c in calls]
        return "model asked for " + ", ".join(shown) if shown else "no tool call requested"
    if node == "tools":
        results = update.get("messages") or []
        return "; ".join(f"{html_text(str(m.name))}: {len(str(m.content).splitlines())} lines" for m in results)
    if node == "absorb":
        return f"{len(update.get('turn_keys') or [])} evidence entries after the tool step"
    if node == "draft":
        return f"model draft of {len(update.get('draft') or '')} characters"
    if node == "verify":
        checks = update.get("checks") or []
        kept = sum(c["status"] in ("verified", "abstention") for c in checks)
        return f"{kept} of {len(checks)} draft sentences verified"
    if node == "flag":
        return f"{len(update.get('flags') or [])} uncertainty flags"
    return "answer ready" if node == "finalize" else ""


def progress_html(node: str, seconds: float, update: dict[str, Any]) -> str:
    """``✓ node (1.2 s) what it produced``."""
    return f"✓ <b>{html_text(node)}</b> <small>({seconds:.1f} s)</small> {node_detail(node, update)}"


def source_html(c: Citation) -> str:
    """One citation as an expandable source: label, then evidence line, date, issuer and URL."""
    facts = [c.source, f"dated {c.date}" if c.date else "", c.issuer or "", "STALE" if c.stale else ""]
    if c.link:
        url = f'<br><a href="{html_text(c.link)}" target="_blank" rel="noopener noreferrer">{html_text(c.link)}</a>'
    else:
        url = f"<br><small>source address (not checked): {html_text(c.url)}</small>" if c.url else ""
    return (
        f"<details><summary><code>[{html_text(c.key)}]</code> {html_text(c.title or c.label)}</summary>"
        f"<div style='margin-left:1.5em'><small>{html_text(' · '.join(filter(None, facts)))}</small><br>"
        f"{html_text(c.text)}{url}</div></details>"
    )


def sources_html(citations: list[Citation]) -> str:
    return f"<b>Sources ({len(citations)})</b>" + "".join(source_html(c) for c in citations)


def flags_html(flags: list[Flag]) -> str:
    items = "".join(
        f"<li>⚠ <b>{html_text(f.kind)}</b>: {html_text(f.reason)}"
        + (f" <small>({html_text(', '.join(f.keys[:6]))})</small>" if f.keys else "")
        + "</li>"
        for f in flags
    )
    return f"<b>Uncertainty flags</b><ul>{items}</ul>" if flags else "<b>No uncertainty flags.</b>"


ORIGIN_COLOURS = {"model": "#1a7f37", "record": "#0969da"}


def answer_html(answer: Answer) -> str:
    """The answer's title (how it was made), then each of its sentences with a tag naming its origin (an answer
    without sentences, a fallback or a summary, is shown from its escaped Markdown instead)."""
    title = f"<b>{html_text(BASIS_TITLES.get(answer.basis or '', 'Answer'))}</b>"
    tagged = []
    for s in answer.sentences:
        badge = (
            f"<span style='background:{ORIGIN_COLOURS[s.origin]};color:white;border-radius:4px;padding:0 4px'>"
            f"<small>{html_text(ORIGIN_TAGS[s.origin])}</small></span>"
        )
        tagged.append(f"<p>{badge} {html_text(s.text)}</p>")
    return title + "".join(tagged)
