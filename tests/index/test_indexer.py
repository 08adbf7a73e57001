"""The index against a real embedded Chroma (fresh data dir per test) with the hashing embedder."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from index.errors import EmbedderMismatchError
from index.models import Article, stable_id
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.conftest import ROOT
from tests.servers import server_env

pytestmark = pytest.mark.usefixtures("every_store")  # embedded and a Chroma server


def test_add_indexes_articles_and_chunks(app: App, articles: list[Article]) -> None:
    report = app.index.add(articles)
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    stats = app.index.stats()
    assert stats.articles == 3
    assert stats.chunks == report.chunks == app.index.store.count(app.index.collection())


def test_re_adding_unchanged_articles_is_a_no_op(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    generation = app.index.catalog.generation()
    report = app.index.add(articles)
    assert (report.added, report.updated, report.unchanged, report.chunks) == (0, 0, 3, 0)
    assert app.index.catalog.generation() == generation


def test_a_changed_article_replaces_all_its_chunks(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    long_text = " ".join(f"New sentence {i} about the tram." for i in range(200))
    changed = dataclasses.replace(articles[0], text=long_text, content_hash="")
    report = app.index.add([changed])
    assert (report.added, report.updated) == (0, 1)
    collection = app.index.collection()
    chunks = [c for c in app.index.catalog.chunks() if c.article_id == changed.article_id]
    assert len(chunks) == report.chunks > 1
    # the store holds exactly the new version's chunks plus the other articles' chunks
    others = sum(1 for c in app.index.catalog.chunks() if c.article_id != changed.article_id)
    assert app.index.store.count(collection) == len(chunks) + others


def test_remove_deletes_the_article_everywhere(app: App, articles: list[Article]) -> None:
    app.index.add(articles)
    assert app.index.remove(articles[1].article_id)
    assert not app.index.remove(articles[1].article_id)
    assert {r.article_id for r in app.index.catalog.records()} == {
        articles[0].article_id,
        articles[2].article_id,
    }
    remaining = app.index.catalog.counts()[1]
    assert app.index.store.count(app.index.collection()) == remaining


def test_a_different_embedder_is_refused_with_a_rebuild_hint(
    settings: Settings, articles: list[Article]
) -> None:
    App(settings).index.add(articles)
    other = App(settings.model_copy(update={"embedder": "minilm"}))
    with pytest.raises(EmbedderMismatchError, match="newsdesk index rebuild"):
        other.index.add(articles)
    with pytest.raises(EmbedderMismatchError):
        other.retriever.search("tram")


@pytest.mark.slow
def test_rebuild_switches_embedder_and_keeps_every_article(
    settings: Settings, articles: list[Article]
) -> None:
    App(settings).index.add(articles)
    other = App(settings.model_copy(update={"embedder": "minilm"}))
    chunks = other.index.rebuild()
    stats = other.index.stats()
    assert stats.embedder == "all-MiniLM-L6-v2-int8"
    assert (stats.articles, stats.chunks) == (3, chunks)
    hits = other.retriever.search("Which striker scored twice?", threshold=False)
    assert hits[0].article.title == "Rovers promoted"


def test_a_reader_sees_articles_added_by_another_app_without_restart(
    settings: Settings, articles: list[Article]
) -> None:
    reader, writer = App(settings), App(settings)
    writer.index.add(articles[:1])
    assert reader.retriever.search("tram line", threshold=False)
    writer.index.add(articles[1:])
    hits = reader.retriever.search("river flooded valley Millbrook", threshold=False)
    assert hits[0].article.title == "Valley floods"


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from index.models import Article, stable_id
    from newsdesk.app import App
    from newsdesk.settings import Settings
    app = App(Settings(data_dir=sys.argv[1], embedder="hashing"))
    target = app.index.store if sys.argv[2] == "upsert" else app.index.catalog
    real = getattr(target, sys.argv[2])
    def write_then_hang(*args, **kwargs):
        real(*args, **kwargs)
        print("WRITTEN", flush=True)
        time.sleep(60)  # killed here
    setattr(target, sys.argv[2], write_then_hang)
    text = " ".join(f"Half written sentence {i}." for i in range(100))
    crashes = [
        Article(article_id=stable_id(f"crash{n}"), title=f"Crash {n}", text=text, source="x")
        for n in range(2)
    ]
    app.index.add(crashes)
    """
)


@pytest.mark.parametrize(
    "stage",
    [
        "upsert",  # vectors written, catalog not committed
        "put",  # inside the commit: the first article's rows and FTS entries written, uncommitted
    ],
)
def test_kill_9_during_add_leaves_nothing_visible_and_a_rerun_completes(
    settings: Settings, articles: list[Article], stage: str
) -> None:
    App(settings).index.add(articles)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(settings.data_dir), stage],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **server_env(settings)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "WRITTEN"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    app = App(settings)
    assert {r.title for r in app.index.catalog.records()} == {a.title for a in articles}
    crash_ids = {stable_id(f"crash{n}") for n in range(2)}
    assert crash_ids.isdisjoint(
        c.article_id for c in app.index.catalog.lexical_search("Half written sentence", 10)
    )
    assert app.index.catalog.integrity() == ""  # no orphan or missing lexical entry
    hits = app.retriever.search("Half written sentence", k=10, threshold=False)
    assert all(not h.article.title.startswith("Crash") for h in hits)

    text = " ".join(f"Half written sentence {i}." for i in range(100))
    crashes = [
        Article(article_id=stable_id(f"crash{n}"), title=f"Crash {n}", text=text, source="x")
        for n in range(2)
    ]
    report = app.index.add(crashes)
    assert report.added == 2
    assert app.index.store.count(app.index.collection()) == app.index.catalog.counts()[1]
    assert app.index.catalog.integrity() == ""  # no orphan or missing lexical entry
    hits = app.retriever.search("Half written sentence", threshold=False)
    assert hits[0].article.title.startswith("Crash")
    lexical = app.index.catalog.lexical_search("Half written sentence", 50)
    assert crash_ids <= {c.article_id for c in lexical}


def test_writes_are_serialised_by_a_lock(settings: Settings, articles: list[Article]) -> None:
    app = App(settings)
    app.index.add(articles[:1])
    lock = app.index._lock
    with lock:
        started = time.monotonic()
        other = App(settings)
        other.index._lock.timeout = 0.3
        from filelock import Timeout

        with pytest.raises(Timeout):
            other.index.add(articles[1:])
    assert time.monotonic() - started >= 0.3
    # one host: a lock file; a shared PostgreSQL catalog: an advisory lock every host sees
    assert Path(settings.data_dir, "write.lock").exists() == (settings.catalog_url is None)


def test_a_running_reader_sees_what_the_cli_adds_in_another_process(
    settings: Settings, articles: list[Article], tmp_path: Path
) -> None:
    reader = App(settings)
    reader.index.add(articles[:1])
    assert reader.retriever.search("tram", threshold=False)
    page = tmp_path / "ferry.md"
    page.write_text(
        "# Ferry service resumes\n\nThe Kessock ferry resumed sailing on Monday "
        "after a winter refit, carrying 40 cars an hour across the firth.\n"
    )
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(settings.data_dir),
        "NEWSDESK_EMBEDDER": "hashing",
        "PYTHONPATH": str(ROOT),
        **server_env(settings),
    }
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "index", "add", str(page)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    hits = reader.retriever.search("Kessock ferry sailing refit", threshold=False)
    assert hits[0].article.title == "Ferry service resumes"
