"""The ChatModel contract, run on the scripted stand-in, the real llama.cpp model in process and
the same model behind a real llama-cpp-python server (OpenAI API) on 127.0.0.1."""

from __future__ import annotations

import itertools

import pytest

from bot.engine.model import ChatModel, LlamaCppModel, small_model_path
from bot.engine.server_model import ServerConfig, ServerModel
from tests.support import ScriptedModel


@pytest.fixture(
    params=[
        pytest.param("scripted"),
        pytest.param("llama", marks=pytest.mark.slow),
        pytest.param("llama-server", marks=[pytest.mark.slow, pytest.mark.server]),
    ]
)
def model(request: pytest.FixtureRequest) -> ChatModel:
    if request.param == "scripted":
        return ScriptedModel(["Paris is the capital of France."])
    if request.param == "llama-server":
        url = request.getfixturevalue("llama_server").url
        return ServerModel(ServerConfig(url, n_ctx=2048, temperature=0.0, seed=0))
    return LlamaCppModel(small_model_path(), n_ctx=1024, threads=0, temperature=0.0, seed=0)


MESSAGES = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


def test_complete_returns_text_and_streams_growing_prefixes(model: ChatModel) -> None:
    seen: list[str] = []
    reply = model.complete(MESSAGES, max_tokens=24, on_text=seen.append)
    assert isinstance(reply, str) and reply
    assert seen, "text must be streamed"
    assert all(b.startswith(a) for a, b in itertools.pairwise(seen))
    assert seen[-1].strip() == reply


def test_count_tokens_is_positive_and_monotonic(model: ChatModel) -> None:
    assert 0 < model.count_tokens("one two") < model.count_tokens("one two three four five six")


def test_the_context_window_is_declared(model: ChatModel) -> None:
    assert model.n_ctx >= 512


@pytest.mark.slow
def test_temperature_zero_is_repeatable() -> None:
    m = LlamaCppModel(small_model_path(), n_ctx=1024, threads=0, temperature=0.0, seed=0)
    assert m.complete(MESSAGES, max_tokens=16) == m.complete(MESSAGES, max_tokens=16)


def test_generation_ends_at_a_stop_string(model: ChatModel) -> None:
    if isinstance(model, ScriptedModel):
        model.replies = ["Red.\nGreen.\nBlue."]
    messages = [{"role": "user", "content": "Name three colours, one per line."}]
    reply = model.complete(messages, max_tokens=40, stop=["\n"])
    assert reply and "\n" not in reply
