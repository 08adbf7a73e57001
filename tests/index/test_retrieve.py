"""Hybrid retrieval on a real Chroma; the hashing embedder keeps it fast and deterministic."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from index.indexer import embed_text
from index.models import Article, Chunk
from index.retrieve import _rrf
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.conftest import ROOT, make_article
from tests.servers import server_env

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


_OTHER_PROCESS = textwrap.dedent(
    """
    import json, sys
    from index.models import Article
    from newsdesk.app import App
    from newsdesk.settings import Settings
    index = App(Settings(data_dir=sys.argv[1], embedder="hashing")).index  # + NEWSDESK_* env
    for op in json.loads(sys.argv[2]):
        if op["do"] == "add":
            index.add([Article(**a) for a in op["articles"]])
        else:
            index.remove(op["id"])
    """
)


def in_another_process(settings: Settings, *ops: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(settings.data_dir), json.dumps(ops)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **server_env(settings)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def add(*articles: Article) -> dict[str, Any]:
    return {"do": "add", "articles": [dataclasses.asdict(a) for a in articles]}


def test_a_searching_process_catches_up_on_small_writes_without_reloading_the_store(
    app: App, settings: Settings, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    app.index.add(articles)
    assert app.retriever.search("tram line", threshold=False)
    reloads: list[int] = []
    real_refresh = app.index.store.refresh
    monkeypatch.setattr(app.index.store, "refresh", lambda: reloads.append(1) or real_refresh())

    ferry = make_article(7, "The Kessock ferry resumed sailing after a winter refit.", "Ferry")
    changed = dataclasses.replace(
        articles[0], text="The Brackenford tram plan was shelved for a cycle lane.", content_hash=""
    )
    in_another_process(
        settings, add(ferry, changed), {"do": "remove", "id": articles[1].article_id}
    )
    hits = app.retriever.search("Kessock ferry sailing refit", threshold=False)
    assert hits[0].article.title == "Ferry"
    embed = app.index.embedder.embed
    expected = (
        embed([embed_text("Ferry", hits[0].chunk)])[0] @ embed(["Kessock ferry sailing refit"])[0]
    )
    assert hits[0].score == pytest.approx(float(expected), abs=1e-3)  # embedded here, exactly
    tram = app.retriever.search("Brackenford tram", k=5, threshold=False)
    assert [h.chunk.text for h in tram if h.article.article_id == changed.article_id] == [
        changed.text
    ]
    valley = app.retriever.search("river flooded valley Millbrook", k=5, threshold=False)
    assert all(h.article.title != "Valley floods" for h in valley)
    live = app.index.store.live  # a Chroma server: nothing to reload, each change refreshes
    assert reloads == ([1] if live else [])

    many = [make_article(100 + n, f"Lighthouse keeper number {n} retired.") for n in range(70)]
    in_another_process(settings, add(*many))
    hits = app.retriever.search("lighthouse keeper retired", k=5, threshold=False)
    assert hits[0].article.title.startswith("Article 1")
    assert reloads == ([1, 1] if live else [1])  # > DELTA_CHUNKS new chunks: reload instead


def test_the_store_holds_vectors_and_ids_only(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    got = app.index.store._collection(app.index.collection()).get(
        include=["documents", "metadatas"]
    )
    assert got["ids"] and set(got["documents"]) == {None}
    assert {frozenset(m) for m in got["metadatas"]} == {frozenset({"article_id", "content_hash"})}


def test_an_index_with_text_in_the_store_searches_the_same(
    app: App, articles: list[Article]
) -> None:
    """Indexes written before the store dropped chunk text (documents and offsets in Chroma)."""
    app.index.add(articles)
    question = "Who scored twice for the football club?"
    before = app.retriever.search(question)
    collection = app.index.store._collection(app.index.collection())
    got = collection.get(include=["embeddings", "metadatas"])
    chunks = {c.chunk_id: c for c in app.index.catalog.chunks()}
    old = [chunks[rid.rpartition("@")[0]] for rid in got["ids"]]
    collection.upsert(  # the old shape: text as the document, every field as metadata
        ids=got["ids"],
        embeddings=got["embeddings"],
        documents=[c.text for c in old],
        metadatas=[
            dict(m, chunk_id=c.chunk_id, ordinal=c.ordinal, start=c.start, end=c.end)
            for m, c in zip(got["metadatas"], old)
        ],
    )
    app.index.store.refresh()
    assert App(app.settings).retriever.search(question) == before
