"""The catalog: the record of which articles (and which version of each) are indexed.

The catalog is the commit point of indexing. Vectors are written to the chunk store first, under
ids that carry the content hash, and only a catalog transaction makes them visible; a crash before
it leaves invisible leftovers that the next write removes (see `pending`). The catalog also holds
the lexical (full-text) index of the chunks, written in that same transaction, so what a lexical
search finds is always exactly what is visible.

`Catalog` is the interface the indexer, the retriever and the bot use; `SqliteCatalog`
(index/storage/catalog_sqlite.py) is the default implementation. Every implementation runs through
the contract tests in tests/index/storage/test_catalog_contract.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from index.models import Article, ArticleRecord, Chunk, Feed

MAX_QUERY_TERMS = 32
"""A question's first this-many distinct content words make its lexical query."""

_WORD = re.compile(r"[^\W_]+")
# Function words: they match most passages, so they would only make a lexical query slower and
# its ranking noisier. Questions are short; what is left is what the question is about.
STOPWORDS = frozenset(
    (
        "a about above after again against all am an and any are as at be because been before "
        "being below between both but by can could did do does doing down during each few for "
        "from further had has have having he her here hers herself him himself his how i if in "
        "into is it its itself just me more most my myself no nor not now of off on once only or "
        "other our ours ourselves out over own same she should so some such than that the their "
        "theirs them themselves then there these they this those through to too under until up "
        "very was we were what when where which while who whom why will with would you your "
        "yours yourself yourselves s t d ll m re ve"
    ).split()
)


class Catalog(Protocol):
    """Articles, chunks, their lexical index, crash-recovery bookkeeping and cached summaries."""

    # --- transactions and bookkeeping -----------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside become visible together at the end, or not at all."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def generation(self) -> int:
        """Bumped by every committed change; readers use it to notice new content."""
        ...

    def bump_generation(self) -> None: ...

    # --- articles and chunks --------------------------------------------------------------------
    def hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        """The committed content hash of each of `article_ids` that is indexed."""
        ...

    def versions(self) -> dict[str, str]:
        """Every indexed article's content hash (searching processes diff it to find changes)."""
        ...

    def records(self, article_ids: Iterable[str] | None = None) -> list[ArticleRecord]:
        """The given (default: all) articles, newest first."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def all_articles(self) -> Iterator[Article]: ...

    def put(self, article: Article, chunks: list[Chunk]) -> None:
        """Record `article`, its chunks and their lexical entries (call inside `transaction`)."""
        ...

    def replace_chunks(self, chunks: list[Chunk]) -> None:
        """Swap every chunk (and lexical entry) for `chunks` (a rebuild; inside `transaction`)."""
        ...

    def delete(self, article_id: str) -> bool:
        """Remove an article with its chunks and lexical entries; False if it was not there."""
        ...

    def chunks(self) -> list[Chunk]:
        """Every chunk, by article and ordinal."""
        ...

    def article_chunks(self, article_id: str) -> list[Chunk]:
        """One article's chunks, in order ([] for an unknown id)."""
        ...

    def visible_chunks(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Chunk]:
        """The chunk of each of `keys` (chunk id, content hash) whose article is committed with
        that hash, in one read; the others (not committed yet, replaced, deleted) are left out.
        The vector store keeps ids and hashes only: a hit's text comes from here."""
        ...

    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        ...

    def lexical_search(self, query: str, k: int) -> list[Chunk]:
        """The `k` chunks that best match the words of `query` (BM25-style), best first.

        `query` is user text: it is never interpreted as query syntax (see `query_terms`).
        """
        ...

    # --- crash recovery -------------------------------------------------------------------------
    def add_pending(self, items: Iterable[tuple[str, str]]) -> None: ...

    def pending(self) -> list[tuple[str, str]]: ...

    def clear_pending(self, items: Iterable[tuple[str, str]]) -> None: ...

    # --- watched feeds -------------------------------------------------------------------------
    def feeds(self) -> list[Feed]:
        """Every watched feed, oldest first."""
        ...

    def add_feed(self, feed: Feed) -> bool:
        """Start watching `feed`; False (and nothing changed) if its id is already watched."""
        ...

    def update_feed(self, feed: Feed) -> bool:
        """Replace a watched feed's settings and state; False if it is no longer watched (a
        poll that ends after `remove_feed` does not bring the feed back)."""
        ...

    def remove_feed(self, feed_id: str) -> bool:
        """Stop watching a feed (its indexed articles stay); False if it was not watched."""
        ...

    # --- summary cache --------------------------------------------------------------------------
    def cached_summary(self, content_hash: str) -> tuple[str, bool] | None: ...

    def cache_summary(self, content_hash: str, summary: str, grounded: bool) -> None: ...

    def integrity(self) -> str:
        """'' when the catalog (and its lexical index) is sound, else its first complaint."""
        ...

    def rebuild_lexical(self) -> None:
        """Rebuild the lexical index from the chunks (what `index check --repair` does when
        `integrity` finds them out of step)."""
        ...

    @property
    def read_only(self) -> bool:
        """Opened read-only (the data folder may not be written, or its disk is full)."""
        ...

    def refuse_writes(self) -> None:
        """Raise the one clear error a write would meet, if the catalog is read-only."""
        ...

    def disk_bytes(self) -> int: ...


def query_terms(query: str) -> list[str]:
    """The words a lexical search looks for: lower-cased, distinct, no stop words, in order.

    Words are runs of letters and digits, so no punctuation, operator or quote of the user's text
    survives; each implementation still passes the words to its engine as quoted literals.
    """
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in STOPWORDS and word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def visible(
    rows: Iterable[Sequence[Any]], wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], Chunk]:
    """`visible_chunks`' answer from rows of (chunk fields..., the article's committed hash)."""
    found = {(str(r[0]), str(r[-1])): Chunk(*r[:-1]) for r in rows}
    return {key: found[key] for key in wanted if key in found}


FEED_COLUMNS = (
    "feed_id, url, every, added_at, announce_channel, etag, last_modified, next_poll, "
    "last_poll, last_success, last_error, last_error_at, failures, entries_added"
)
"""The `feeds` table's columns, in `Feed`'s field order (both catalogs use it)."""


def feed_row(feed: Feed) -> tuple[Any, ...]:
    """A feed as the row both catalogs store, in `FEED_COLUMNS` order."""
    return tuple(getattr(feed, name) for name in FEED_COLUMNS.split(", "))


def feed_of(row: Sequence[Any]) -> Feed:
    """The `Feed` a stored row describes."""
    return Feed(*row)
