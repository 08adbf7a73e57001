"""The packaged reader, for real: its hash, what it scores, and its veto in the answering path.

The sentences are our own writing (a tram line that never existed). The real twin of
`tests.support.FixedReader`: the same veto, decided by what the reader reads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import reader as reader_module
from bot.engine.answer import AnswerService
from bot.engine.evidence import Evidence, Weights
from bot.engine.reader import OnnxReader, packaged_reader_path
from index.errors import NewsdeskError
from index.models import Article
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.bot.engine.tram import CAPACITY, COST, START, TITLE
from tests.support import ScriptedModel

SHIPPED_VETO = Settings.model_fields["reader_veto"].default


@pytest.fixture(scope="module")
def reader() -> OnnxReader:
    return OnnxReader()


def test_the_packaged_reader_must_have_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert packaged_reader_path().stat().st_size > 10_000_000
    copy = tmp_path / "reader.onnx"
    shutil.copyfile(packaged_reader_path(), copy)
    with copy.open("r+b") as handle:
        handle.seek(-1, 2)
        handle.write(b"\x00" if handle.read(1) != b"\x00" else b"\x01")
    monkeypatch.setattr(reader_module.resources, "files", lambda _package: tmp_path)
    with pytest.raises(NewsdeskError, match="sha256"):
        packaged_reader_path()


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How much did the Eastgate tram line cost?", COST),
        ("When did construction of the Eastgate tram line begin?", START),
    ],
)
def test_the_reader_finds_the_sentence_that_states_the_asked_fact(
    reader: OnnxReader, question: str, answer: str
) -> None:
    items = [(TITLE, COST), (TITLE, CAPACITY), (TITLE, START)]
    scores = dict(zip((s for _, s in items), reader.score(question, items), strict=True))
    assert scores[answer] > 0.5
    assert all(p < 0.1 for s, p in scores.items() if s != answer), scores


def test_the_reader_finds_no_answer_to_a_question_its_topic_does_not_answer(
    reader: OnnxReader,
) -> None:
    """A near miss: the tram line is the topic, its designer is never named."""
    items = [(TITLE, COST), (TITLE, CAPACITY), (TITLE, START)]
    assert max(reader.score("Who designed the Eastgate trams?", items)) < 0.1
    assert reader.score("Who designed the Eastgate trams?", []) == []


def test_a_sentence_without_the_asked_count_is_not_an_answer(reader: OnnxReader) -> None:
    """Reader v5 gave this 0.94 (a strict xfail until round 16); v8 sees no number there."""
    items = [("Valley floods", "Residents of Millbrook were moved to the school hall.")]
    assert reader.score("How many residents were moved?", items)[0] < 0.5
    counted = [("Valley floods", "About 300 residents of Millbrook were moved to the hall.")]
    assert reader.score("How many residents were moved?", counted)[0] > 0.5  # the count: an answer


@pytest.mark.parametrize(
    ("question", "reply", "vetoed"),
    [
        ("How many fans watched the promotion match?", "About 9,000 fans [3].", True),
        ("Who scored twice for the football club?", "Striker Kyle Ansah scored twice [1].", False),
    ],
)
def test_the_packaged_reader_vetoes_a_near_miss_and_lets_an_answer_through(
    app: App,
    articles: list[Article],
    reader: OnnxReader,
    question: str,
    reply: str,
    vetoed: bool,
) -> None:
    app.index.add(articles)
    evidence = Evidence(app.embedder.embed, Weights.load().for_embedder(app.embedder.name))
    model = ScriptedModel([reply])
    engine = AnswerService(
        app.retriever, lambda: model, evidence, reader=lambda: reader, veto_below=SHIPPED_VETO
    )
    answer = engine.answer(question)
    if vetoed:
        assert model.calls == [] and answer.mode == "near-miss", answer.text
        assert "9,000" not in answer.text
    else:
        assert answer.mode == "model" and "Kyle Ansah" in answer.text, answer.text
