"""The packaged relevance cross-encoder, for real: its hashes, and what it ranks first.

The sentences are our own writing (`tests.bot.engine.tram`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import relevance as relevance_module
from bot.engine.relevance import MsMarcoRelevance
from index.errors import NewsdeskError
from tests.bot.engine.tram import CAPACITY, COST, START

OTHER = "The council also approved a new cycle lane on Mill Street."


@pytest.fixture(scope="module")
def relevance() -> MsMarcoRelevance:
    return MsMarcoRelevance()


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How much did the Eastgate tram line cost?", COST),
        ("When did building work on the tram line start?", START),
        ("How many people fit in one of the trams?", CAPACITY),
    ],
)
def test_the_sentence_that_answers_scores_highest(
    relevance: MsMarcoRelevance, question: str, answer: str
) -> None:
    sentences = [COST, CAPACITY, START, OTHER]
    scores = dict(zip(sentences, relevance.score(question, sentences), strict=True))
    assert max(scores, key=scores.__getitem__) == answer, scores


def test_no_sentences_no_scores(relevance: MsMarcoRelevance) -> None:
    assert relevance.score("How much did it cost?", []) == []


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(relevance_module, "package_file", lambda *_parts: fake)
    with pytest.raises(NewsdeskError, match="sha256"):
        MsMarcoRelevance().score("How much did it cost?", [COST])
