"""The transformers backend on real Gemma 3 weights and tokenizer (Gemma 3 270M GGUF, CPU)."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from medcite.agent.models import load_chat_model
from medcite.agent.models.hf_transformers import TransformersChatModel
from medcite.agent.models.thinking import split_thinking
from medcite.core.errors import ModelTimeoutError, ModelUnavailableError
from medcite.core.settings import Settings


@pytest.fixture(scope="module")
def gemma() -> TransformersChatModel:
    model = load_chat_model(
        Settings(model="transformers:gemma3-270m", max_new_tokens=16, thinking=True)
    )
    assert isinstance(model, TransformersChatModel)
    model.load()
    return model


def test_gemma_template_folds_system_into_first_user_turn(gemma: TransformersChatModel) -> None:
    prompt = gemma.render_prompt(gemma._chat([SystemMessage("Be brief."), HumanMessage("Hello")]))
    assert prompt == (
        "<bos><start_of_turn>user\nSYSTEM INSTRUCTION: think silently if needed.\n\nBe brief.\n\n"
        "Hello<end_of_turn>\n<start_of_turn>model\n"
    )


def test_generates_with_real_gemma3_weights(gemma: TransformersChatModel) -> None:
    msg = gemma.invoke([SystemMessage("Be brief."), HumanMessage("The capital of France is")])
    assert isinstance(msg, AIMessage)
    assert msg.usage_metadata is not None
    assert 0 < msg.usage_metadata["output_tokens"] <= 16
    assert msg.usage_metadata["input_tokens"] > 10
    assert "<end_of_turn>" not in str(msg.content)
    assert msg.response_metadata["finish_reason"] in {"stop", "length"}


def test_thinking_tokens_decode_and_are_stripped(gemma: TransformersChatModel) -> None:
    """The real tokenizer keeps <unused94>/<unused95> as single tokens; the decoded block is split off."""
    tokenizer, _ = gemma.load()
    ids = tokenizer(
        "<unused94>thought\nLDL is high.<unused95>Start a statin.<end_of_turn>",
        add_special_tokens=False,
    )
    assert tokenizer.convert_tokens_to_ids("<unused94>") in ids["input_ids"]
    decoded = tokenizer.decode(ids["input_ids"], skip_special_tokens=False)
    answer, thoughts = split_thinking(decoded)
    assert answer == "Start a statin."
    assert thoughts == "LDL is high."


def test_medgemma_hub_id_offline_is_a_clear_error() -> None:
    with pytest.raises(ModelUnavailableError) as info:
        load_chat_model(Settings(model="transformers:google/medgemma-27b-text-it"))
    text = str(info.value)
    assert (
        "not available offline" in text
        and "huggingface-cli download google/medgemma-27b-text-it" in text
    )
    assert "openai:http" in text


def test_a_call_over_the_time_limit_is_a_clear_error(gemma: TransformersChatModel) -> None:
    hurried = gemma.model_copy(update={"timeout_s": 0.001})  # same loaded weights
    with pytest.raises(ModelTimeoutError, match=r"within 0\.001 s \(MEDCITE_REQUEST_TIMEOUT_S\)"):
        hurried.invoke([HumanMessage("Count from one to ten.")])
    with pytest.raises(ModelTimeoutError):
        list(hurried.stream([HumanMessage("Count from one to ten.")]))
