"""One conditional fetch of a watched feed, parsed into articles.

The request carries the validators of the last successful poll (If-None-Match with its ETag,
If-Modified-Since with its Last-Modified), so an unchanged feed costs one short 304 and no
parsing. The entries are parsed by `index.ingest.html.parse_feed`, the parser `index add` uses
for a feed URL, with the feed's URL as their source: the same entry gets the same article id
whichever of the two loaded it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from index.errors import SourceError
from index.ingest.fetch import fetch
from index.ingest.html import looks_like_feed, parse_feed
from index.models import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedFetch:
    """What one poll brought: nothing new (304), or the feed's current entries."""

    not_modified: bool
    articles: tuple[Article, ...] = ()
    etag: str | None = None
    last_modified: str | None = None


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The request headers that let the server answer 304 Not Modified."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def fetch_feed(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    timeout: float,
    client: httpx.Client | None = None,
) -> FeedFetch:
    """Fetch `url` conditionally and parse its entries; `SourceError` (or its subclass
    `ThrottledError` for 429/503) when the poll failed."""
    got = fetch(
        url,
        max_bytes=max_bytes,
        timeout=timeout,
        client=client,
        headers=conditional_headers(etag, last_modified),
    )
    if got.status == 304:
        return FeedFetch(True, (), got.etag or etag, got.last_modified or last_modified)
    if not looks_like_feed(got.body, got.content_type):
        kind = got.content_type or "no content type"
        raise SourceError(url, f"not an RSS or Atom feed ({kind})")
    articles = tuple(parse_feed(got.body, source=url))
    log.debug("feed fetched url=%s entries=%d", url, len(articles))
    return FeedFetch(False, articles, got.etag, got.last_modified)
