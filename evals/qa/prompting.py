"""QA prompts (files in ``evals/prompts``): system message, options, optional context passages."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from medcite.core.evidence import Evidence
from medcite.evals.prompts import load_eval_prompt
from medcite.evals.qa.datasets import QAItem

PROMPT_FILES = ("qa_system", "qa_question", "qa_context_given", "qa_context_retrieved", "qa_option")


def format_options(options: dict[str, str]) -> str:
    template = load_eval_prompt("qa_option")
    return "\n".join(template.format(letter=k, text=v) for k, v in options.items())


def context_block(item: QAItem, retrieved: Sequence[Evidence] = ()) -> str:
    """Given passages (PubMedQA abstracts) and retrieved evidence lines, each as its own block."""
    blocks = []
    if item.context:
        blocks.append(load_eval_prompt("qa_context_given").format(passages="\n".join(item.context)))
    if retrieved:
        lines = "\n".join(e.text for e in retrieved)
        blocks.append(load_eval_prompt("qa_context_retrieved").format(passages=lines))
    return "".join(b + "\n\n" for b in blocks)


def build_messages(item: QAItem, retrieved: Sequence[Evidence] = ()) -> list[BaseMessage]:
    user = load_eval_prompt("qa_question").format(
        context=context_block(item, retrieved),
        question=item.question.strip(),
        options=format_options(item.options),
    )
    return [SystemMessage(load_eval_prompt("qa_system")), HumanMessage(user)]


def templates_fingerprint() -> dict[str, str]:
    """The prompt files' text, part of every request digest (editing a prompt redoes the questions)."""
    return {name: load_eval_prompt(name) for name in PROMPT_FILES}


def retrieval_query(item: QAItem) -> str:
    """The search query for an item: its question and option texts."""
    return " ".join([item.question.strip(), *item.options.values()])
