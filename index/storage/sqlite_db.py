"""Opening the catalog's SQLite file so that whatever is wrong with it is one clear error.

`open_db` opens read-write when it can and read-only when the data folder may only be read (so
`stats`, `list` and `ask` work without write access); the connection it returns translates
SQLite's exceptions, wherever they happen, into errors that name the file and the way out.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from index.errors import DiskFullError, NewsdeskError, ReadOnlyError

log = logging.getLogger(__name__)


class CatalogDamagedError(NewsdeskError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"the catalog {path} is damaged ({detail}); restore it from a backup, or move it "
            "aside and add your sources again with `newsdesk index add` (then run "
            "`newsdesk index check --repair` to drop the old vectors)"
        )


class CatalogOpenError(NewsdeskError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"cannot open the catalog {path} ({detail}); check NEWSDESK_DATA_DIR")


def translate(exc: BaseException, path: Path) -> BaseException:
    """The Newsdesk error for an exception raised while using the catalog at `path`."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DiskFullError(path.parent, exc.strerror or "the disk is full")
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyError(path.parent)
    if isinstance(exc, OSError):
        return CatalogOpenError(path, exc.strerror or str(exc))
    if not isinstance(exc, sqlite3.DatabaseError):
        return exc
    if "readonly" in text or "read-only" in text:
        return ReadOnlyError(path.parent)
    if "disk is full" in text or "disk full" in text:
        return DiskFullError(path.parent)
    if "disk i/o error" in text:
        return DiskFullError(path.parent, "disk I/O error: the disk is probably full or failing")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CatalogDamagedError(path, str(exc))
    if "unable to open" in text:
        detail = "it is a folder" if path.is_dir() else str(exc)
        return CatalogOpenError(path, detail)
    if "no such table" in text or "no such column" in text:
        return CatalogDamagedError(path, f"{exc}: not a Newsdesk catalog, or a damaged one")
    return exc


class GuardedCursor:
    """A cursor whose row fetching translates errors too (a damaged page may be met late)."""

    def __init__(self, cursor: sqlite3.Cursor, path: Path) -> None:
        self._cursor = cursor
        self._path = path

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self._path) from exc

    def fetchall(self) -> list[Any]:
        try:
            return self._cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self._path) from exc

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._cursor
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self._path) from exc


class GuardedConnection:
    """A `sqlite3.Connection` whose failures are Newsdesk errors naming the file."""

    def __init__(
        self, db: sqlite3.Connection, path: Path, *, why_read_only: NewsdeskError | None = None
    ) -> None:
        self._db = db
        self.path = path
        self.why_read_only = why_read_only  # set when opened read-only: what a write would say

    @property
    def read_only(self) -> bool:
        return self.why_read_only is not None

    def execute(self, sql: str, params: Iterable[Any] = ()) -> GuardedCursor:
        try:
            return GuardedCursor(self._db.execute(sql, tuple(params)), self.path)
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self.path) from exc

    def executemany(self, sql: str, rows: Iterable[Any]) -> GuardedCursor:
        try:
            return GuardedCursor(self._db.executemany(sql, rows), self.path)
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self.path) from exc

    def executescript(self, script: str) -> GuardedCursor:
        try:
            return GuardedCursor(self._db.executescript(script), self.path)
        except sqlite3.DatabaseError as exc:
            raise translate(exc, self.path) from exc

    def close(self) -> None:
        self._db.close()


def open_db(path: Path, pragmas: Iterable[str]) -> GuardedConnection:
    """Open `path` read-write (creating it) and run `pragmas`; when the folder or file may only
    be read, open it read-only instead. Any failure is one Newsdesk error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise CatalogOpenError(path, f"{path.parent} is a file, not a folder") from exc
    except OSError as exc:
        raise translate(exc, path) from exc
    _check_header(path)
    try:
        db = _connect(path, "")
        guarded = GuardedConnection(db, path)
        for pragma in pragmas:
            guarded.execute(pragma)
        return guarded
    except (ReadOnlyError, CatalogOpenError, DiskFullError) as exc:
        if not path.is_file() or (_writable(path) and not isinstance(exc, DiskFullError)):
            raise
        why: NewsdeskError = exc if isinstance(exc, DiskFullError) else ReadOnlyError(path.parent)
    log.info("opening the catalog read-only path=%s reason=%s", path, why)
    for mode in ("?mode=ro", "?immutable=1"):  # WAL needs a -shm file; immutable does not
        try:
            db = _connect(path, mode)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return GuardedConnection(db, path, why_read_only=why)
        except sqlite3.DatabaseError as exc:
            error = translate(exc, path)
            if isinstance(error, CatalogDamagedError):
                raise error from exc
    raise why


# One read-only descriptor per catalog file, kept open for the process's life. Closing any
# descriptor of a file drops every POSIX lock this process holds on it, SQLite's included: a
# header read that closed its file would let another process's last connection think it is alone,
# checkpoint and delete the -wal and -shm files under our open connection ("disk I/O error").
_HEADER_FDS: dict[str, int] = {}


def _read_header(path: Path) -> tuple[bytes, int] | None:
    """The file's first 100 bytes and its size, read without ever closing a descriptor of it;
    None when there is no file yet (or it is reported when opened)."""
    try:
        now = path.stat()
        key = str(path.resolve())
        fd = _HEADER_FDS.get(key)
        if fd is not None and (os.fstat(fd).st_ino, os.fstat(fd).st_dev) != (
            now.st_ino,
            now.st_dev,
        ):
            os.close(fd)  # the path is another file now: its old locks are not ours to keep
            fd = None
        if fd is None:
            fd = _HEADER_FDS[key] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        return os.pread(fd, 100, 0), now.st_size
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None


def _check_header(path: Path) -> None:
    """O(1) checks SQLite leaves to the first unlucky read: the magic string, and a file shorter
    than its header says (truncated: rows on the missing pages are gone)."""
    read = _read_header(path)
    if read is None:
        return  # nothing yet, or reported when opened
    header, size = read
    if not header:
        return  # an empty file is a new catalog
    if not header.startswith(b"SQLite format 3\0"):
        raise CatalogDamagedError(path, "not a SQLite database: it was overwritten")
    if len(header) < 100:
        raise CatalogDamagedError(path, f"truncated to {size} bytes")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = pages > 0 and header[24:28] == header[92:96]
    if valid and size < pages * page_size:
        raise CatalogDamagedError(
            path, f"truncated: {size:,} of its {pages * page_size:,} bytes are left"
        )


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    from urllib.parse import quote

    try:
        if not mode:
            return sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        return sqlite3.connect(
            f"file:{quote(str(path))}{mode}",
            uri=True,
            timeout=30,
            check_same_thread=False,
            isolation_level=None,
        )
    except sqlite3.DatabaseError as exc:
        raise translate(exc, path) from exc
