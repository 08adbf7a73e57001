"""The loop that polls feeds (newsdesk/watch.py): one at a time, off the event loop, niced,
and alive through failures."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from index.errors import StoreUnavailableError
from index.feeds.schedule import new_feed
from newsdesk.app import App, build_catalog
from newsdesk.settings import Settings
from newsdesk.watch import Watcher, as_environment, limits, watching
from tests.index import conftest as index_fixtures
from tests.index.conftest import Server
from tests.index.feeds.rss import entry, feed_route

http_server = index_fixtures.http_server


@pytest.fixture
def fast(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", embedder="hashing", fetch_timeout=2.0)


def test_due_feeds_are_polled_one_at_a_time_in_order(fast: Settings, http_server: Server) -> None:
    app = App(fast)
    urls = [http_server.add(f"/{n}.xml", feed_route([entry(n)])) for n in range(3)]
    for n, url in enumerate(urls):
        app.index.catalog.add_feed(replace(new_feed(url, 1800.0, 100.0), next_poll=float(3 - n)))
    active, overlap = [0], [False]
    watcher = Watcher(lambda: app.index, limits(fast), clock=lambda: 10.0)
    original = watcher.client.send  # the one HTTP client of every poll, made on first use

    def counting(*args: object, **kwargs: object) -> object:
        active[0] += 1
        overlap[0] |= active[0] > 1
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            active[0] -= 1

    watcher.client.send = counting  # type: ignore[method-assign]
    results = watcher.run_due()
    assert [r.feed.url for r in results] == list(reversed(urls))  # longest waiting first
    assert not overlap[0] and all(r.outcome == "indexed" for r in results)
    assert watcher.run_due() == []  # all polled: none due until their `every` has passed


def test_the_loop_outlives_a_failing_catalog(
    fast: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    calls = [0]

    class Down:
        def feeds(self) -> list[object]:
            calls[0] += 1
            raise StoreUnavailableError("postgres://x", "refused", what="catalog", fix="start it")

    watcher = Watcher(lambda: App(fast).index, limits(fast), catalog=lambda: Down())  # type: ignore[arg-type,return-value]
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,))
    thread.start()
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and calls[0] >= 1
    assert "feed polling paused" in caplog.text


def test_an_answering_process_keeps_its_event_loop_while_a_feed_is_indexed(
    fast: Settings, http_server: Server
) -> None:
    """`bot`'s wiring: the poll of a 300-entry feed runs in the watcher thread; the event loop
    keeps ticking every 10 ms (a poll on the loop would stall it for the whole poll)."""
    url = http_server.add("/feed.xml", feed_route([entry(n) for n in range(300)]))
    build_catalog(fast)[0].add_feed(new_feed(url, 1800.0, time.time()))
    done = threading.Event()

    async def tick() -> tuple[float, float]:
        worst, started = 0.0, time.monotonic()
        with watching(fast, on_new=lambda feed, new: done.set()):
            last = time.monotonic()
            while not done.is_set() and time.monotonic() - started < 60:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                worst, last = max(worst, now - last), now
        return worst, time.monotonic() - started

    worst, polled = asyncio.run(tick())
    print(f"worst event-loop gap {worst * 1000:.0f} ms during a {polled:.1f} s poll")
    assert done.is_set() and App(fast).index.catalog.counts()[0] == 300
    assert polled > 0.3  # long enough that a poll on the loop would show as one long gap
    assert worst < polled / 4, (worst, polled)


def test_watching_can_be_turned_off(fast: Settings) -> None:
    with watching(fast.model_copy(update={"watch_feeds": False})):
        pass
    assert not any(t.name == "newsdesk-feeds" for t in threading.enumerate())


def test_a_restarted_bot_resumes_the_schedule_without_duplicates(
    fast: Settings, http_server: Server
) -> None:
    """Also the regression test of a lock bug: a header read that closed its descriptor dropped
    this process's SQLite locks, and the child's last connection deleted the -wal under the
    watcher's ("disk I/O error"); see `index.storage.sqlite_db._read_header`."""
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)], etag=None))
    catalog = build_catalog(fast)[0]
    catalog.add_feed(new_feed(url, 1800.0, time.time()))

    def polled() -> float | None:
        return catalog.feeds()[0].last_poll

    def wait_for(predicate: object, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not callable(predicate) or not predicate():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    with watching(fast):  # the first bot process
        wait_for(lambda: polled() is not None)
    first = polled()
    requests = len(http_server.requests)

    with watching(fast):  # restarted at once: the feed is not due for 30 minutes
        time.sleep(0.5)
    assert len(http_server.requests) == requests and polled() == first

    catalog.update_feed(replace(catalog.feeds()[0], next_poll=0.0))  # 30 minutes later
    with watching(fast):
        wait_for(lambda: polled() != first)
    assert App(fast).index.catalog.counts()[0] == 2  # polled again, nothing added twice
    assert catalog.feeds()[0].entries_added == 2


def test_the_child_process_gets_the_same_settings(fast: Settings) -> None:
    """`poll_in_child` hands its settings to `newsdesk watch --once` as the environment."""
    given = fast.model_copy(
        update={"discord_channels": [1, 2], "announce_channel": 5, "catalog_url": None}
    )
    env = as_environment(given)
    rebuilt = Settings(
        _env_file=None,  # type: ignore[call-arg]
        **{
            k.removeprefix("NEWSDESK_").lower(): v
            for k, v in env.items()
            if k.startswith("NEWSDESK_")
        },
    )
    assert rebuilt == given.model_copy(update={"data_dir": given.data_dir.resolve()})
