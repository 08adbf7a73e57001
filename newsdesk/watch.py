"""The loop that polls watched feeds: `newsdesk watch`, and what `newsdesk bot`/`chat` run.

One feed at a time, in the order `index.feeds.schedule.due` gives; between polls it sleeps until
the next feed is due (at most `IDLE` seconds, so feeds added meanwhile by `newsdesk feeds add` in
another process are noticed). The decisions are in `index.feeds.schedule`, a poll is
`index.feeds.poll.poll`; this module only sequences them and keeps the loop alive.

An answering process (`watching`) keeps only the schedule: when a feed is due it runs
`newsdesk watch --once` as a child process, which polls at the indexing niceness
(`NEWSDESK_INDEX_NICE`) with `NEWSDESK_INDEX_THREADS` embedder threads, as `index add` does, so
answers keep the CPU (and the GIL) they need.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path

import httpx
from pydantic import SecretStr

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
        """Built at the first due poll: a run with no feed due loads no embedder."""
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


def as_environment(settings: Settings) -> dict[str, str]:
    """`settings` as the NEWSDESK_* variables that rebuild them in a child process (the rest of
    the environment is kept; the data folder made absolute)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if name == "data_dir":
            value = Path(value).resolve()
        elif isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[f"NEWSDESK_{name.upper()}"] = str(value)
    return env


def poll_in_child(settings: Settings, stop: threading.Event) -> list[tuple[str, list[str]]]:
    """Run `newsdesk watch --once` in a child process (niced and with its own embedder threads,
    exactly as `index add`) and return (feed id, ids of the articles it added) per poll that
    added some. `stop` ends the child early: a poll cut short leaves the index consistent."""
    command = [sys.executable, "-m", "newsdesk", "watch", "--once", "--report-new"]
    child = subprocess.Popen(
        command,
        env=as_environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while True:
        try:
            out, err = child.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if stop.is_set():
                child.terminate()
    if child.returncode not in (0, 1):  # 1: a feed's poll failed (the feed records why)
        log.warning("feed polling process failed code=%s: %s", child.returncode, err[-500:])
    reports = []
    for line in out.splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = json.loads(line)
            reports.append((str(data["feed_id"]), [str(i) for i in data["new"]]))
    return reports


@contextlib.contextmanager
def watching(settings: Settings, on_new: OnNew | None = None) -> Iterator[None]:
    """Poll the watched feeds while the block runs (when `NEWSDESK_WATCH_FEEDS` is on).

    A thread of this process reads the schedule from the catalog and, when a feed is due, runs
    the polls in a child process (`poll_in_child`). Not in a thread of this one: a niced thread
    holding the GIL would stall the event loop when the machine is busy (priority inversion;
    measured: worst event-loop gap 1.3 s in-process at nice 10, see bench/feed_bench.py), and the
    child's embedder is freed when it exits. New articles are then read from the catalog and
    handed to `on_new` (in the thread)."""
    if not settings.watch_feeds:
        yield None
        return
    from newsdesk.app import build_catalog

    stop = threading.Event()

    def run() -> None:
        catalog: Catalog | None = None
        while not stop.is_set():
            try:
                catalog = catalog or build_catalog(settings)[0]
                if due(catalog.feeds(), time.time()):
                    _announce(catalog, poll_in_child(settings, stop), on_new)
                wait = seconds_until_due(catalog.feeds(), time.time(), IDLE)
            except NewsdeskError as exc:  # the catalog is down: try again later
                log.warning("feed polling paused: %s", exc)
                catalog, wait = None, IDLE
            except Exception:  # the thread outlives any single failure
                log.exception("feed polling failed; retrying in %.0fs", IDLE)
                wait = IDLE
            stop.wait(wait)

    thread = threading.Thread(target=run, name="newsdesk-feeds", daemon=True)
    thread.start()
    try:
        yield None
    finally:
        stop.set()
        thread.join(timeout=30)


def _announce(catalog: Catalog, reports: list[tuple[str, list[str]]], on_new: OnNew | None) -> None:
    if on_new is None or not reports:
        return
    feeds = {f.feed_id: f for f in catalog.feeds()}
    for feed_id, ids in reports:
        articles = tuple(a for i in ids if (a := catalog.article(i)) is not None)
        if feed_id in feeds and articles:
            try:
                on_new(feeds[feed_id], articles)
            except Exception:  # an announcement never stops the polling
                log.exception("announcing feed=%s failed", feed_id)
