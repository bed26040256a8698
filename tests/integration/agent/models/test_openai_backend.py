"""The OpenAI-compatible backend against a real llama.cpp server on loopback."""

from __future__ import annotations

import socket
import threading

import pytest
from langchain_core.tools import tool

from medcite.agent.models import load_chat_model
from medcite.core.errors import ModelTimeoutError, ModelUnavailableError
from medcite.core.settings import Settings
from tests.fixtures.models import free_port


@tool
def get_allergies(patient: str) -> str:
    """List the allergies of a patient."""
    return ""


def test_chat_over_http(llamacpp_server: str) -> None:
    model = load_chat_model(Settings(model=f"openai:{llamacpp_server}#smollm2", max_new_tokens=48))
    msg = model.invoke("Name one vitamin.")
    assert isinstance(msg.content, str) and msg.content.strip()
    assert msg.usage_metadata and msg.usage_metadata["input_tokens"] > 0


def test_streaming_over_http(llamacpp_server: str) -> None:
    model = load_chat_model(Settings(model=f"openai:{llamacpp_server}#smollm2", max_new_tokens=32))
    pieces = [str(c.content) for c in model.stream("Count from one to five.")]
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_constrained_tool_call_over_http(llamacpp_server: str) -> None:
    model = load_chat_model(Settings(model=f"openai:{llamacpp_server}#smollm2", max_new_tokens=64))
    msg = model.bind_tools([get_allergies], tool_choice="get_allergies").invoke(
        "Allergies of patient p1?"
    )
    assert msg.tool_calls, msg.response_metadata
    assert msg.tool_calls[0]["name"] == "get_allergies"
    assert isinstance(msg.tool_calls[0]["args"]["patient"], str)
    assert msg.response_metadata["constrained"] is True


def test_unreachable_server_is_a_clear_error() -> None:
    model = load_chat_model(
        Settings(model=f"openai:http://127.0.0.1:{free_port()}/v1#medgemma", max_new_tokens=8)
    )
    with pytest.raises(ModelUnavailableError, match="Cannot reach the model server"):
        model.invoke("hi")


def test_a_server_that_does_not_answer_in_time_is_a_timeout_error() -> None:
    """A loopback server that accepts the request and never replies."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        accepted: list[socket.socket] = []
        waiter = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
        waiter.start()
        model = load_chat_model(
            Settings(model=f"openai:http://127.0.0.1:{port}/v1#medgemma", max_new_tokens=8, request_timeout_s=0.5)
        )
        with pytest.raises(ModelTimeoutError, match=r"medgemma did not finish one call within 0\.5 s"):
            model.invoke("hi")
        waiter.join(timeout=5)
        for conn in accepted:
            conn.close()
