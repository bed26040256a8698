"""``medcite ask``: one question to the model."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agent import DISCLAIMER
from agent.cli.common import add_model_options, settings_from_args
from agent.models import load_chat_model
from agent.prompts import load_prompt


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("ask", help="ask the model one question")
    p.add_argument("question", help="the question")
    p.add_argument("--no-stream", action="store_true", help="print the answer when complete")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_chat_model(settings_from_args(args))
    messages = [SystemMessage(load_prompt("ask_system")), HumanMessage(args.question)]
    if args.no_stream:
        print(model.invoke(messages).content)
    else:
        for chunk in model.stream(messages):
            sys.stdout.write(str(chunk.content))
            sys.stdout.flush()
        print()
    print(f"\n_{DISCLAIMER}_")
    return 0
