"""One article with more chunks than the store accepts in one write is indexed in batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.models import Article, stable_id
from newsdesk.app import App
from newsdesk.settings import Settings


@pytest.mark.slow
def test_an_article_with_more_chunks_than_one_store_write_allows_is_indexed(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", embedder="hashing", chunk_tokens=32)
    app = App(settings)
    limit = app.index.store.max_batch()  # Chroma's get_max_batch_size (5,461 embedded)
    sentence = "The harbour board met on day {n} and approved berth number {n} for ferries. "
    text = "".join(sentence.format(n=n) for n in range(int(limit * 1.25)))
    article = Article(stable_id("huge"), "Harbour board minutes", text, "minutes.txt")
    report = app.index.add([article])
    assert report.chunks > limit, (report.chunks, limit)  # the case this test exists for
    assert app.index.store.count(app.index.collection()) == report.chunks
    assert app.index.stats().chunks == report.chunks
    hits = app.retriever.search("berth number 6100 ferries", threshold=False)
    assert hits and hits[0].article.article_id == article.article_id
