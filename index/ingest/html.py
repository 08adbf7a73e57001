"""Markup sources: HTML pages (through trafilatura) and RSS/Atom feeds (through feedparser).

trafilatura's `Document` and feedparser's entries are turned into `Article`s here and nowhere else.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from index.ingest.clean import fix_text, guess_title
from index.ingest.split import drop_boilerplate, split_lines
from index.models import Article, http_url, stable_id

log = logging.getLogger(__name__)

_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_BLOCK_TAGS = (
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "tr",
    "table",
    "section",
    "article",
    "pre",
    "figure",
    "header",
    "footer",
)


def looks_like_feed(body: bytes, content_type: str = "") -> bool:
    """Whether a body is an RSS/Atom feed, by content type or by its root element."""
    if content_type in _FEED_TYPES or content_type.endswith(("+xml", "/rss", "/atom")):
        return True
    head = body[:2048].lstrip()
    return bool(_FEED_ROOT.search(head)) and b"<html" not in head.lower()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element."""
    from lxml import etree, html  # lazy: only markup sources need lxml

    if not fragment.strip():
        return ""
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for el in root.iter():
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        elif el.tag in _BLOCK_TAGS:
            el.tail = "\n\n" + (el.tail or "")
    return str(root.text_content())


def parse_html(page: bytes | str, *, source: str, url: str | None) -> list[Article]:
    """The main text and metadata of an HTML page; [] when it has no article text."""
    import trafilatura  # lazy: heavy import, only HTML sources need it

    doc = trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        return []
    canonical = doc.url or url
    title = fix_text(doc.title or "")
    lines = ([title, ""] if title else []) + fix_text(doc.text or "").split("\n")
    articles = split_lines(
        lines,
        source=source,
        url=canonical,
        site=doc.sitename or doc.hostname or None,
        published=doc.date or None,
        hard_headlines=frozenset({0}) if title else frozenset(),
    )
    author = fix_text(doc.author) if doc.author else None
    return [_with_byline(a, author) for a in articles]


def _with_byline(article: Article, author: str | None) -> Article:
    if article.byline or not author:
        return article
    return Article(
        article_id=article.article_id,
        title=article.title,
        text=article.text,
        source=article.source,
        url=article.url,
        site=article.site,
        byline=author,
        published=article.published,
    )


def parse_feed(body: bytes, *, source: str) -> list[Article]:
    """One article per feed entry; entries without text are skipped.

    An entry is identified by its GUID (scoped to the feed), and only when it has none by its
    link: two entries sharing a link but not a GUID are two articles, and a GUID seen twice is
    one article (the first with text wins), so re-reading a feed changes nothing.
    """
    import feedparser  # lazy: only feed sources need it

    parsed = feedparser.parse(body)
    site = fix_text(parsed.feed.get("title", "")) or None
    seen: set[str] = set()
    articles: list[Article] = []
    for position, entry in enumerate(parsed.entries):
        key = _entry_key(entry, source, position)
        if key in seen:
            log.debug("duplicate feed entry source=%s key=%s", source, key)
            continue
        article = _entry_article(entry, key, source=source, site=site)
        if article is not None:
            seen.add(key)
            articles.append(article)
    log.debug("feed source=%s entries=%d articles=%d", source, len(parsed.entries), len(articles))
    return articles


def _entry_key(entry: Any, source: str, position: int) -> str:
    """The identity of a feed entry: its GUID within this feed, else its link, else its place."""
    guid = str(entry.get("id") or "").strip()
    if guid:
        return f"{source}#guid:{guid}"
    link = http_url(entry.get("link"))
    return link or f"{source}#{position}"


def _entry_article(entry: Any, key: str, *, source: str, site: str | None) -> Article | None:
    contents = entry.get("content") or []
    markup = contents[0].get("value", "") if contents else entry.get("summary", "")
    text = drop_boilerplate(fix_text(html_to_text(markup)))
    title = fix_text(html_to_text(entry.get("title", ""))).strip()
    if not text:
        return None
    if not title:
        title, text = guess_title(text)
    return Article(
        article_id=stable_id(key),
        title=title,
        text=text,
        source=source,
        url=entry.get("link") or None,
        site=site,
        byline=(entry.get("author_detail") or {}).get("name") or entry.get("author") or None,
        published=entry.get("published") or entry.get("updated") or None,
    )
