"""``medcite ask`` and ``medcite chat``: cited answers about a patient record and current guidelines."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from medcite.agent.assistant import Assistant
from medcite.agent.models import load_chat_model
from medcite.agent.prompts import load_prompt
from medcite.cli.answer_view import FORMATS, AnswerFormat, default_format, print_answer
from medcite.cli.common import add_as_of_option, add_model_options, open_reported, settings_from_args
from medcite.core.disclaimer import DISCLAIMER
from medcite.core.errors import InputError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bundle", help="FHIR bundle / NDJSON file or folder, or a FHIR server base URL")
    p.add_argument("--patient", help="patient id (needed when the source holds several patients)")
    p.add_argument(
        "--thread",
        help="conversation id (turns with one id share memory; default: one conversation per source and patient)",
    )
    p.add_argument("--no-guidelines", action="store_true", help="skip guideline retrieval")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="terminal (styled, the default on a terminal), md (Markdown, the default in pipes and files) or json",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")
    add_as_of_option(p)
    add_model_options(p)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("ask", help="ask one question (cited, verified, flagged)")
    p.add_argument("question", help="the question")
    p.add_argument("--raw", action="store_true", help="ask the model directly, without evidence or verification")
    _common(p)
    p.set_defaults(func=run_ask)
    c: argparse.ArgumentParser = sub.add_parser("chat", help="chat in the terminal (empty line or Ctrl-D ends)")
    _common(c)
    c.set_defaults(func=run_chat)


def _format(args: argparse.Namespace) -> AnswerFormat:
    chosen: AnswerFormat | None = args.format
    if args.json and chosen not in (None, "json"):
        raise InputError(f"--json and --format {chosen} ask for two formats; give one")
    return "json" if args.json else chosen or default_format()


def _assistant(args: argparse.Namespace) -> Assistant:
    settings = settings_from_args(args)
    source = open_reported(args.bundle, settings) if args.bundle else None
    return Assistant(
        source=source,
        patient_id=args.patient,
        settings=settings,
        retriever=not args.no_guidelines,
        as_of=args.as_of,
    )


def run_ask(args: argparse.Namespace) -> int:
    if args.raw:
        model = load_chat_model(settings_from_args(args))
        messages = [SystemMessage(load_prompt("ask_system")), HumanMessage(args.question)]
        for chunk in model.stream(messages):
            sys.stdout.write(str(chunk.content))
            sys.stdout.flush()
        note = f"{DISCLAIMER} (unverified model output)"
        print(f"\n\n{note}" if default_format() == "terminal" else f"\n\n_{note}_")
        return 0
    fmt = _format(args)
    answer = _assistant(args).ask(args.question, thread_id=args.thread)
    print_answer(answer, fmt)
    return 0


def run_chat(args: argparse.Namespace) -> int:
    fmt = _format(args)
    bot = _assistant(args)
    print(f"medcite chat — {DISCLAIMER}\nAsk a question (empty line ends).")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = bot.ask(question, thread_id=args.thread)
        print_answer(answer, fmt)
    return 0
