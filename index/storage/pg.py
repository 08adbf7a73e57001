"""PostgreSQL plumbing for the shared catalog: one clear outage error, and the write lock.

`AdvisoryLock` serialises index writers on every host (the shared catalog's stand-in for the
indexer's lock file). psycopg is imported on first use, never at import time.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from index.errors import StoreUnavailableError

WRITE_LOCK = 0x6E657775  # the advisory lock key of index writes ("newu")


def unavailable(url: str, exc: BaseException) -> StoreUnavailableError:
    """The error a user sees when the catalog database is down or lost the connection."""
    return StoreUnavailableError(
        safe_url(url),
        reason(exc),
        what="PostgreSQL catalog",
        fix="check that it is running and NEWSDESK_CATALOG_URL",
    )


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if "refused" in text.lower():
        return "connection refused"
    return text[:200] or type(exc).__name__


class AdvisoryLock:
    """The index's write lock across hosts: a PostgreSQL session advisory lock.

    It has the interface the indexer uses of `filelock.FileLock`: a re-entrant context manager
    with a `timeout` in seconds (-1: wait for ever) that raises `filelock.Timeout`. The lock lives
    in its own connection, so it is released when that connection ends, even by `kill -9`.
    """

    def __init__(self, url: str, key: int = WRITE_LOCK, timeout: float = -1) -> None:
        self._url = url
        self._key = key
        self.timeout = timeout
        self._conn: Any = None
        self._depth = 0

    def acquire(self, timeout: float | None = None) -> AdvisoryLock:
        if self._depth == 0:
            self._acquire(self.timeout if timeout is None else timeout)
        self._depth += 1
        return self

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            conn, self._conn = self._conn, None
            conn.close()  # ends the session: the lock is released

    def __enter__(self) -> AdvisoryLock:
        return self.acquire()

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.release()

    def _acquire(self, timeout: float) -> None:
        import psycopg
        from filelock import Timeout

        try:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise unavailable(self._url, exc) from exc
        deadline = None if timeout < 0 else time.monotonic() + timeout
        while not _locked(conn, self._key):
            if deadline is not None and time.monotonic() >= deadline:
                conn.close()
                raise Timeout(f"postgres advisory lock {self._key}")
            time.sleep(0.05)
        self._conn = conn


def _locked(conn: Any, key: int) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s, 0)", (key,)).fetchone()
    return bool(row and row[0])
