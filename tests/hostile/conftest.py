"""Fixtures for the hostile-input suite: a misbehaving HTTP server on 127.0.0.1, the CLI runner,
and a helper that asserts the "one clear line, no traceback" contract."""

from __future__ import annotations

import contextlib
import functools
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app

LIMIT = 1_000_000  # NEWSDESK_MAX_SOURCE_BYTES in these tests


@functools.cache
def bomb() -> bytes:
    """~20 KB of gzip that inflates to 20 MB, twenty times the size limit."""
    return gzip.compress(b"\0" * 20 * LIMIT, compresslevel=9)


ARTICLE = (
    "<html><head><title>Quayside ferry returns</title></head><body><article>"
    "<h1>Quayside ferry returns</h1>"
    + "<p>The Quayside ferry resumed sailing on Monday after a winter of repairs to its hull. "
    "Crews replaced 40 planks and the council paid 12,000 pounds for the work.</p>"
    * 3
    + "</article></body></html>"
).encode()


def feed_500() -> bytes:
    """500 items, 450 unique GUIDs: 50 repeat an earlier GUID; 34 pairs of distinct GUIDs
    share one link; 20 items carry a javascript: or data: link."""
    items = []
    for n in range(500):
        guid = f"g-{n % 450}"
        link = f"https://news.example.org/story/{n % 450 if n % 450 >= 34 else 1000}"
        if n % 450 < 34:
            link = f"https://news.example.org/shared/{(n % 450) // 2}"
        if 100 <= n < 120:
            link = "javascript:alert(1)" if n % 2 else "data:text/html,<b>hi</b>"
        items.append(
            f"<item><title>Story {n % 450}</title><link>{link}</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<description>Body of story number {n % 450}: the council met on day "
            f"{n % 450} and agreed item {n % 450}.</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile Gazette</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/article":
            self._send(200, "text/html; charset=utf-8", ARTICLE)
        elif path == "/feed":
            self._send(200, "application/rss+xml", feed_500())
        elif path in ("/404", "/500"):
            self._send(int(path[1:]), "text/html", b"<html>nope</html>")
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/hang":
            time.sleep(30)
        elif path == "/trickle":  # headers at once, then the body one byte at a time
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self._trickle(b"slow news " * 1000)
        elif path == "/trickle-headers":  # the status line, then headers one byte at a time
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._trickle(b"X-Padding: " + b"a" * 10_000 + b"\r\n\r\n")
        elif path == "/bomb":
            self._send(200, "text/html", bomb(), {"Content-Encoding": "gzip"})
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
        elif path == "/endless":  # no Content-Length, never ends
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"news " * 10_000)
            except OSError:
                return
        elif path == "/png":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 100)
        elif path == "/empty":
            self._send(200, "text/html", b"")
        elif path == "/nul-text":
            self._send(200, "text/plain", b"\0" * 5000)
        else:
            self._send(404, "text/plain", b"no")

    def _send(
        self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose here; a traceback would land in the CLI's stderr


@pytest.fixture(scope="session")
def hostile_url() -> Iterator[str]:
    """The base URL of a misbehaving server on 127.0.0.1 (see `_Handler` for its paths)."""
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "hashing")
    monkeypatch.setenv("NEWSDESK_FETCH_TIMEOUT", "2")
    monkeypatch.setenv("NEWSDESK_MAX_SOURCE_BYTES", str(LIMIT))
    yield CliRunner()


def run(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of the test, shown in full
    return Result(result.exit_code, result.stdout, result.stderr)


def assert_one_clear_line(result: Result, *needles: str, code: int = 1) -> str:
    """Exit `code`, no traceback, and one `error:` line holding every needle; returns it."""
    assert "Traceback" not in result.text, result.text
    assert result.code == code, result.text
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    matching = [line for line in lines if all(n in line for n in needles)]
    assert len(matching) == 1, f"wanted one error line with {needles!r}, got:\n{result.err}"
    return matching[0]
