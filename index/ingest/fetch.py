"""Downloading a URL with httpx: timeouts, redirects, a size cap enforced while streaming.

`timeout` bounds each network read *and* the whole fetch (connect + headers + body, redirects
included): a server that trickles one byte at a time fails at the deadline, not after hours.
Every failure becomes a `SourceError` with a short reason a user can act on.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from index.errors import SourceError, ThrottledError

log = logging.getLogger(__name__)

USER_AGENT = "Newsdesk/0.1 (local news-article indexer; +https://github.com/newsdesk)"
_ACCEPT = (
    "text/html, application/rss+xml, application/atom+xml, application/xml, "
    "text/plain;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and what the server said about it."""

    url: str  # the final URL, after redirects
    content_type: str  # lower-cased media type without parameters, "" when absent
    charset: str | None
    body: bytes
    status: int = 200  # 304 (empty body) when a conditional request found nothing new
    etag: str | None = None
    last_modified: str | None = None


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET `url`, following redirects; bodies over `max_bytes` are refused while streaming, and
    the whole fetch is abandoned `timeout` seconds after it started.

    `headers` are sent too (a feed poll's If-None-Match / If-Modified-Since: a 304 answer is a
    `Fetched` with status 304 and no body). HTTP 429 and 503 raise `ThrottledError`."""
    deadline = _Deadline(time.monotonic() + timeout)
    timer = threading.Timer(timeout, deadline.expire)
    timer.daemon = True
    timer.start()
    try:
        if client is not None:
            return _get(client, url, max_bytes, timeout, deadline, headers or {})
        with httpx.Client(timeout=timeout, follow_redirects=True) as own:
            return _get(own, url, max_bytes, timeout, deadline, headers or {})
    except SourceError:
        raise
    except httpx.TimeoutException as exc:
        raise SourceError(url, f"timed out after {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        raise SourceError(url, _connect_reason(exc)) from exc
    except httpx.TooManyRedirects as exc:
        raise SourceError(url, "too many redirects") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise SourceError(url, f"not a valid http(s) URL ({exc})") from exc
    except (httpx.HTTPError, OSError) as exc:
        if deadline.expired:  # the watchdog shut the socket: report the cause, not the symptom
            raise SourceError(url, f"timed out after {timeout:g}s (whole download)") from exc
        raise SourceError(url, f"download failed ({type(exc).__name__}: {exc})") from exc
    finally:
        timer.cancel()


@dataclass
class _Deadline:
    """The whole-fetch deadline. At expiry a watchdog thread shuts the open sockets down, which
    wakes a read blocked on a trickling server; the reading thread then reports a timeout."""

    at: float
    expired: bool = False
    sockets: list[socket.socket] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: remember each new connection's socket."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self.lock:
                    self.sockets.append(sock)
                    late = self.expired
                if late:
                    self._shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            self._shut(sock)

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _get(
    client: httpx.Client,
    url: str,
    max_bytes: int,
    timeout: float,
    deadline: _Deadline,
    extra: Mapping[str, str],
) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT, **extra}
    with client.stream(
        "GET",
        url,
        headers=headers,
        timeout=timeout,
        follow_redirects=True,
        extensions={"trace": deadline.trace},
    ) as resp:
        if resp.status_code in (429, 503):
            retry_after = resp.headers.get("retry-after", "").strip()
            raise ThrottledError(url, _status_reason(resp), retry_after)
        if resp.status_code >= 400:
            raise SourceError(url, _status_reason(resp))
        validators = (resp.headers.get("etag"), resp.headers.get("last-modified"))
        if resp.status_code == 304:
            log.debug("not modified url=%s", resp.url)
            return Fetched(str(resp.url), "", None, b"", 304, *validators)
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            limit = f"the limit is {max_bytes:,}"
            raise SourceError(url, f"too large ({int(declared):,} bytes; {limit})")
        body = bytearray()
        for piece in resp.iter_bytes():
            body += piece
            if len(body) > max_bytes:
                raise SourceError(url, f"too large (more than the {max_bytes:,}-byte limit)")
            if deadline.passed():
                raise SourceError(url, f"timed out after {timeout:g}s (whole download)")
        if deadline.expired:
            raise SourceError(url, f"timed out after {timeout:g}s (whole download)")
        media, _, _ = resp.headers.get("content-type", "").partition(";")
        log.debug(
            "fetched url=%s status=%d bytes=%d type=%s",
            resp.url,
            resp.status_code,
            len(body),
            media,
        )
        media = media.strip().lower()
        return Fetched(str(resp.url), media, resp.charset_encoding, bytes(body), 200, *validators)


def _status_reason(resp: httpx.Response) -> str:
    if resp.status_code == 404:
        return "HTTP 404 Not Found: the page does not exist"
    return f"HTTP {resp.status_code} {resp.reason_phrase}".strip()


def _connect_reason(exc: httpx.ConnectError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            return "connection refused (is the server running?)"
        cause = cause.__cause__ or cause.__context__
    if "refused" in str(exc).lower():
        return "connection refused (is the server running?)"
    return f"could not connect ({exc})"
