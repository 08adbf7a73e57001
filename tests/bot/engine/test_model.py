"""The ChatModel contract, run on the scripted stand-in, the real llama.cpp model in process and
the same model behind a real llama-cpp-python server (OpenAI API) on 127.0.0.1."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from bot.engine.model import (
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    ChatModel,
    LlamaCppModel,
    PackagedGGUF,
    packaged_model_path,
    small_model_path,
)
from bot.engine.server_model import ServerConfig, ServerModel
from index.errors import NewsdeskError
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


def _parts_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *parts: bytes) -> None:
    """A data-only package on sys.path holding `parts` as part1.bin, part2.bin, ..."""
    package = tmp_path / "site" / "newsdesk_test_parts"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for i, data in enumerate(parts, start=1):
        (package / f"part{i}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))


def _gguf(parts: int, data: bytes) -> PackagedGGUF:
    names = tuple(("newsdesk_test_parts", f"part{i}.bin") for i in range(1, parts + 1))
    return PackagedGGUF(names, hashlib.sha256(data).hexdigest(), len(data), "joined.gguf")


def test_a_model_in_parts_is_joined_once_checked_and_rejoined_when_cut_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _parts_package(tmp_path, monkeypatch, b"GGUF-first-", b"second")
    monkeypatch.setitem(PACKAGED_MODELS, "parts", _gguf(2, b"GGUF-first-second"))
    path = packaged_model_path("parts", tmp_path / "cache")
    assert path.read_bytes() == b"GGUF-first-second"
    assert packaged_model_path("parts", tmp_path / "cache") == path  # joined once
    path.write_bytes(b"GGUF-fir")  # cut short, e.g. a full disk
    assert packaged_model_path("parts", tmp_path / "cache").read_bytes() == b"GGUF-first-second"


def test_parts_that_do_not_make_the_expected_file_are_refused_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _parts_package(tmp_path, monkeypatch, b"GGUF-first-", b"tampered")
    monkeypatch.setitem(PACKAGED_MODELS, "parts", _gguf(2, b"GGUF-first-second"))
    with pytest.raises(NewsdeskError, match="do not make the expected GGUF"):
        packaged_model_path("parts", tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_model_from_an_extra_that_is_not_installed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PackagedGGUF(
        (("newsdesk_no_such_part", "part1.bin"),), "0" * 64, 1, "absent.gguf", extra="an-extra"
    )
    monkeypatch.setitem(PACKAGED_MODELS, "absent", missing)
    with pytest.raises(NewsdeskError, match=r"pip install 'newsdesk\[an-extra\]'"):
        packaged_model_path("absent", tmp_path / "cache")


def test_an_unknown_model_name_says_which_ones_exist() -> None:
    with pytest.raises(NewsdeskError, match=r"qwen2\.5-0\.5b"):
        packaged_model_path("gpt-5")


@pytest.mark.slow
def test_the_default_model_is_joined_from_its_wheels_with_the_published_hash(
    tmp_path: Path,
) -> None:
    path = packaged_model_path(DEFAULT_MODEL, tmp_path)
    assert path.stat().st_size == PACKAGED_MODELS[DEFAULT_MODEL].size == 1_117_320_768
    assert path.read_bytes()[:4] == b"GGUF"
