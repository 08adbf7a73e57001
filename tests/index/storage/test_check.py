"""`index check` / `--repair` against a real embedded Chroma: each kind of damage is detected in
plain words, the safe ones are repaired, and what cannot be repaired says what will fix it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from filelock import FileLock

from index.errors import IndexDamagedError
from index.models import Article, Chunk
from index.storage.check import IndexBusyError, check, repair
from newsdesk.app import App
from newsdesk.settings import Settings


def kinds(app: App) -> set[str]:
    return {f.kind for f in check(app.index).findings}


def fresh(app: App) -> App:
    """A new process's view of the same data folder."""
    app.index.store.refresh()
    return App(app.settings)


def assert_repaired(app: App, kind: str) -> None:
    report = repair(app.index)
    assert report.ok, report.findings
    assert report.repaired, f"{kind}: nothing was done"
    assert check(fresh(app).index).ok
    hits = fresh(app).retriever.search("tram line Eastgate", threshold=False)
    assert hits and hits[0].article.title == "Tram line approved"


def test_a_consistent_index_checks_ok(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    report = check(app.index)
    assert report.ok and report.findings == () and report.notes == ()
    assert (report.articles, report.chunks) == (3, report.vectors)


def test_text_kept_in_the_store_is_a_note_that_rebuild_clears(
    app: App, articles: list[Article]
) -> None:
    app.index.add(articles)
    collection = app.index.store._collection(app.index.collection())
    got = collection.get(limit=1, include=["embeddings", "metadatas"])
    collection.upsert(ids=got["ids"], embeddings=got["embeddings"], documents=["old text"])
    report = check(app.index)
    assert report.ok and len(report.notes) == 1 and "index rebuild" in report.notes[0]
    app.index.rebuild()
    assert check(fresh(app).index).notes == ()


def test_vectors_gone_is_detected_refused_and_repaired(
    app: App, articles: list[Article], settings: Settings
) -> None:
    app.index.add(articles)
    app.index.store.refresh()
    shutil.rmtree(settings.data_dir / "chroma")
    app = App(settings)
    with pytest.raises(IndexDamagedError, match="vectors are gone"):
        app.retriever.search("tram")  # not "the articles don't cover that"
    (finding,) = check(app.index).findings
    assert finding.kind == "vectors-gone" and "3 articles" in finding.problem
    assert_repaired(app, "vectors-gone")


def test_chunks_without_vectors_are_detected_and_re_embedded(
    app: App, articles: list[Article]
) -> None:
    app.index.add(articles)
    collection = app.index.collection()
    some = sorted(app.index.store.record_ids(collection))[:2]
    app.index.store.delete_ids(collection, some)
    with pytest.raises(IndexDamagedError, match="2 of"):
        fresh(app).retriever.search("tram")
    assert kinds(app) == {"missing-vectors"}
    assert_repaired(app, "missing-vectors")


def test_orphan_vectors_are_detected_and_dropped(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    collection = app.index.collection()
    ghost = Chunk("ghost:0", "ghost", 0, "A removed article's passage.", 0, 10)
    vector = app.index.embedder.embed(["ghost"])
    app.index.store.upsert(collection, [ghost], {"ghost": "f" * 64}, vector)
    assert kinds(app) == {"orphan-vectors"}
    assert_repaired(app, "orphan-vectors")
    assert app.index.store.count(collection) == app.index.stats().chunks


def test_an_interrupted_rebuild_is_detected_and_cleaned(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    half = app.index.new_collection_name() + "-half"
    chunk = app.index.catalog.chunks()[0]
    app.index.store.upsert(
        half, [chunk], {chunk.article_id: "0" * 64}, np.ones((1, 384), dtype=np.float32)
    )
    app.index.catalog.set_meta("rebuilding", half)  # what a kill -9 mid-rebuild leaves
    assert "interrupted-rebuild" in kinds(app)
    assert_repaired(app, "interrupted-rebuild")
    assert half not in app.index.store.collections()


def test_an_interrupted_add_is_detected_and_cleaned(app: App, articles: list[Article]) -> None:
    app.index.add(articles[:2])
    late = articles[2]
    app.index.catalog.add_pending([(late.article_id, late.content_hash)])
    chunks = app.index.chunk(late)
    vectors = app.index.embedder.embed([c.text for c in chunks])
    app.index.store.upsert(
        app.index.collection(), chunks, {late.article_id: late.content_hash}, vectors
    )
    assert kinds(app) == {"interrupted-add"}
    report = repair(app.index)
    assert report.ok and app.index.catalog.pending() == []
    assert app.index.store.count(app.index.collection()) == app.index.stats().chunks


def test_an_embedder_mismatch_is_reported_not_repaired(
    app: App, articles: list[Article], settings: Settings
) -> None:
    app.index.add(articles)
    app.index.catalog.set_meta("embedder", "minilm-l6-int8")
    report = repair(app.index)
    (finding,) = report.findings
    assert finding.kind == "embedder" and not finding.repairable
    assert "newsdesk index rebuild" in finding.fix and report.repaired == ()


def test_check_waits_for_a_running_write_then_says_so(app: App, settings: Settings) -> None:
    other_process = FileLock(str(settings.data_dir / "write.lock"))  # its own lock file handle
    with other_process, pytest.raises(IndexBusyError, match="write is running"):
        check(app.index, wait=0.1)


def test_a_lexical_index_out_of_step_is_detected_and_rebuilt(
    app: App, articles: list[Article]
) -> None:
    app.index.add(articles)
    db = app.index.catalog._db  # type: ignore[attr-defined]  # damage it the way a bug would
    row = db.execute("SELECT id, title, text FROM chunks LIMIT 1").fetchone()
    db.execute(
        "INSERT INTO chunk_terms(chunk_terms, rowid, title, text) VALUES ('delete', ?, ?, ?)",
        tuple(row),
    )
    (finding,) = check(app.index).findings
    assert finding.kind == "lexical-mismatch" and "1 chunks not in the lexical index" in (
        finding.problem
    )
    assert_repaired(app, "lexical-mismatch")
