"""One poll of one watched feed: conditional fetch → `Index.add` → the feed's new state.

New entries go through `Index.add`, the path of `newsdesk index add`: the same parsing and
cleaning, the same identity (GUID) and content-hash dedupe, the same all-or-nothing batches and
crash recovery. A 304 costs one request and no indexing; a feed re-sent unchanged (a server
without validators) costs its parsing and one catalog read, and takes no write lock. The feed's
state is written after the articles are committed: a process killed in between polls the feed
again, and the dedupe makes that second poll add nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import httpx

from index.errors import NewsdeskError, SourceError, ThrottledError
from index.feeds.schedule import (
    FAILING_AFTER,
    after_error,
    after_not_modified,
    after_success,
    retry_after_seconds,
)
from index.indexer import AddReport, Index
from index.ingest.feeds import fetch_feed
from index.models import Article, Feed

log = logging.getLogger(__name__)

Outcome = Literal["indexed", "not_modified", "error"]


@dataclass(frozen=True)
class PollLimits:
    """What bounds a poll: the download (as `index add`'s) and how far failures back off."""

    max_bytes: int
    timeout: float
    max_backoff: float


@dataclass(frozen=True)
class PollResult:
    feed: Feed  # its state after the poll (as saved)
    outcome: Outcome
    new: tuple[Article, ...] = ()  # articles this poll added to the index (not updates)
    report: AddReport | None = None
    error: str | None = None
    seconds: float = 0.0  # wall time of the poll


def poll(
    index: Index,
    feed: Feed,
    limits: PollLimits,
    *,
    clock: Callable[[], float] = time.time,
    client: httpx.Client | None = None,
) -> PollResult:
    """Poll `feed` once, index what is new and save its state; never raises for a feed's or
    the index's expected failures (they are the feed's `last_error`, and it backs off)."""
    started = time.perf_counter()
    try:
        got = fetch_feed(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            max_bytes=limits.max_bytes,
            timeout=limits.timeout,
            client=client,
        )
        if got.not_modified:
            return _save(index, after_not_modified(feed, clock()), "not_modified", started)
        known = index.catalog.hashes(a.article_id for a in got.articles)
        changed = [a for a in got.articles if known.get(a.article_id) != a.content_hash]
        report = index.add(changed) if changed else AddReport()  # nothing new: no write lock
        report = replace(report, unchanged=report.unchanged + len(got.articles) - len(changed))
        new = tuple({a.article_id: a for a in changed if a.article_id not in known}.values())
        state = after_success(
            feed, clock(), added=report.added, etag=got.etag, last_modified=got.last_modified
        )
        return _save(index, state, "indexed", started, new=new, report=report)
    except ThrottledError as exc:
        now = clock()
        wait = retry_after_seconds(exc.retry_after, now)
        state = after_error(feed, now, exc.reason, max_backoff=limits.max_backoff, retry_after=wait)
        return _failed(index, state, started)
    except SourceError as exc:
        state = after_error(feed, clock(), exc.reason, max_backoff=limits.max_backoff)
        return _failed(index, state, started)
    except NewsdeskError as exc:  # the index could not take them (disk full, a server down)
        reason = f"indexing failed: {exc}"
        state = after_error(feed, clock(), reason, max_backoff=limits.max_backoff)
        return _failed(index, state, started)


def _save(
    index: Index,
    state: Feed,
    outcome: Outcome,
    started: float,
    *,
    new: tuple[Article, ...] = (),
    report: AddReport | None = None,
) -> PollResult:
    if not index.catalog.update_feed(state):
        log.info("feed removed while it was polled feed=%s url=%s", state.feed_id, state.url)
    seconds = time.perf_counter() - started
    log.info(
        "polled feed=%s outcome=%s added=%d seconds=%.3f",
        state.feed_id,
        outcome,
        report.added if report else 0,
        seconds,
    )
    return PollResult(state, outcome, new, report, None, seconds)


def _failed(index: Index, state: Feed, started: float) -> PollResult:
    try:
        index.catalog.update_feed(state)
    except NewsdeskError as exc:  # the catalog itself is down: the next poll retries
        log.warning("could not save feed=%s state: %s", state.feed_id, exc)
    level = logging.WARNING if state.failures >= FAILING_AFTER else logging.INFO
    log.log(
        level,
        "feed poll failed feed=%s url=%s failures=%d next_in=%.0fs error=%s",
        state.feed_id,
        state.url,
        state.failures,
        state.next_poll - (state.last_poll or state.next_poll),
        state.last_error,
    )
    seconds = time.perf_counter() - started
    return PollResult(state, "error", (), None, state.last_error, seconds)
