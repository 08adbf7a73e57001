"""The loop that polls watched feeds: `newsdesk watch`, and a thread of `newsdesk bot`/`chat`.

One feed at a time, in the order `index.feeds.schedule.due` gives; between polls it sleeps until
the next feed is due (at most `IDLE` seconds, so feeds added meanwhile by `newsdesk feeds add` in
another process are noticed). The decisions are in `index.feeds.schedule`, a poll is
`index.feeds.poll.poll`; this module only sequences them and keeps the thread alive.

Inside an answering process the polls run in their own thread, off the event loop, at the
indexing niceness (`NEWSDESK_INDEX_NICE`, set for that thread alone) with their own embedder of
`NEWSDESK_INDEX_THREADS` threads, so answers keep the CPU they need.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from functools import cached_property

import httpx

from index.errors import NewsdeskError
from index.feeds.poll import PollLimits, PollResult, poll
from index.feeds.schedule import due, seconds_until_due
from index.indexer import Index
from index.models import Article, Feed
from index.storage.catalog import Catalog
from newsdesk.settings import Settings

log = logging.getLogger(__name__)

IDLE = 30.0
"""The longest the loop sleeps without looking at the catalog's feeds again."""

OnNew = Callable[[Feed, tuple[Article, ...]], None]
"""Called (in the polling thread) with the articles a poll added: the announcements' hook."""


def limits(settings: Settings) -> PollLimits:
    return PollLimits(settings.max_source_bytes, settings.fetch_timeout, settings.feed_max_backoff)


class Watcher:
    """Polls the due feeds of one index, one at a time."""

    def __init__(
        self,
        index: Callable[[], Index],
        poll_limits: PollLimits,
        *,
        catalog: Callable[[], Catalog] | None = None,
        on_new: OnNew | None = None,
        on_poll: Callable[[PollResult], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._make_index = index
        self._make_catalog = catalog
        self._limits = poll_limits
        self._on_new = on_new
        self._on_poll = on_poll
        self._clock = clock

    @cached_property
    def index(self) -> Index:
        """Built at the first due poll, in the polling thread: a process whose feeds are never
        due (or that watches none) loads no second embedder, and its threads inherit the nice."""
        return self._make_index()

    @cached_property
    def client(self) -> httpx.Client:
        """One HTTP client for every poll: making one costs ~50 ms (its TLS context), more
        than a whole 304 poll."""
        return httpx.Client(timeout=self._limits.timeout, follow_redirects=True)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()

    @cached_property
    def catalog(self) -> Catalog:
        """Where the feeds are listed: its own connection if given, else the index's."""
        return self._make_catalog() if self._make_catalog else self.index.catalog

    def run_due(self, stop: threading.Event | None = None) -> list[PollResult]:
        """Poll every feed that is due now, one after the other; the results in poll order."""
        results = []
        for feed in due(self.catalog.feeds(), self._clock()):
            if stop is not None and stop.is_set():
                break
            result = poll(self.index, feed, self._limits, clock=self._clock, client=self.client)
            results.append(result)
            if self._on_poll is not None:
                self._on_poll(result)
            if result.new and self._on_new is not None:
                try:
                    self._on_new(result.feed, result.new)
                except Exception:  # an announcement never stops the polling
                    log.exception("announcing feed=%s failed", result.feed.feed_id)
        return results

    def run(self, stop: threading.Event) -> None:
        """Poll on schedule until `stop` is set; a failure is logged and the loop goes on."""
        try:
            self._loop(stop)
        finally:
            self.close()

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_due(stop)
                wait = seconds_until_due(self.catalog.feeds(), self._clock(), IDLE)
            except NewsdeskError as exc:  # the catalog or the store is down: try again later
                log.warning("feed polling paused: %s", exc)
                wait = IDLE
            except Exception:  # the thread outlives any single failure
                log.exception("feed polling failed; retrying in %.0fs", IDLE)
                wait = IDLE
            stop.wait(wait)


def lower_thread_priority(nice: int) -> None:
    """Give up CPU priority for the calling thread only (Linux: a thread is a task with its own
    nice value); elsewhere, nothing."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))


@contextlib.contextmanager
def watching(settings: Settings, on_new: OnNew | None = None) -> Iterator[Watcher | None]:
    """Poll feeds in a background thread while the block runs (when `NEWSDESK_WATCH_FEEDS` is
    on); the thread builds its own indexing parts (`newsdesk.app.build_feed_index`)."""
    if not settings.watch_feeds:
        yield None
        return
    from newsdesk.app import build_catalog, build_feed_index

    watcher = Watcher(
        lambda: build_feed_index(settings),
        limits(settings),
        catalog=lambda: build_catalog(settings)[0],
        on_new=on_new,
    )
    stop = threading.Event()

    def run() -> None:
        lower_thread_priority(settings.index_nice)
        watcher.run(stop)

    thread = threading.Thread(target=run, name="newsdesk-feeds", daemon=True)
    thread.start()
    try:
        yield watcher
    finally:
        stop.set()
        thread.join(timeout=settings.fetch_timeout + 5)  # a poll in flight ends or is abandoned
