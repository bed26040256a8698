"""The most tool calls one run may make (``MEDCITE_MAX_TOOL_CALLS``), rule-planned and model-requested alike."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

from medcite.core.errors import ToolCallLimitError


class _RefusalsAreFlags(logging.Filter):
    """LangChain logs every error a callback raises; a refusal is reported as a flag instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "ToolCallBudget" not in record.getMessage()


logging.getLogger("langchain_core.callbacks.manager").addFilter(_RefusalsAreFlags())


class ToolCallBudget(BaseCallbackHandler):
    """A run callback that refuses every tool call past ``limit``: the refused call fails with
    :class:`ToolCallLimitError`, which the graph reports as a ``tool_error`` flag; the run goes on."""

    raise_error = True  # the refusal must reach the tool, not be logged and ignored

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> None:
        self.used += 1
        if self.used > self.limit:
            raise ToolCallLimitError(
                f"{serialized.get('name')} was not run: this run reached its limit of {self.limit} tool calls "
                "(MEDCITE_MAX_TOOL_CALLS)"
            )
