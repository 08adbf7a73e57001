"""Hybrid retrieval on a real Chroma; the hashing embedder keeps it fast and deterministic."""

from __future__ import annotations

import pytest

from index.models import Article, Chunk
from index.retrieve import _rrf
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.conftest import make_article

pytestmark = pytest.mark.usefixtures("every_store")  # embedded and a Chroma server


def chunk(cid: str) -> Chunk:
    return Chunk(cid, cid.split(":")[0], 0, cid, 0, 1)


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = _rrf([chunk("a:0"), chunk("b:0"), chunk("c:0")], [chunk("c:0"), chunk("b:0")])
    assert set(list(fused)[:2]) == {"b:0", "c:0"}
    assert list(fused)[2] == "a:0"


def test_search_finds_the_article_that_says_it(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    hits = app.retriever.search("Who scored twice for the football club?")
    assert hits[0].article.title == "Rovers promoted"
    assert hits[0].chunk.text in articles[2].text


def test_nothing_relevant_returns_nothing(settings: Settings, articles: list[Article]) -> None:
    app = App(settings.model_copy(update={"min_relevance": 0.5}))
    app.index.add(articles)
    assert app.retriever.search("quantum chromodynamics lattice gauge") == []
    assert app.retriever.search("quantum chromodynamics lattice gauge", threshold=False)


def test_search_caps_chunks_per_article(settings: Settings) -> None:
    app = App(settings.model_copy(update={"chunk_tokens": 32, "per_article_chunks": 2}))
    long = make_article(9, " ".join(f"The tram depot number {i} opened." for i in range(60)))
    app.index.add([long])
    hits = app.retriever.search("tram depot opened", k=10)
    assert len(hits) == 2


def test_an_empty_index_finds_nothing(app: App) -> None:
    assert app.retriever.search("anything", threshold=False) == []


@pytest.mark.slow
def test_real_embedder_ranks_by_meaning(tmp_path: object, articles: list[Article]) -> None:
    from pathlib import Path

    app = App(Settings(data_dir=Path(str(tmp_path)) / "real", embedder="minilm"))
    app.index.add(articles)
    assert app.retriever.search("Which player got two goals?")[0].article.title == "Rovers promoted"
    assert app.retriever.search("Who won the 2022 World Cup?") == []
