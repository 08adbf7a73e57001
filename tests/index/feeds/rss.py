"""RSS documents for the feed tests, and the test server route that serves them."""

from __future__ import annotations

from xml.sax.saxutils import escape

from tests.index.conftest import Route


def entry(n: int, fact: str = "", *, title: str | None = None) -> tuple[str, str, str]:
    """(guid, title, text) of entry `n`: three sentences of its own, `fact` first if given."""
    body = (f"{fact} " if fact else "") + (
        f"Story {n} opens with the council meeting in Brackenford on day {n}. "
        f"Residents of ward {n} asked about the bus timetable and the library hours. "
        f"The clerk promised a written answer within {n + 2} weeks."
    )
    return f"urn:story:{n}", title or f"Story number {n}", body


def rss(entries: list[tuple[str, str, str]], *, site: str = "Brackenford Gazette") -> bytes:
    items = "".join(
        f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title>"
        f"<link>https://gazette.example/{escape(guid.rsplit(':', 1)[-1])}</link>"
        f"<pubDate>Sun, 06 Dec 2026 09:00:00 GMT</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for guid, title, text in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(site)}</title><link>https://gazette.example/</link>{items}"
        "</channel></rss>"
    ).encode()


def feed_route(entries: list[tuple[str, str, str]], etag: str | None = '"v1"') -> Route:
    """A feed that answers a conditional GET with 304 while its ETag is unchanged."""
    headers = {"ETag": etag} if etag else {}
    return Route(body=rss(entries), content_type="application/rss+xml", headers=headers)
