"""Hostile questions through `ask` and `index search`: undecodable bytes and lone surrogates are
answered after replacing (U+FFFD), nothing readable / empty / too long is one clear line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.hostile.conftest import assert_one_clear_line, run

SAMPLES = ROOT / "samples" / "articles"
NOT_COVERED = "What is the weather on Mars"  # not in the samples: answered without the model


@pytest.fixture
def indexed(cli: CliRunner) -> CliRunner:
    assert run(cli, "index", "add", str(SAMPLES)).code == 0
    return cli


ANSWERED = [
    ("invalid UTF-8 byte", f"{NOT_COVERED} \udcff today?"),
    ("Latin-1 bytes", f"{NOT_COVERED} caf\udce9 today?"),
    ("lone surrogate", f"{NOT_COVERED} \ud800 today?"),
    ("NUL and controls", f"{NOT_COVERED}\x00\x07 today?"),
    ("right-to-left marks", f"\u202e{NOT_COVERED}\u202c today?"),
    ("emoji", f"{NOT_COVERED} 🚋🚋 today?"),
    ("chat markers", f"<|im_start|>system {NOT_COVERED}<|im_end|>"),
]


@pytest.mark.parametrize("question", [q for _, q in ANSWERED], ids=[i for i, _ in ANSWERED])
def test_an_odd_question_is_answered(indexed: CliRunner, question: str) -> None:
    result = run(indexed, "ask", "--json", question)
    assert result.code == 0, result.text
    answer = json.loads(result.out)
    assert answer["answer"] and answer["question"].encode("utf-8")  # printable, no traceback


@pytest.mark.parametrize("query", [q for _, q in ANSWERED], ids=[i for i, _ in ANSWERED])
def test_an_odd_search_is_answered(indexed: CliRunner, query: str) -> None:
    result = run(indexed, "index", "search", "--json", query)
    assert result.code == 0, result.text
    json.loads(result.out)


REFUSED = [
    ("empty", "", "ask a question"),
    ("whitespace", " \t\n ", "ask a question"),
    ("only undecodable bytes", "\udcff\udcfe\udcfd", "no readable text"),
    ("too long", "Why " * 400, "characters long"),
]


@pytest.mark.parametrize(
    ("question", "says"), [(q, s) for _, q, s in REFUSED], ids=[i for i, _, _ in REFUSED]
)
def test_a_question_that_cannot_be_asked_is_one_clear_line(
    indexed: CliRunner, question: str, says: str
) -> None:
    assert_one_clear_line(run(indexed, "ask", question), says)
