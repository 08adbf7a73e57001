"""The shared catalog: the `Catalog` in PostgreSQL, so indexers and bots on many hosts share one
index (`NEWSDESK_CATALOG_URL=postgresql://user@host/db`). The only module that imports psycopg.

The lexical index is a `tsvector` column on `chunks` (the `english` text-search configuration:
Snowball stemming, its stop words) with a GIN index, ranked by `ts_rank_cd`; it is written in the
same statement as its chunk, so it never disagrees with what is visible. Accents are folded in
Python before PostgreSQL sees the text (no `unaccent` extension to install), as SQLite's
`remove_diacritics` does. Writers on every host are serialised by `index.storage.pg.AdvisoryLock`.

A database that is down or drops the connection raises `StoreUnavailableError`; the next call
reconnects. A batch commits in one transaction, so an outage loses nothing that was visible.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from index.errors import NewsdeskError
from index.models import Article, ArticleRecord, Chunk, Feed
from index.storage.catalog import FEED_COLUMNS, feed_of, feed_row, query_terms, visible
from index.storage.pg import safe_url, unavailable

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

SCHEMA_VERSION = "pg1"
TS_CONFIG = "english"
_LOCK_SCHEMA = 0x6E657773  # the advisory lock key of schema creation ("news")

_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS articles (
        article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, url TEXT,
        site TEXT, byline TEXT, published TEXT, content_hash TEXT NOT NULL,
        chunks INTEGER NOT NULL, indexed_at DOUBLE PRECISION NOT NULL, text TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS chunks (
        chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
        terms TSVECTOR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_id)",
    "CREATE INDEX IF NOT EXISTS chunks_terms ON chunks USING GIN (terms)",
    """CREATE OR REPLACE AGGREGATE newsdesk_tsquery_or(tsquery)
        (SFUNC = tsquery_or, STYPE = tsquery)""",
    """CREATE TABLE IF NOT EXISTS pending (article_id TEXT NOT NULL,
        content_hash TEXT NOT NULL, PRIMARY KEY (article_id, content_hash))""",
    """CREATE TABLE IF NOT EXISTS summaries (content_hash TEXT PRIMARY KEY,
        summary TEXT NOT NULL, grounded BOOLEAN NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS feeds (feed_id TEXT PRIMARY KEY, url TEXT NOT NULL UNIQUE,
        every DOUBLE PRECISION NOT NULL, added_at DOUBLE PRECISION NOT NULL,
        announce_channel BIGINT, etag TEXT, last_modified TEXT,
        next_poll DOUBLE PRECISION NOT NULL, last_poll DOUBLE PRECISION,
        last_success DOUBLE PRECISION, last_error TEXT, last_error_at DOUBLE PRECISION,
        failures INTEGER NOT NULL, entries_added INTEGER NOT NULL)""",
)
_RECORD = (
    "article_id, title, source, url, site, byline, published, content_hash, chunks, indexed_at"
)
_ARTICLE = "article_id, title, text, source, url, site, byline, published, content_hash"
_CHUNK = 'chunk_id, article_id, ordinal, text, start, "end"'
_CHUNK_OF_C = 'c.chunk_id, c.article_id, c.ordinal, c.text, c.start, c."end"'
_BY_ID = 'article_id COLLATE "C"'  # byte order, as SQLite sorts, whatever the database locale
_INSERT_CHUNK = (
    f"INSERT INTO chunks ({_CHUNK}, terms) VALUES (%s, %s, %s, %s, %s, %s, "
    f"setweight(to_tsvector('{TS_CONFIG}', %s), 'A') || to_tsvector('{TS_CONFIG}', %s))"
)


# BM25's idea on PostgreSQL's full-text search: a chunk scores the inverse document frequency of
# each question word it contains (rare words count most), ties broken by ts_rank_cd (how often
# and how close together). Each word is an element of one bound text[] made a query by
# plainto_tsquery, so nothing the user typed is read as tsquery syntax. The chunk total is the
# planner's estimate (exact counts would scan the table); it only scales the idf.
_LEXICAL = f"""
WITH words AS (
    SELECT plainto_tsquery('{TS_CONFIG}', word) AS q FROM unnest(%s::text[]) AS word),
terms AS (
    SELECT q, (SELECT COUNT(*) FROM chunks WHERE chunks.terms @@ q) AS df
    FROM words WHERE numnode(q) > 0),
total AS (
    SELECT GREATEST((SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass),
                    (SELECT MAX(df) FROM terms), 1) AS n),
anyword AS (SELECT newsdesk_tsquery_or(q) AS q FROM terms)
SELECT {_CHUNK} FROM (
    SELECT c.chunk_id, c.article_id, c.ordinal, c.text, c.start, c."end",
           SUM(CASE WHEN c.terms @@ t.q THEN ln(1 + (total.n - t.df + 0.5) / (t.df + 0.5))
               ELSE 0 END) AS score,
           ts_rank_cd(c.terms, anyword.q) AS closeness
    FROM chunks c, anyword, terms t, total
    WHERE c.terms @@ anyword.q
    GROUP BY c.chunk_id, anyword.q) scored
ORDER BY score DESC, closeness DESC, chunk_id COLLATE "C"
LIMIT %s
"""


def _online(
    method: Callable[Concatenate[PostgresCatalog, P], R],
) -> Callable[Concatenate[PostgresCatalog, P], R]:
    """A catalog method whose connection failures become one clear error (and a reconnect)."""

    @functools.wraps(method)
    def guarded(self: PostgresCatalog, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._outage():
            return method(self, *args, **kwargs)

    return guarded


class PostgresCatalog:
    """The `Catalog` in a PostgreSQL database; any number of hosts may read and write."""

    def __init__(self, url: str, *, connect_timeout: float = 5.0) -> None:
        self._url = url
        self._where = safe_url(url)
        self._connect_timeout = connect_timeout
        self._conn: Any = None
        self._mutex = threading.RLock()  # one connection: one statement (or transaction) at a time
        self._in_transaction = False
        with self._outage():
            self._schema()

    # --- connection ----------------------------------------------------------------------------
    def _db(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg  # imported on first use, never at import time

            self._conn = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=max(1, round(self._connect_timeout)),
                application_name="newsdesk",
            )
        return self._conn

    @contextmanager
    def _outage(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            if self._in_transaction:
                raise  # the transaction's own handler reports it once
            self.close()
            log.info("catalog database failed url=%s error=%r", self._where, exc)
            raise unavailable(self._url, exc) from exc

    def _execute(self, sql: str, params: Iterable[object] = ()) -> Any:
        with self._mutex:
            return self._db().execute(sql, tuple(params))

    def _rows(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        with self._mutex:
            return list(self._db().execute(sql, tuple(params)).fetchall())

    def _schema(self) -> None:
        with self._mutex, self._db().transaction():
            self._db().execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_SCHEMA, 0))
            for statement in _TABLES:
                self._db().execute(statement)
            row = self._db().execute("SELECT value FROM meta WHERE key = 'schema_version'")
            found = row.fetchone()
            if found is None:
                self._db().execute(
                    "INSERT INTO meta VALUES ('schema_version', %s)", (SCHEMA_VERSION,)
                )
            elif found[0] != SCHEMA_VERSION:
                raise NewsdeskError(
                    f"the catalog at {self._where} has schema {found[0]!r}; this Newsdesk "
                    f"knows {SCHEMA_VERSION!r}: upgrade Newsdesk (or use another database)"
                )

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail again
                log.debug("closing a broken catalog connection failed")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._outage(), self._mutex:
            db = self._db()
            self._in_transaction = True
            try:
                with db.transaction():
                    yield
            finally:
                self._in_transaction = False

    # --- meta ----------------------------------------------------------------------------------
    @_online
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = %s", (key,))
        return None if not rows else str(rows[0][0])

    @_online
    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",
            (key, value, value),
        )

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    @_online
    def bump_generation(self) -> None:
        self._execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT (key) "
            "DO UPDATE SET value = (meta.value::bigint + 1)::text"
        )

    # --- articles ------------------------------------------------------------------------------
    @_online
    def hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        rows = self._rows(
            "SELECT article_id, content_hash FROM articles WHERE article_id = ANY(%s)",
            (list(article_ids),),
        )
        return {str(a): str(h) for a, h in rows}

    @_online
    def versions(self) -> dict[str, str]:
        return {
            str(a): str(h) for a, h in self._rows("SELECT article_id, content_hash FROM articles")
        }

    @_online
    def records(self, article_ids: Iterable[str] | None = None) -> list[ArticleRecord]:
        order = 'ORDER BY indexed_at DESC, title COLLATE "C"'
        if article_ids is None:
            rows = self._rows(f"SELECT {_RECORD} FROM articles {order}")
        else:
            rows = self._rows(
                f"SELECT {_RECORD} FROM articles WHERE article_id = ANY(%s) {order}",
                (list(article_ids),),
            )
        return [ArticleRecord(*row) for row in rows]

    @_online
    def article(self, article_id: str) -> Article | None:
        rows = self._rows(f"SELECT {_ARTICLE} FROM articles WHERE article_id = %s", (article_id,))
        return Article(*rows[0]) if rows else None

    def all_articles(self) -> Iterator[Article]:
        """Every article by id, fetched in pages (any number of articles fits in memory)."""
        after = ""
        while True:
            with self._outage():
                rows = self._rows(
                    f"SELECT {_ARTICLE} FROM articles WHERE {_BY_ID} > %s "
                    f"ORDER BY {_BY_ID} LIMIT 500",
                    (after,),
                )
            yield from (Article(*row) for row in rows)
            if len(rows) < 500:
                return
            after = str(rows[-1][0])

    @_online
    def put(self, article: Article, chunks: list[Chunk]) -> None:
        a = article
        values = (
            *(a.article_id, a.title, a.source, a.url, a.site, a.byline, a.published),
            *(a.content_hash, len(chunks), time.time(), a.text),
        )
        columns = f"{_RECORD}, text"
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns.split(", ")[1:])
        self._execute(
            f"INSERT INTO articles ({columns}) VALUES ({', '.join(['%s'] * 11)}) "
            f"ON CONFLICT (article_id) DO UPDATE SET {updates}",
            [_no_nul(v) for v in values],
        )
        self._execute("DELETE FROM chunks WHERE article_id = %s", (a.article_id,))
        self._insert_chunks(chunks, {a.article_id: a.title})

    @_online
    def replace_chunks(self, chunks: list[Chunk]) -> None:
        self._execute("DELETE FROM chunks")
        titles = {str(a): str(t) for a, t in self._rows("SELECT article_id, title FROM articles")}
        self._insert_chunks(chunks, titles)
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.article_id] = counts.get(c.article_id, 0) + 1
        with self._mutex:
            self._db().cursor().executemany(
                "UPDATE articles SET chunks = %s WHERE article_id = %s",
                [(n, a) for a, n in counts.items()],
            )

    def _insert_chunks(self, chunks: list[Chunk], titles: dict[str, str]) -> None:
        rows = [
            (
                *(c.chunk_id, c.article_id, c.ordinal, _no_nul(c.text), c.start, c.end),
                fold(titles[c.article_id]),
                fold(c.text),
            )
            for c in chunks
        ]
        with self._mutex:
            self._db().cursor().executemany(_INSERT_CHUNK, rows)

    @_online
    def delete(self, article_id: str) -> bool:
        cursor = self._execute("DELETE FROM articles WHERE article_id = %s", (article_id,))
        self._execute("DELETE FROM chunks WHERE article_id = %s", (article_id,))
        return bool(cursor.rowcount > 0)

    @_online
    def chunks(self) -> list[Chunk]:
        rows = self._rows(f"SELECT {_CHUNK} FROM chunks ORDER BY {_BY_ID}, ordinal")
        return [Chunk(*row) for row in rows]

    @_online
    def article_chunks(self, article_id: str) -> list[Chunk]:
        rows = self._rows(
            f"SELECT {_CHUNK} FROM chunks WHERE article_id = %s ORDER BY ordinal", (article_id,)
        )
        return [Chunk(*row) for row in rows]

    @_online
    def visible_chunks(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Chunk]:
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self._rows(
            f"SELECT {_CHUNK_OF_C}, a.content_hash FROM chunks c JOIN articles a "
            "ON a.article_id = c.article_id WHERE c.chunk_id = ANY(%s)",
            (list({chunk_id for chunk_id, _ in wanted}),),
        )
        return visible(rows, wanted)

    @_online
    def counts(self) -> tuple[int, int]:
        rows = self._rows("SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM chunks)")
        return int(rows[0][0]), int(rows[0][1])

    @_online
    def lexical_search(self, query: str, k: int) -> list[Chunk]:
        terms = [fold(t) for t in query_terms(query)]
        if not terms or k <= 0:
            return []
        rows = self._rows(_LEXICAL, (terms, k))
        return [Chunk(*row) for row in rows]

    # --- crash recovery ------------------------------------------------------------------------
    @_online
    def add_pending(self, items: Iterable[tuple[str, str]]) -> None:
        with self._mutex:
            self._db().cursor().executemany(
                "INSERT INTO pending VALUES (%s, %s) ON CONFLICT DO NOTHING", list(items)
            )

    @_online
    def pending(self) -> list[tuple[str, str]]:
        return [(str(a), str(h)) for a, h in self._rows("SELECT * FROM pending")]

    @_online
    def clear_pending(self, items: Iterable[tuple[str, str]]) -> None:
        with self._mutex:
            self._db().cursor().executemany(
                "DELETE FROM pending WHERE article_id = %s AND content_hash = %s", list(items)
            )

    # --- watched feeds -------------------------------------------------------------------------
    @_online
    def feeds(self) -> list[Feed]:
        rows = self._rows(f'SELECT {FEED_COLUMNS} FROM feeds ORDER BY added_at, url COLLATE "C"')
        return [feed_of(row) for row in rows]

    @_online
    def add_feed(self, feed: Feed) -> bool:
        marks = ", ".join(["%s"] * len(feed_row(feed)))
        cursor = self._execute(
            f"INSERT INTO feeds ({FEED_COLUMNS}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            [_no_nul(v) for v in feed_row(feed)],
        )
        return bool(cursor.rowcount > 0)

    @_online
    def update_feed(self, feed: Feed) -> bool:
        names = FEED_COLUMNS.split(", ")
        cursor = self._execute(
            f"UPDATE feeds SET {', '.join(f'{n} = %s' for n in names[1:])} WHERE feed_id = %s",
            [*(_no_nul(v) for v in feed_row(feed)[1:]), feed.feed_id],
        )
        return bool(cursor.rowcount > 0)

    @_online
    def remove_feed(self, feed_id: str) -> bool:
        cursor = self._execute("DELETE FROM feeds WHERE feed_id = %s", (feed_id,))
        return bool(cursor.rowcount > 0)

    # --- summary cache -------------------------------------------------------------------------
    @_online
    def cached_summary(self, content_hash: str) -> tuple[str, bool] | None:
        rows = self._rows(
            "SELECT summary, grounded FROM summaries WHERE content_hash = %s", (content_hash,)
        )
        return (str(rows[0][0]), bool(rows[0][1])) if rows else None

    @_online
    def cache_summary(self, content_hash: str, summary: str, grounded: bool) -> None:
        self._execute(
            "INSERT INTO summaries VALUES (%s, %s, %s) ON CONFLICT (content_hash) "
            "DO UPDATE SET summary = EXCLUDED.summary, grounded = EXCLUDED.grounded",
            (content_hash, _no_nul(summary), grounded),
        )

    @_online
    def integrity(self) -> str:
        empty, orphans = self._rows(
            "SELECT (SELECT COUNT(*) FROM chunks WHERE terms IS NULL), (SELECT COUNT(*) FROM "
            "chunks c WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.article_id = "
            "c.article_id))"
        )[0]
        problems = [f"{empty} chunks not in the lexical index"] if empty else []
        return "; ".join(problems + ([f"{orphans} chunks without an article"] if orphans else []))

    def rebuild_lexical(self) -> None:
        with self.transaction():
            rows = self._rows(
                "SELECT c.chunk_id, a.title, c.text FROM chunks c "
                "JOIN articles a ON a.article_id = c.article_id"
            )
            update = (
                f"UPDATE chunks SET terms = setweight(to_tsvector('{TS_CONFIG}', %s), 'A') || "
                f"to_tsvector('{TS_CONFIG}', %s) WHERE chunk_id = %s"
            )
            with self._mutex:
                self._db().cursor().executemany(
                    update, [(fold(title), fold(text), cid) for cid, title, text in rows]
                )
            self.bump_generation()

    @property
    def read_only(self) -> bool:
        return False  # a database's permissions are its own: a refused write is reported

    def refuse_writes(self) -> None:
        return None

    @_online
    def disk_bytes(self) -> int:
        rows = self._rows(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relname IN ('meta', 'articles', 'chunks', 'pending', 'summaries', 'feeds') "
            "AND c.relnamespace = current_schema()::regnamespace"
        )
        return int(rows[0][0])


def fold(text: str) -> str:
    """Accents removed (café → cafe), as SQLite's `remove_diacritics`; NULs dropped."""
    decomposed = unicodedata.normalize("NFKD", _no_nul(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _no_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL characters."""
    return value.replace("\x00", "") if isinstance(value, str) else value
