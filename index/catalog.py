"""The catalog: the SQLite record of which articles (and which version of each) are indexed.

The catalog is the commit point of indexing. Vectors are written to the chunk store first, under
ids that carry the content hash, and only a catalog transaction makes them visible; a crash before
it leaves invisible leftovers that the next write removes (see `pending`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from index.models import Article, ArticleRecord, Chunk

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, url TEXT,
    site TEXT, byline TEXT, published TEXT, content_hash TEXT NOT NULL,
    chunks INTEGER NOT NULL, indexed_at REAL NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS pending (article_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    PRIMARY KEY (article_id, content_hash));
CREATE TABLE IF NOT EXISTS summaries (content_hash TEXT PRIMARY KEY, summary TEXT NOT NULL,
    grounded INTEGER NOT NULL);
"""
_RECORD = (
    "article_id, title, source, url, site, byline, published, content_hash, chunks, indexed_at"
)


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- meta ----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Bumped by every committed change; readers use it to notice new content."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> None:
        self.set_meta("generation", str(self.generation() + 1))

    # --- articles ------------------------------------------------------------------------------
    def hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        ids = list(article_ids)
        rows = self._many("SELECT article_id, content_hash FROM articles WHERE article_id IN ", ids)
        return {str(a): str(h) for a, h in rows}

    def records(self, article_ids: Iterable[str] | None = None) -> list[ArticleRecord]:
        if article_ids is None:
            rows = self._db.execute(
                f"SELECT {_RECORD} FROM articles ORDER BY indexed_at DESC, title"
            ).fetchall()
        else:
            rows = self._many(
                f"SELECT {_RECORD} FROM articles WHERE article_id IN ", list(article_ids)
            )
        return [ArticleRecord(*row) for row in rows]

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute(
            "SELECT article_id, title, text, source, url, site, byline, published, content_hash "
            "FROM articles WHERE article_id = ?",
            (article_id,),
        ).fetchone()
        return None if row is None else Article(*row)

    def all_articles(self) -> Iterator[Article]:
        cursor = self._db.execute(
            "SELECT article_id, title, text, source, url, site, byline, published, content_hash "
            "FROM articles ORDER BY article_id"
        )
        for row in cursor:
            yield Article(*row)

    def put(self, article: Article, chunks: list[Chunk]) -> None:
        """Record `article` and its chunks (call inside `transaction`)."""
        a = article
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.article_id,
                a.title,
                a.source,
                a.url,
                a.site,
                a.byline,
                a.published,
                a.content_hash,
                len(chunks),
                time.time(),
                a.text,
            ),
        )
        self._db.execute("DELETE FROM chunks WHERE article_id = ?", (a.article_id,))
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, c.article_id, c.ordinal, c.start, c.end, c.text) for c in chunks],
        )

    def replace_chunks(self, chunks: list[Chunk]) -> None:
        """Swap every chunk row for `chunks` (a rebuild; call inside `transaction`)."""
        self._db.execute("DELETE FROM chunks")
        self._db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, c.article_id, c.ordinal, c.start, c.end, c.text) for c in chunks],
        )
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.article_id] = counts.get(c.article_id, 0) + 1
        self._db.executemany(
            "UPDATE articles SET chunks = ? WHERE article_id = ?",
            [(n, a) for a, n in counts.items()],
        )

    def delete(self, article_id: str) -> bool:
        cursor = self._db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        return cursor.rowcount > 0

    def chunks(self) -> list[Chunk]:
        rows = self._db.execute(
            'SELECT chunk_id, article_id, ordinal, text, start, "end" FROM chunks '
            "ORDER BY article_id, ordinal"
        ).fetchall()
        return [Chunk(*row) for row in rows]

    def counts(self) -> tuple[int, int]:
        articles = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(articles), int(chunks)

    # --- crash recovery ------------------------------------------------------------------------
    def add_pending(self, items: Iterable[tuple[str, str]]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", list(items))

    def pending(self) -> list[tuple[str, str]]:
        return [(str(a), str(h)) for a, h in self._db.execute("SELECT * FROM pending")]

    def clear_pending(self, items: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(
            "DELETE FROM pending WHERE article_id = ? AND content_hash = ?", list(items)
        )

    # --- summary cache -------------------------------------------------------------------------
    def cached_summary(self, content_hash: str) -> tuple[str, bool] | None:
        row = self._db.execute(
            "SELECT summary, grounded FROM summaries WHERE content_hash = ?", (content_hash,)
        ).fetchone()
        return None if row is None else (str(row[0]), bool(row[1]))

    def cache_summary(self, content_hash: str, summary: str, grounded: bool) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?)", (content_hash, summary, grounded)
        )

    def _many(self, prefix: str, ids: list[str]) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows.extend(self._db.execute(f"{prefix}({marks})", part).fetchall())
        return rows

    def integrity(self) -> str:
        """'' when SQLite finds the file sound, else its first complaint."""
        try:
            rows = self._db.execute("PRAGMA quick_check(5)").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        problems = [str(r[0]) for r in rows if r[0] != "ok"]
        return "; ".join(problems)

    def disk_bytes(self) -> int:
        row = self._db.execute("PRAGMA database_list").fetchone()
        path = Path(row[2]) if row and row[2] else None
        if path is None:
            return 0
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
