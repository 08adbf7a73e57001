"""When to poll a watched feed: plain functions of a `Feed`, the time and a poll's outcome.

In the spirit of lemon24/reader's `_update.py`: the decisions are data in, data out, so each is
tested as a table and the loop that runs polls (newsdesk/watch.py) only sleeps and calls them.

- A new feed is due at once; after a success or a 304 the next poll is `every` later.
- After a failure the wait doubles with each consecutive failure (`every` × 2^failures), capped
  at `max_backoff` but never shorter than `every`; a 429/503 waits at least its Retry-After
  (seconds or an HTTP date; at most `MAX_RETRY_AFTER`).
- A feed is never dropped: after `FAILING_AFTER` failures in a row it is reported as failing
  (in `feeds list`, `index stats` and the log) and still polled, at the capped interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from email.utils import parsedate_to_datetime
from typing import Literal

from index.models import Feed, feed_id

MIN_EVERY = 60.0
MAX_EVERY = 7 * 86400.0
MAX_RETRY_AFTER = 7 * 86400.0
"""A Retry-After further away than this is read as this (a week): the feed stays watched."""
FAILING_AFTER = 3
"""Consecutive failed polls after which a feed is reported as failing."""

Status = Literal["new", "ok", "retrying", "failing"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_EVERY = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")


def parse_every(text: str) -> float:
    """`30m`, `1h30m`, `90s`, `2d` (or a bare number of minutes) → seconds, within bounds;
    `ValueError` saying what is accepted otherwise."""
    spec = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", spec):
        seconds = float(spec) * 60
    elif spec and re.fullmatch(f"(?:{_EVERY.pattern})+", spec):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _EVERY.findall(spec))
    else:
        raise ValueError(f"{text!r} is not an interval; write e.g. 30m, 1h, 1h30m, 90s or 2d")
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise ValueError(
            f"{text!r} is {format_every(seconds)}; polls must be between "
            f"{format_every(MIN_EVERY)} and {format_every(MAX_EVERY)} apart"
        )
    return seconds


def format_every(seconds: float) -> str:
    """Seconds as the shortest `1h30m`-style text (`45s`, `30m`, `2d`)."""
    rest, parts = round(seconds), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


def new_feed(url: str, every: float, now: float, announce_channel: int | None = None) -> Feed:
    """A feed to watch, due at once."""
    return Feed(feed_id(url), url, every, added_at=now, announce_channel=announce_channel)


def due(feeds: Iterable[Feed], now: float) -> list[Feed]:
    """The feeds to poll now, the longest-waiting first (polled one at a time, in this order)."""
    return sorted((f for f in feeds if f.next_poll <= now), key=lambda f: (f.next_poll, f.url))


def seconds_until_due(feeds: Iterable[Feed], now: float, idle: float) -> float:
    """How long the loop may sleep: until the next feed is due, at most `idle` (so a feed added
    by another process meanwhile is noticed), never negative."""
    soonest = min((f.next_poll for f in feeds), default=now + idle)
    return max(0.0, min(idle, soonest - now))


def after_success(
    feed: Feed, now: float, *, added: int, etag: str | None, last_modified: str | None
) -> Feed:
    """The state after a poll that fetched and indexed the feed."""
    return replace(
        feed,
        etag=etag,
        last_modified=last_modified,
        next_poll=now + feed.every,
        last_poll=now,
        last_success=now,
        failures=0,
        entries_added=feed.entries_added + added,
    )


def after_not_modified(feed: Feed, now: float) -> Feed:
    """The state after a 304: a success that added nothing; the validators stay."""
    return after_success(feed, now, added=0, etag=feed.etag, last_modified=feed.last_modified)


def backoff(every: float, failures: int, max_backoff: float) -> float:
    """Seconds to wait after `failures` consecutive failures: `every` × 2^failures, capped at
    `max_backoff`, never below `every`."""
    grown = every * 2.0 ** min(failures, 32)
    return max(every, min(grown, max_backoff))


def after_error(
    feed: Feed, now: float, reason: str, *, max_backoff: float, retry_after: float | None = None
) -> Feed:
    """The state after a failed poll: the error kept, the next poll backed off (and not before
    the server's Retry-After, when it sent one)."""
    failures = feed.failures + 1
    wait = backoff(feed.every, failures, max_backoff)
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return replace(
        feed,
        next_poll=now + wait,
        last_poll=now,
        last_error=reason,
        last_error_at=now,
        failures=failures,
    )


def retry_after_seconds(value: str, now: float) -> float | None:
    """A Retry-After header (delay-seconds or an HTTP date) as seconds from `now`; None when
    absent or unreadable (then the backoff alone decides)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def status(feed: Feed) -> Status:
    """How a feed is doing: never polled, fine, failed lately, or failing (reported)."""
    if feed.failures >= FAILING_AFTER:
        return "failing"
    if feed.failures:
        return "retrying"
    return "ok" if feed.last_poll is not None else "new"
