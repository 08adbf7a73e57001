"""One poll of a watched feed against a real HTTP server on 127.0.0.1 (index/feeds/poll.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from filelock import FileLock

from index.feeds.poll import PollLimits, PollResult, poll
from index.feeds.schedule import new_feed, status
from index.models import Feed
from newsdesk.app import App, build_catalog
from tests.index.conftest import Route, Server
from tests.index.feeds.rss import entry, feed_route

pytestmark = pytest.mark.usefixtures("every_store")  # SQLite + embedded, and on the servers

LIMITS = PollLimits(max_bytes=1_000_000, timeout=2.0, max_backoff=86400.0)
NOW = 1_800_000_000.0


def watched(app: App, url: str) -> Feed:
    feed = new_feed(url, every=1800.0, now=NOW)
    assert app.index.catalog.add_feed(feed)
    return feed


def saved(app: App, feed: Feed) -> Feed:
    return next(f for f in app.index.catalog.feeds() if f.feed_id == feed.feed_id)


def test_a_poll_indexes_new_entries_then_a_304_costs_no_indexing(
    app: App, http_server: Server
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)]))
    feed = watched(app, url)

    first = poll(app.index, feed, LIMITS, clock=lambda: NOW)
    assert first.outcome == "indexed"
    assert [a.title for a in first.new] == ["Story number 1", "Story number 2"]
    assert app.index.catalog.counts()[0] == 2
    state = saved(app, feed)
    assert (state.etag, state.entries_added, state.next_poll) == ('"v1"', 2, NOW + 1800)

    generation = app.index.catalog.generation()
    second = poll(app.index, state, LIMITS, clock=lambda: NOW + 1800)
    assert second.outcome == "not_modified" and second.new == ()
    assert http_server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert app.index.catalog.generation() == generation  # nothing was written
    assert saved(app, feed).next_poll == NOW + 3600


def test_a_changed_feed_adds_only_its_new_entries_deduped_by_guid(
    app: App, http_server: Server
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)], etag=None))
    feed = watched(app, url)
    poll(app.index, feed, LIMITS, clock=lambda: NOW)
    http_server.add("/feed.xml", feed_route([entry(3), entry(1), entry(2)], etag=None))

    again = poll(app.index, saved(app, feed), LIMITS, clock=lambda: NOW + 1800)

    assert [a.title for a in again.new] == ["Story number 3"]
    assert again.report is not None
    assert (again.report.added, again.report.unchanged) == (1, 2)
    assert saved(app, feed).entries_added == 3
    assert app.index.catalog.counts()[0] == 3


def test_the_same_entries_get_the_same_ids_as_index_add(app: App, http_server: Server) -> None:
    from index.ingest.load import load_source

    url = http_server.add("/feed.xml", feed_route([entry(1)], etag=None))
    app.index.add(load_source(url, max_bytes=1_000_000, timeout=2.0))
    result = poll(app.index, watched(app, url), LIMITS, clock=lambda: NOW)
    assert result.new == ()
    assert result.report is not None and result.report.unchanged == 1


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (Route(status=500, body=b"oops"), "HTTP 500"),
        (Route(body=b"<html><body>Not a feed</body></html>"), "not an RSS or Atom feed"),
    ],
)
def test_a_failing_feed_keeps_its_error_and_backs_off(
    app: App, http_server: Server, route: Route, reason: str
) -> None:
    feed = watched(app, http_server.add("/feed.xml", route))
    for n, wait in ((1, 3600), (2, 7200), (3, 14400)):
        result = poll(app.index, saved(app, feed), LIMITS, clock=lambda: NOW)
        assert result.outcome == "error" and reason in (result.error or "")
        state = saved(app, feed)
        assert (state.failures, state.next_poll - NOW) == (n, wait)
    assert status(saved(app, feed)) == "failing"
    assert app.index.catalog.counts() == (0, 0)


def test_429_and_503_wait_for_retry_after(app: App, http_server: Server) -> None:
    url = http_server.add(
        "/feed.xml", Route(status=429, body=b"slow down", headers={"Retry-After": "7200"})
    )
    feed = watched(app, url)
    poll(app.index, feed, LIMITS, clock=lambda: NOW)
    assert saved(app, feed).next_poll == NOW + 7200  # longer than the first backoff (3600)
    http_server.add("/feed.xml", Route(status=503, body=b"", headers={"Retry-After": "60"}))
    poll(app.index, saved(app, feed), LIMITS, clock=lambda: NOW)
    state = saved(app, feed)
    assert (state.failures, state.next_poll, state.last_error) == (
        2,
        NOW + 7200,  # the backoff (2 failures: 4 × 30 min) is longer than Retry-After
        "HTTP 503 Service Unavailable",
    )


def test_a_slow_feed_times_out_and_backs_off(app: App, http_server: Server) -> None:
    feed = watched(app, http_server.add("/feed.xml", replace(feed_route([entry(1)]), delay=3)))
    started = time.monotonic()
    result = poll(app.index, feed, replace(LIMITS, timeout=0.5), clock=lambda: NOW)
    assert time.monotonic() - started < 2.5
    assert result.outcome == "error" and "timed out" in (result.error or "")
    assert saved(app, feed).next_poll == NOW + 3600


def test_a_feed_removed_during_its_poll_stays_removed(app: App, http_server: Server) -> None:
    feed = watched(app, http_server.add("/feed.xml", feed_route([entry(1)])))
    app.index.catalog.remove_feed(feed.feed_id)
    result = poll(app.index, feed, LIMITS, clock=lambda: NOW)
    assert result.outcome == "indexed"
    assert app.index.catalog.feeds() == []


def test_a_feed_re_sent_unchanged_writes_nothing_and_takes_no_write_lock(
    app: App, http_server: Server
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)], etag=None))
    feed = watched(app, url)
    poll(app.index, feed, LIMITS, clock=lambda: NOW)
    generation = app.index.catalog.generation()
    other = build_catalog(app.settings)[1] or FileLock(str(app.settings.data_dir / "write.lock"))
    results: list[PollResult] = []
    with other:  # another process is indexing: an unchanged poll need not wait for it
        thread = threading.Thread(
            target=lambda: results.append(
                poll(app.index, saved(app, feed), LIMITS, clock=lambda: NOW + 1800)
            )
        )
        thread.start()
        thread.join(timeout=60)
    [again] = results
    assert again.outcome == "indexed" and again.new == ()
    assert again.report is not None and (again.report.added, again.report.unchanged) == (0, 2)
    assert app.index.catalog.generation() == generation
