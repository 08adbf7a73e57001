"""When a watched feed is polled: the decisions as tables (index/feeds/schedule.py)."""

from __future__ import annotations

from dataclasses import replace
from email.utils import formatdate

import pytest

from index.feeds.schedule import (
    FAILING_AFTER,
    MAX_RETRY_AFTER,
    after_error,
    after_not_modified,
    after_success,
    backoff,
    due,
    format_every,
    new_feed,
    parse_every,
    retry_after_seconds,
    seconds_until_due,
    status,
)

HOUR = 3600.0
NOW = 1_800_000_000.0
FEED = new_feed("https://news.example/feed.xml", every=HOUR / 2, now=NOW)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h", 3600), ("1h30m", 5400), ("90s", 90), ("2d", 172800), ("45", 2700),
     (" 2H ", 7200), ("1.5h", 5400)],
)  # fmt: skip
def test_parse_every_reads_intervals(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [("soon", "not an interval"), ("", "not an interval"), ("30x", "not an interval"),
     ("10s", "between 1m and 7d"), ("8d", "between 1m and 7d"), ("-5m", "not an interval")],
)  # fmt: skip
def test_parse_every_refuses_with_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_every(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(1800, "30m"), (5400, "1h30m"), (90, "1m30s"), (86400 * 2, "2d")]
)
def test_format_every_is_the_inverse_of_parse(seconds: float, text: str) -> None:
    assert format_every(seconds) == text
    assert parse_every(text) == seconds


def test_a_new_feed_is_due_at_once_and_is_never_polled_before_its_time() -> None:
    assert due([FEED], NOW) == [FEED]
    polled = after_success(FEED, NOW, added=3, etag='"v1"', last_modified=None)
    assert due([polled], NOW + HOUR / 2 - 1) == []
    assert due([polled], NOW + HOUR / 2) == [polled]


def test_due_feeds_come_longest_waiting_first() -> None:
    a = replace(FEED, url="https://a.example/", next_poll=NOW - 10)
    b = replace(FEED, url="https://b.example/", next_poll=NOW - 500)
    c = replace(FEED, url="https://c.example/", next_poll=NOW + 10)
    assert due([a, b, c], NOW) == [b, a]


@pytest.mark.parametrize(
    ("next_polls", "sleep"),
    [([NOW + 5], 5.0), ([NOW + 500], 30.0), ([NOW - 5], 0.0), ([], 30.0),
     ([NOW + 20, NOW + 3], 3.0)],
)  # fmt: skip
def test_the_loop_sleeps_until_the_next_feed_is_due_at_most_idle(
    next_polls: list[float], sleep: float
) -> None:
    feeds = [replace(FEED, next_poll=t) for t in next_polls]
    assert seconds_until_due(feeds, NOW, idle=30.0) == sleep


def test_a_success_resets_failures_counts_entries_and_keeps_the_validators() -> None:
    failing = after_error(FEED, NOW, "HTTP 500", max_backoff=86400)
    ok = after_success(failing, NOW + 10, added=4, etag='"v2"', last_modified="Sun, x")
    assert (ok.failures, ok.entries_added, ok.etag, ok.last_modified) == (0, 4, '"v2"', "Sun, x")
    assert (ok.last_success, ok.last_poll, ok.next_poll) == (NOW + 10, NOW + 10, NOW + 10 + 1800)
    assert ok.last_error == "HTTP 500"  # history: `status` says it is fine again
    assert status(ok) == "ok"


def test_a_304_is_a_success_that_adds_nothing() -> None:
    seen = after_success(FEED, NOW, added=2, etag='"v1"', last_modified="Sat, y")
    same = after_not_modified(seen, NOW + 1800)
    assert (same.etag, same.last_modified, same.entries_added) == ('"v1"', "Sat, y", 2)
    assert same.next_poll == NOW + 3600


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(1, 3600), (2, 7200), (3, 14400), (4, 28800), (5, 57600), (6, 86400), (40, 86400)],
)
def test_backoff_doubles_with_each_failure_up_to_the_cap(failures: int, wait: float) -> None:
    assert backoff(1800, failures, max_backoff=86400) == wait


def test_backoff_is_never_shorter_than_the_feeds_own_interval() -> None:
    assert backoff(7200, 1, max_backoff=600) == 7200


def test_consecutive_errors_back_off_and_the_feed_is_reported_failing_not_dropped() -> None:
    feed, waits = FEED, []
    for n in range(1, 8):
        feed = after_error(feed, NOW, f"HTTP 500 (#{n})", max_backoff=86400)
        waits.append(feed.next_poll - NOW)
        assert status(feed) == ("failing" if n >= FAILING_AFTER else "retrying")
    assert waits == [3600, 7200, 14400, 28800, 57600, 86400, 86400]
    assert (feed.failures, feed.last_error, feed.last_error_at) == (7, "HTTP 500 (#7)", NOW)
    assert due([feed], NOW + 86400) == [feed]  # still polled, at the cap


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [(None, 3600), (120.0, 3600), (5 * HOUR, 5 * HOUR), (30 * 86400.0, MAX_RETRY_AFTER)],
)
def test_a_throttled_poll_waits_for_retry_after_when_it_is_longer(
    retry_after: float | None, wait: float
) -> None:
    feed = after_error(FEED, NOW, "HTTP 429", max_backoff=86400, retry_after=retry_after)
    assert feed.next_poll - NOW == wait


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("0", 0.0), ("", None), ("soon", None), ("-5", None),
     (formatdate(NOW + 900, usegmt=True), 900.0), (formatdate(NOW - 900, usegmt=True), 0.0)],
)  # fmt: skip
def test_retry_after_is_seconds_or_an_http_date(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


def test_status_of_a_feed_never_polled_is_new() -> None:
    assert status(FEED) == "new"
