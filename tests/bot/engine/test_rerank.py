"""The passages an answer reads: the retriever's pool reordered by a cross-encoder.

A fast stand-in scorer checks the mechanics; its real twin is the packaged cross-encoder over
passages of our own writing (`tests.bot.engine.tram`)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.engine.relevance import MsMarcoRelevance
from bot.engine.rerank import Reranked, Score, passage_text
from index.dates import Window
from index.models import ArticleRecord, Chunk, Retrieved
from index.retrieve import RetrievalConfig
from tests.bot.engine.tram import CAPACITY, COST, START, TITLE


def hit(n: int, title: str, text: str) -> Retrieved:
    record = ArticleRecord(f"a{n}", title, "s", None, None, None, None, "h", 1, 0.0)
    return Retrieved(Chunk(f"a{n}:0", f"a{n}", 0, text, 0, len(text)), record, 0.9 - n / 10)


HITS = [
    hit(0, "City council meets", "The council also approved a new cycle lane on Mill Street."),
    hit(1, TITLE, f"{START} {CAPACITY}"),
    hit(2, TITLE, COST),
    hit(3, "Weather", "Rain is expected across the region on Saturday."),
]


class Found:
    """A retriever stand-in: its hits in its own order, and the calls it was asked."""

    def __init__(self, hits: Sequence[Retrieved]) -> None:
        self.hits = list(hits)
        self.asked: list[tuple[int | None, Window | None]] = []
        self.config = RetrievalConfig(top_k=2)

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        threshold: bool = True,
        window: Window | None = None,
    ) -> list[Retrieved]:
        self.asked.append((k, window))
        return self.hits[: k or self.config.top_k]


def by_word(word: str) -> tuple[list[tuple[str, Sequence[str]]], Score]:
    calls: list[tuple[str, Sequence[str]]] = []

    def score(query: str, passages: Sequence[str]) -> list[float]:
        calls.append((query, passages))
        return [float(word in p) for p in passages]

    return calls, score


def test_the_pool_is_read_and_the_best_scored_passages_kept_in_score_order() -> None:
    found = Found(HITS)
    calls, score = by_word("million")
    hits = Reranked(found, score, pool=4).search("How much did it cost?")
    assert found.asked == [(4, None)]
    assert [h.chunk.text for h in hits] == [COST, HITS[0].chunk.text]  # a tie keeps its order
    assert calls[0][1][2] == f"{TITLE}. {COST}"  # the title is read with the passage


def test_a_search_for_the_newest_keeps_the_retrievers_order() -> None:
    found = Found(HITS)
    calls, score = by_word("million")
    for window in (Window(newest=True), Window(soft=True)):
        hits = Reranked(found, score, pool=4).search("latest?", window=window)
        assert hits == HITS[:2]
    assert calls == [] and [k for k, _ in found.asked] == [2, 2]


def test_one_hit_or_none_is_not_scored() -> None:
    calls, score = by_word("million")
    for hits in ([], HITS[:1]):
        assert Reranked(Found(hits), score, pool=8).search("q?") == hits
    assert calls == []


def test_passage_text_without_a_title_is_the_passage() -> None:
    assert passage_text(hit(5, " ", COST)) == COST


@pytest.mark.slow
def test_the_real_cross_encoder_puts_the_passage_that_answers_first() -> None:
    found = Found(HITS)
    relevance = MsMarcoRelevance()
    reranked = Reranked(found, relevance.score_passages, pool=4)
    assert reranked.search("How much did the Eastgate tram line cost?", 1)[0].chunk.text == COST
    first = reranked.search("How many passengers does each tram carry?", 1)[0]
    assert CAPACITY in first.chunk.text
