"""Outages of a real Chroma server: down at start, killed mid-batch, restarted, hung.

Each test starts its own server (it kills it). The promise under test: one clear error that
names the server, nothing half-visible, and the next run completes the work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from index.errors import StoreUnavailableError
from index.models import Article, Chunk
from index.storage.store import ChunkStore
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.conftest import ROOT, make_article
from tests.servers import ServerProcess, start_chroma

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_chroma(tmp_path / "chroma")
    try:
        yield server
    finally:
        server.kill()  # a throwaway: no graceful shutdown to wait for


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="hashing", chroma_url=url)


def _many(n: int) -> list[Article]:
    return [
        make_article(i, f"Report {i} on the harbour wall repairs, phase {i}.") for i in range(n)
    ]


def test_server_down_at_start_is_one_clear_line_and_exit_1(
    tmp_path: Path, closed_port_url: str
) -> None:
    page = tmp_path / "note.md"
    page.write_text("# Ferry\n\nThe ferry resumed sailing on Monday after a refit.\n")
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "NEWSDESK_EMBEDDER": "hashing",
        "NEWSDESK_CHROMA_URL": closed_port_url.rstrip("/"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "index", "add", str(page)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("error:") == 1 and "WARNING" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "cannot reach the Chroma server at http://127.0.0.1:" in message
    assert "(connection refused); nothing was lost" in message


def test_killed_mid_batch_loses_nothing_and_the_next_run_completes(
    tmp_path: Path, own_server: ServerProcess
) -> None:
    from index import indexer

    articles = _many(indexer.BATCH_ARTICLES + 10)
    app = App(_settings(tmp_path, own_server.url))

    def killing_stream() -> Iterator[Article]:
        for n, article in enumerate(articles):
            if n == indexer.BATCH_ARTICLES + 1:  # the first batch is committed by now
                own_server.kill()
            yield article

    with pytest.raises(StoreUnavailableError, match="cannot reach the Chroma server at"):
        app.index.add(killing_stream())

    # what was committed stays; nothing of the failed batch is visible in the catalog
    assert app.index.catalog.counts()[0] == indexer.BATCH_ARTICLES
    restarted = start_chroma(tmp_path / "chroma", port=int(own_server.url.rsplit(":", 1)[1]))
    try:
        again = App(_settings(tmp_path, own_server.url))
        report = again.index.add(articles)
        assert (report.added, report.unchanged) == (10, indexer.BATCH_ARTICLES)
        assert again.index.catalog.counts()[0] == len(articles)
        assert again.index.store.count(again.index.collection()) == again.index.catalog.counts()[1]
        hits = again.retriever.search("harbour wall repairs phase 70", threshold=False)
        assert hits and hits[0].article.title == "Article 70"
    finally:
        restarted.stop()


def test_a_restart_between_calls_reconnects(tmp_path: Path, own_server: ServerProcess) -> None:
    app = App(_settings(tmp_path, own_server.url))
    app.index.add(_many(3))
    port = int(own_server.url.rsplit(":", 1)[1])
    own_server.kill()
    with pytest.raises(StoreUnavailableError):
        app.retriever.search("harbour wall", threshold=False)
    restarted = start_chroma(tmp_path / "chroma", port=port)
    try:  # the same App (a running bot) works again without a restart of its own
        assert app.retriever.search("harbour wall repairs", threshold=False)
    finally:
        restarted.stop()


def test_a_hung_server_times_out_and_recovers(tmp_path: Path, own_server: ServerProcess) -> None:
    store = ChunkStore(tmp_path / "data", own_server.url, timeout=1.0)
    vector = np.ones((1, 8), dtype=np.float32) / np.sqrt(8)
    chunk = Chunk("a:0", "a", 0, "The harbour wall.", 0, 17)
    store.upsert("hung-test", [chunk], {"a": "h" * 16}, vector)
    os.killpg(own_server.proc.pid, signal.SIGSTOP)  # a hung server: connects, never answers
    try:
        with pytest.raises(StoreUnavailableError, match=r"\(no answer within 1 s\)"):
            store.query("hung-test", vector[0], 3)
    finally:
        os.killpg(own_server.proc.pid, signal.SIGCONT)
    hits = store.query("hung-test", vector[0], 3)
    assert [(h.chunk_id, h.content_hash) for h in hits] == [("a:0", "h" * 16)]
