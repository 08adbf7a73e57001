"""What a feed poll costs: a first poll of N new entries, an unchanged feed answered 304, and an
unchanged feed re-sent in full (a server without ETag or Last-Modified).

    .venv/bin/python bench/feed_bench.py [--entries 40] [--repeats 20] [--embedder minilm]

The feed is served on 127.0.0.1 from rows of the BBC train split (`../shared/corpus/bbc/
train.csv`; the text is read at run time, never stored); the index is a fresh temp dir with the
parts of `newsdesk watch` (`build_indexing_app`: NEWSDESK_INDEX_THREADS=1, niced). The
poll is `index.feeds.poll.poll`, exactly what `newsdesk watch` and the bot run. Prints a table
and writes bench/results/feed_bench.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TRAIN = ROOT.parent / "shared" / "corpus" / "bbc" / "train.csv"


def feed_body(rows: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>urn:bbc-train:{n}</guid><title>{escape(' '.join(text.split()[:8]))}"
        f"</title><link>https://bench.example/{n}</link><description>{escape(text)}"
        "</description></item>"
        for n, text in enumerate(rows)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>'
        f"{items}</channel></rss>"
    ).encode()


def serve(body: bytes, etag: bool) -> tuple[str, ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if etag and self.headers.get("If-None-Match") == '"bench"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", '"bench"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml", httpd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "hashing"))
    parser.add_argument(
        "--event-loop",
        action="store_true",
        help="Instead: the first poll of an answering process's watched feed (`bot`), with its "
        "event loop ticking every 10 ms; prints the ticks' p50/p99/worst.",
    )
    args = parser.parse_args()
    if args.event_loop:
        return event_loop_gaps(args.entries, args.embedder)

    from index.feeds.poll import poll
    from index.feeds.schedule import new_feed
    from newsdesk.app import build_indexing_app
    from newsdesk.settings import Settings
    from newsdesk.watch import limits

    with TRAIN.open(newline="", encoding="utf-8") as f:
        rows = [row["text"] for _, row in zip(range(args.entries), csv.DictReader(f))]
    results: dict[str, object] = {"entries": len(rows), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), embedder=args.embedder)
        index = build_indexing_app(settings).index  # what `newsdesk watch` polls with
        index.embedder.embed(["warm up"])  # the model load is not a poll's cost
        client = httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True)  # as Watcher
        for etag in (True, False):
            url, httpd = serve(feed_body(rows), etag)
            feed = new_feed(url, 1800.0, time.time())
            index.catalog.add_feed(feed)
            first = poll(index, feed, limits(settings), client=client)
            if etag:
                assert first.report is not None and first.report.added == len(rows), first
                results["first_poll_s"] = first.seconds
                results["per_new_entry_ms"] = 1000 * first.seconds / len(rows)
                results["chunks"] = first.report.chunks
            times = []
            state = first.feed
            for _ in range(args.repeats):
                result = poll(index, state, limits(settings), client=client)
                state = result.feed
                times.append(result.seconds * 1000)
            key = "not_modified_304" if etag else "unchanged_200"
            results[f"{key}_ms_p50"] = statistics.median(times)
            results[f"{key}_ms_max"] = max(times)
            results[f"{key}_outcome"] = result.outcome
            httpd.shutdown()
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results" / "feed_bench.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def event_loop_gaps(entries: int, embedder: str) -> int:
    """`newsdesk bot`'s situation: `newsdesk.watch.watching` has a feed polled (and indexed)
    while the event loop ticks; a poll on the loop would be one gap as long as the poll."""
    import asyncio

    from index.feeds.schedule import new_feed
    from newsdesk.app import App, build_catalog
    from newsdesk.settings import Settings
    from newsdesk.watch import watching

    with TRAIN.open(newline="", encoding="utf-8") as f:
        rows = [row["text"] for _, row in zip(range(entries), csv.DictReader(f))]
    url, httpd = serve(feed_body(rows), True)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), embedder=embedder)
        build_catalog(settings)[0].add_feed(new_feed(url, 1800.0, time.time()))
        answering = App(settings).index  # as `newsdesk bot` starts: its own index, warmed up
        answering.quick_check()
        answering.embedder.embed(["warm up"])
        done = threading.Event()

        async def tick() -> tuple[float, list[float]]:
            gaps: list[float] = []
            started = time.monotonic()
            with watching(settings, on_new=lambda feed, new: done.set()):
                last = time.monotonic()
                while not done.is_set():
                    await asyncio.sleep(0.01)
                    now = time.monotonic()
                    gaps.append(now - last)
                    last = now
            return time.monotonic() - started, sorted(gaps)

        seconds, gaps = asyncio.run(tick())
    httpd.shutdown()
    p50, p99 = gaps[len(gaps) // 2], gaps[int(len(gaps) * 0.99)]
    print(
        f"poll + indexing of {entries} entries: {seconds:.1f} s; event-loop ticks (10 ms sleeps) "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, worst {gaps[-1] * 1000:.0f} ms; "
        f"load {load[0]:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
