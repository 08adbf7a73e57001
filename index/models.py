"""The data that crosses module boundaries in the index: our own frozen dataclasses.

Vendor shapes (Chroma's lists of lists, trafilatura's documents, feedparser entries) are
converted to these in exactly one place each and never leak further.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def content_hash(title: str, text: str) -> str:
    """A stable fingerprint of what an article says: unchanged content is never re-embedded."""
    return hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()


def stable_id(key: str) -> str:
    """A deterministic article id: 16 hex digits of the sha256 of a canonical key."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def http_url(url: object) -> str | None:
    """`url` if it is an absolute http(s) URL, else None: `javascript:`, `data:`, `file:` and
    relative links are never stored or shown (the one rule; Article and ArticleRecord apply it)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    scheme, sep, rest = url.partition(":")
    if not sep or scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return None
    if any(ord(ch) < 33 for ch in url):  # whitespace or controls inside: not a clean link
        return None
    return url


@dataclass(frozen=True)
class Article:
    """One cleaned news article, ready to chunk and index."""

    article_id: str
    title: str
    text: str
    source: str
    url: str | None = None
    site: str | None = None
    byline: str | None = None
    published: str | None = None
    content_hash: str = ""

    def __post_init__(self) -> None:
        if self.url is not None and http_url(self.url) != self.url:
            object.__setattr__(self, "url", http_url(self.url))
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self.title, self.text))


@dataclass(frozen=True)
class Chunk:
    """A passage of an article; `start`/`end` are character offsets into `Article.text`."""

    chunk_id: str
    article_id: str
    ordinal: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleRecord:
    """What the catalog knows about an indexed article (no body text)."""

    article_id: str
    title: str
    source: str
    url: str | None
    site: str | None
    byline: str | None
    published: str | None
    content_hash: str
    chunks: int
    indexed_at: float

    def __post_init__(self) -> None:
        if self.url is not None and http_url(self.url) != self.url:
            object.__setattr__(self, "url", http_url(self.url))


@dataclass(frozen=True)
class Retrieved:
    """A chunk found by a search, with its article and its dense similarity to the question."""

    chunk: Chunk
    article: ArticleRecord
    score: float


@dataclass(frozen=True)
class IndexStats:
    articles: int
    chunks: int
    embedder: str
    collection: str
    disk_bytes: int


@dataclass(frozen=True)
class Feed:
    """A watched RSS/Atom feed: where it is, how often to poll it, and how its polls went.

    Times are Unix seconds. `failures` counts consecutive failed polls (0 after a success or a
    304); `entries_added` counts every entry its polls added to the index."""

    feed_id: str
    url: str
    every: float  # seconds between polls when all is well
    added_at: float
    announce_channel: int | None = None  # Discord channel for its new articles (None: default)
    etag: str | None = None
    last_modified: str | None = None
    next_poll: float = 0.0  # 0: due at once
    last_poll: float | None = None
    last_success: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    failures: int = 0
    entries_added: int = 0


def feed_id(url: str) -> str:
    """A watched feed's id: 8 hex digits of the sha256 of its URL (short enough to type)."""
    return hashlib.sha256(url.encode()).hexdigest()[:8]
