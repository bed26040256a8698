"""Named fakes for unit tests of logic only (graph routing, repair loops). Never used for behaviour tests."""

from __future__ import annotations

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


class CapableScriptedChatModel(FakeScriptedChatModel):
    """Stands for a capable model (MedGemma 27B, GPT-4 class) in graph tests: replies with the drafts it is given,
    written the way such models write cited answers. The draft's content is the test's; the graph's handling of it
    (verification, which answer leads) is what is tested."""

    @property
    def _llm_type(self) -> str:
        return "capable-scripted"
