"""`newsdesk feeds ...` and `newsdesk watch`: the watched feeds. Thin: parse, call, format."""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console

from index.errors import SourceError
from index.feeds.poll import PollResult
from index.feeds.schedule import format_every, new_feed, parse_every, status
from index.ingest.feeds import fetch_feed
from index.ingest.load import is_url
from index.models import Article, Feed
from index.storage.catalog import Catalog
from newsdesk.app import (
    App,
    build_catalog,
    build_indexing_app,
    configure_logging,
)
from newsdesk.console import err, fail, guarded, load_settings, print_json
from newsdesk.settings import Settings

feeds_app = typer.Typer(
    help="Watch RSS/Atom feeds: new entries are indexed on a schedule.", no_args_is_help=True
)
out = Console(soft_wrap=True)


def _indexing_app() -> App:
    """`watch`'s parts: those of `index add` (niced, its own embedder threads)."""
    settings = load_settings()
    configure_logging(settings)
    app = build_indexing_app(settings)
    guarded(lambda: app.index)
    return app


def _catalog() -> tuple[Settings, Catalog]:
    """The settings and the catalog alone: listing or changing feeds loads no embedder."""
    settings = load_settings()
    configure_logging(settings)
    return settings, guarded(lambda: build_catalog(settings)[0])


def find_feed(catalog: Catalog, which: str) -> Feed | None:
    """The watched feed whose URL or id is `which`."""
    return next((f for f in catalog.feeds() if which in (f.url, f.feed_id)), None)


@feeds_app.command("add")
def add(
    url: str = typer.Argument(..., help="The feed's http(s) URL."),
    every: str | None = typer.Option(
        None, "--every", help="Time between polls: 30m, 1h, 1h30m, 2d (NEWSDESK_FEED_EVERY)."
    ),
    announce: int | None = typer.Option(
        None, "--announce", min=1, help="Discord channel id for its new articles."
    ),
    check: bool = typer.Option(True, help="Fetch it once first: refuse what is not a feed."),
) -> None:
    """Watch a feed: `newsdesk watch` (or the bot) polls it and indexes its new entries."""
    settings, catalog = _catalog()
    if not is_url(url):
        fail(f"{url}: only http:// and https:// feed URLs can be watched")
    try:
        seconds = parse_every(every) if every else settings.feed_every
    except ValueError as exc:
        fail(f"--every: {exc}")
    if check:
        try:
            got = fetch_feed(
                url,
                etag=None,
                last_modified=None,
                max_bytes=settings.max_source_bytes,
                timeout=settings.fetch_timeout,
            )
        except SourceError as exc:
            fail(f"{exc} (add it anyway with --no-check)")
        err.print(f"{url}: a feed with {len(got.articles)} entries", highlight=False)
    guarded(catalog.refuse_writes)
    feed = new_feed(url, seconds, time.time(), announce)
    if guarded(lambda: catalog.add_feed(feed)):
        err.print(f"watching {url} every {format_every(seconds)} (id {feed.feed_id})")
        return
    known = find_feed(catalog, url) or feed  # only what was given changes; its state stays
    changed = replace(
        known,
        every=seconds if every else known.every,
        announce_channel=announce or known.announce_channel,
    )
    guarded(lambda: catalog.update_feed(changed))
    err.print(
        f"already watched: {url} every {format_every(changed.every)} (id {feed.feed_id})",
        highlight=False,
    )


@feeds_app.command("list")
def list_feeds(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The watched feeds and their health: last success, last error, entries added, next poll."""
    feeds = guarded(_catalog()[1].feeds)
    now = time.time()
    if as_json:
        print_json([feed_health(f, now) for f in feeds])
        return
    if not feeds:
        out.print("No feeds are watched; add one with `newsdesk feeds add URL`.")
        return
    for f in feeds:  # a block per feed: URLs and errors are long, a table would wrap them
        out.print(feed_line(f, now), highlight=False, markup=False)
        out.print(f"  {f.url}", highlight=False, markup=False)
    failing = [f for f in feeds if status(f) == "failing"]
    for f in failing:
        err.print(
            f"[red]failing:[/red] {f.url}: {f.failures} polls in a row: {f.last_error}",
            highlight=False,
        )


@feeds_app.command("remove")
def remove(which: str = typer.Argument(..., help="A watched feed's URL or id.")) -> None:
    """Stop watching a feed (the articles it added stay indexed)."""
    _, catalog = _catalog()
    feed = guarded(lambda: find_feed(catalog, which))
    if feed is None or not guarded(lambda: catalog.remove_feed(feed.feed_id)):
        fail(f"no watched feed has URL or id {which!r}; `newsdesk feeds list` shows them")
    err.print(f"stopped watching {feed.url} (its {feed.entries_added} articles stay indexed)")


def feed_health(feed: Feed, now: float) -> dict[str, Any]:
    """A feed's health, for `feeds list --json` and `index stats --json`."""
    return {
        "feed_id": feed.feed_id,
        "url": feed.url,
        "every_seconds": feed.every,
        "status": status(feed),
        "failures_in_a_row": feed.failures,
        "last_success": _iso(feed.last_success),
        "last_error": feed.last_error,
        "last_error_at": _iso(feed.last_error_at),
        "entries_added": feed.entries_added,
        "next_poll": _iso(feed.next_poll),
        "next_poll_in_seconds": round(max(0.0, feed.next_poll - now), 1),
        "announce_channel": feed.announce_channel,
    }


def feed_line(feed: Feed, now: float) -> str:
    """One line of a feed's health: `id  status  every  last success  added  next poll`."""
    f = feed
    line = (
        f"{f.feed_id}  {_status_text(f)}  every {format_every(f.every)}  "
        f"last success {_ago(f.last_success, now)}  added {f.entries_added}  "
        f"next poll {_ahead(f.next_poll, now)}"
    )
    return line + (f"  last error: {f.last_error}" if f.failures else "")


def feeds_summary(feeds: list[Feed]) -> str:
    """`3 watched (1 failing)`: the one line `index stats` shows."""
    failing = sum(status(f) == "failing" for f in feeds)
    return f"{len(feeds)} watched" + (f" ({failing} failing)" if failing else "")


def _status_text(feed: Feed) -> str:
    state = status(feed)
    if state in ("retrying", "failing"):
        return f"{state} ({feed.failures}×)"
    return state


def _iso(when: float | None) -> str | None:
    if not when:
        return None
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")


def _ago(when: float | None, now: float) -> str:
    return "never" if not when else f"{format_every(max(1.0, now - when))} ago"


def _ahead(when: float, now: float) -> str:
    return "now" if when <= now else f"in {format_every(when - now)}"


def watch(
    once: bool = typer.Option(False, "--once", help="Poll every due feed, then exit."),
    report_new: bool = typer.Option(
        False, "--report-new", hidden=True, help="Print the new articles' ids as JSON lines."
    ),
) -> None:
    """Poll the watched feeds on their schedules and index new entries (for hosts that only
    index; `newsdesk bot` polls them itself). Exit code 1 with --once if a poll failed."""
    from newsdesk.watch import Watcher, limits

    app = _indexing_app()
    on_new = _report_new if report_new else None
    watcher = Watcher(lambda: app.index, limits(app.settings), on_poll=_print_poll, on_new=on_new)
    if once:
        try:
            results = guarded(watcher.run_due)
        finally:
            watcher.close()
        if not results:
            err.print("no feed is due")
        if any(r.outcome == "error" for r in results):
            raise typer.Exit(1)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    count = len(guarded(app.index.catalog.feeds))
    err.print(f"watching {count} feed{'' if count == 1 else 's'}; Ctrl-C stops")
    watcher.run(stop)


def _report_new(feed: Feed, new: tuple[Article, ...]) -> None:
    """What a bot's `newsdesk.watch.poll_in_child` reads: one JSON line per poll that added."""
    print(json.dumps({"feed_id": feed.feed_id, "new": [a.article_id for a in new]}), flush=True)


def _print_poll(result: PollResult) -> None:
    f = result.feed
    took = f"{result.seconds * 1000:.0f} ms"
    if result.outcome == "error":
        err.print(
            f"[red]error:[/red] {f.url}: {result.error} (failure {f.failures} in a row; "
            f"next try in {format_every(f.next_poll - (f.last_poll or f.next_poll))})",
            highlight=False,
        )
    elif result.outcome == "not_modified":
        err.print(f"{f.url}: not modified ({took})", highlight=False)
    else:
        r = result.report
        assert r is not None
        err.print(
            f"{f.url}: added {r.added}, updated {r.updated}, unchanged {r.unchanged} ({took})",
            highlight=False,
        )
