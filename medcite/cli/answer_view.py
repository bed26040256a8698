"""An answer as the user sees it: for a terminal (styled with ``rich``, no raw Markdown), as Markdown (pipes and
files) or as JSON. Every format shows which sentences the model wrote (and verification kept) and which
medcite rendered from the record.

Record and model text is always put into ``rich.text.Text`` objects, never parsed as console markup, so a
bracket or a tag in a record field is shown as written.
"""

from __future__ import annotations

import re
import sys
from typing import Literal, TextIO

from rich.console import Console, Group, RenderableType
from rich.text import Text

from medcite.agent.answer import BASIS_TITLES, ORIGIN_TAGS, Answer, AnswerSentence
from medcite.core.safe_text import inert

AnswerFormat = Literal["terminal", "md", "json"]
FORMATS: tuple[AnswerFormat, ...] = ("terminal", "md", "json")
_CITATION = re.compile(r"\[[^\[\]]{1,400}\]")
MAX_SHOWN_KEYS = 6

BASIS_STYLES = {"model": "bold green", "record": "bold cyan", "abstention": "bold cyan", "fallback": "bold yellow"}
ORIGIN_STYLES = {"model": "green", "record": "cyan"}


def default_format(stream: TextIO | None = None) -> AnswerFormat:
    """``terminal`` when the output is a terminal, else ``md``."""
    stream = stream or sys.stdout
    return "terminal" if stream.isatty() else "md"


def _cited(text: str, style: str = "") -> Text:
    """Literal text with its citation keys dimmed (control and invisible characters removed: a terminal
    would act on escape sequences)."""
    out = Text(inert(text, multiline=True), style=style)
    out.highlight_regex(_CITATION, "dim")
    return out


def _sentences(sentences: list[AnswerSentence]) -> list[RenderableType]:
    """Consecutive sentences of one origin as one paragraph under a coloured tag."""
    blocks: list[RenderableType] = []
    run: list[AnswerSentence] = []
    for s in [*sentences, None]:
        if s is not None and (not run or run[-1].origin == s.origin):
            run.append(s)
            continue
        if run:
            origin = run[0].origin
            line = Text.assemble((f"[{ORIGIN_TAGS[origin]}] ", f"bold {ORIGIN_STYLES[origin]}"))
            line.append_text(_cited(" ".join(x.text for x in run)))
            blocks.append(line)
        run = [s] if s is not None else []
    return blocks


def terminal_view(answer: Answer) -> Group:
    """The answer styled for a terminal: a title saying how it was made, the sentences tagged by origin,
    flags, sources, the disclaimer and the trace."""
    basis = answer.basis or ""
    title, style = BASIS_TITLES.get(basis, "Answer"), BASIS_STYLES.get(basis, "bold")
    parts: list[RenderableType] = [Text(title, style=style)]
    if answer.sentences:
        parts += _sentences(answer.sentences)
    else:  # a fallback or an answer made before sentences were recorded: its plain text
        parts.append(_cited(answer.text))
    if answer.flags:
        parts += [Text(""), Text("Uncertainty flags", style="bold yellow")]
        for f in answer.flags:
            keys = f" ({', '.join(f.keys[:MAX_SHOWN_KEYS])}{'…' if len(f.keys) > MAX_SHOWN_KEYS else ''})"
            parts.append(
                Text.assemble(
                    ("⚠ ", "yellow"), (f.kind, "bold"), f": {inert(f.reason)}", (keys if f.keys else "", "dim")
                )
            )
    if answer.citations:
        parts += [Text(""), Text("Sources", style="bold")]
        parts += [Text.assemble((f"[{inert(c.key)}] ", "dim"), inert(c.label)) for c in answer.citations]
    parts += [Text(""), Text(answer.disclaimer, style="italic")]
    parts.append(Text(f"trace {answer.trace_id} · model {answer.model}", style="dim"))
    return Group(*parts)


def print_answer(answer: Answer, fmt: AnswerFormat, stream: TextIO | None = None) -> None:
    """Write ``answer`` to ``stream`` (stdout) in ``fmt``."""
    stream = stream or sys.stdout
    if fmt == "json":
        print(answer.model_dump_json(indent=2), file=stream)
    elif fmt == "md":
        print(answer.to_markdown(), file=stream)
    else:
        Console(file=stream, highlight=False, emoji=False, markup=False).print(terminal_view(answer))
