"""Specification of loading sources (`index.ingest.load`): files, folders, CSV, HTML, feeds and
URLs, and the one-line reason every bad source fails with. URL tests use a real server on
127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.errors import SourceError
from index.ingest.load import SUPPORTED_SUFFIXES, expand_sources, load_source
from index.models import Article, stable_id
from tests.index.conftest import BBC, PAGES, SAMPLE, Route, Server

LIMIT = 1_000_000
Write = Callable[[str, bytes | str], Path]


def load(
    source: str | Path,
    *,
    max_bytes: int = LIMIT,
    timeout: float = 2.0,
    client: httpx.Client | None = None,
) -> list[Article]:
    return load_source(str(source), max_bytes=max_bytes, timeout=timeout, client=client)


# --- expand_sources ---------------------------------------------------------------------------


def test_supported_suffixes_are_the_documented_ones() -> None:
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".csv"} == SUPPORTED_SUFFIXES


def test_expand_sources_walks_folders_sorted_and_skips_other_files(write: Write) -> None:
    b = write("news/b.txt", "x")
    a = write("news/sub/a.md", "x")
    c = write("news/c.HTML", "x")
    write("news/photo.jpg", b"\xff\xd8")
    write("news/.hidden/d.txt", "x")
    got = expand_sources([str(b.parent)])
    assert got == sorted([str(a), str(b), str(c)])
    assert expand_sources([str(b.parent)]) == got  # deterministic


def test_expand_sources_passes_files_urls_and_missing_paths_through(write: Write) -> None:
    f = write("one.pdf", "x")
    sources = [str(f), "https://example.org/a", "/no/such/path.txt", str(f)]
    assert expand_sources(sources) == sources[:3]


def test_expand_sources_keeps_a_folder_with_nothing_supported(write: Write) -> None:
    folder = write("empty/readme.pdf", "x").parent
    assert expand_sources([str(folder)]) == [str(folder)]


# --- bad sources: one clear reason each ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("empty.txt", b"   \n\n", "empty"),
        ("junk_only.txt", b"Share this\nComments\nRead more\n", "no article text"),
        ("latin.txt", b"\x81\x8d\x8f\x90\x9d" * 20, "cannot decode"),
        ("big.txt", b"word " * (LIMIT // 5 + 10), "too large"),
        ("slides.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
        ("noext", b"hello", "unsupported file type"),
        ("bad.csv", b"headline,body\nA,B\n", "no 'text' column"),
    ],
)
def test_bad_file_fails_with_a_specific_reason(
    write: Write, name: str, data: bytes, reason: str
) -> None:
    path = write(name, data)
    with pytest.raises(SourceError) as err:
        load(path)
    assert reason in err.value.reason
    assert err.value.source == str(path)


def test_missing_file_fails_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        load(tmp_path / "nope.txt")


def test_folder_with_nothing_supported_fails(write: Write) -> None:
    folder = write("pics/a.jpg", b"\xff").parent
    with pytest.raises(SourceError, match="no supported files"):
        load(folder)


def test_folder_loads_every_supported_file_and_skips_broken_ones(write: Write) -> None:
    write("box/good.txt", (PAGES / "wire_two_stories.txt").read_text())
    write("box/broken.txt", b"\x00\x01binary")
    articles = load(write("box/x.jpg", b"").parent)
    assert len(articles) == 2


# --- files -----------------------------------------------------------------------------------


def test_text_file_ids_come_from_the_resolved_path() -> None:
    articles = load(SAMPLE)
    assert len(articles) == 4
    assert articles[0].article_id == stable_id(f"{SAMPLE.resolve()}#0")
    assert articles[0].source == str(SAMPLE.resolve())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_text_files_decode_common_encodings(write: Write, encoding: str) -> None:
    text = "Café owner wins £5,000 prize\nThe café owner said the prize was “a surprise”."
    (article,) = load(write("cafe.txt", text.encode(encoding)))
    assert article.title == "Café owner wins £5,000 prize"
    assert "£" not in article.text and "café" in article.text


def test_markdown_top_headings_are_headlines_and_syntax_is_stripped() -> None:
    first, second = load(PAGES / "markdown_post.md")
    assert first.title == "Volunteers count river birds for the spring survey"
    assert second.title == "Ferry timetable changes next month"
    assert "Why the count matters" in first.text  # a ## subheading stays in its article
    assert "spring survey. They" in first.text
    for syntax in ("**", "](", "#", "- Kingfishers", "---", "*water"):
        assert syntax not in first.text


def test_html_file_gives_main_text_and_metadata() -> None:
    (article,) = load(PAGES / "news_page.html")
    assert article.title == "Tram line extension approved"
    assert article.byline == "Priya Shah"
    assert article.site == "Valley Gazette"
    assert article.published == "2024-04-18"
    assert article.url == "https://gazette.example.org/news/tram-extension"
    assert article.article_id == stable_id(article.url)
    assert article.text.startswith("The regional council approved")
    for junk in ("Most read", "Bakery", "cookies", "©", "Home"):
        assert junk not in article.text


def test_csv_rows_become_articles_with_guessed_titles() -> None:
    path = BBC / "val.csv"
    articles = load(path, max_bytes=50_000_000)
    assert len(articles) > 300
    first = articles[0]
    assert first.article_id == stable_id(f"{path.resolve()}#1")
    assert not any("Â" in a.title or "Â" in a.text for a in articles)
    assert all(len(a.title.split()) <= 15 for a in articles)


def test_csv_title_column_wins_and_empty_rows_are_skipped(write: Write) -> None:
    data = "title,text,category\nGiven title,Body of the first row.,x\n,,x\n,Second body.,y\n"
    path = write("rows.csv", data)
    first, second = load(path)
    assert (first.title, first.text) == ("Given title", "Body of the first row.")
    assert second.text == "Second body."
    assert second.article_id == stable_id(f"{path.resolve()}#3")  # row numbers, blanks counted


def test_csv_published_site_and_url_columns_are_kept(write: Write) -> None:
    data = (
        "text,published,site,url\n"
        "Tram fares rise.,2005-03-08,Valley Gazette,https://gazette.example.org/fares\n"
        "Library closes.,  ,,javascript:alert(1)\n"
    )
    dated, undated = load(write("dated.csv", data))
    assert (dated.published, dated.site, dated.url) == (
        "2005-03-08",
        "Valley Gazette",
        "https://gazette.example.org/fares",
    )
    assert (undated.published, undated.site, undated.url) == (None, None, None)


def test_feed_file_entries_deduplicated_by_guid_then_link() -> None:
    articles = load(PAGES / "feed.rss")
    assert [a.title for a in articles] == [
        "Tram line extension approved",
        "Bakery wins regional bread award",
        "Storm warning for the weekend",
    ]
    tram = articles[0]
    assert (tram.byline, tram.site) == ("Priya Shah", "Valley Gazette")
    assert tram.published == "Thu, 18 Apr 2024 09:00:00 GMT"
    assert tram.article_id == stable_id(f"{(PAGES / 'feed.rss').resolve()}#guid:gazette-1001")
    assert "Read more" not in tram.text


def test_atom_feed_entry_takes_html_content() -> None:
    (entry,) = load(PAGES / "feed.atom")
    assert (entry.title, entry.byline, entry.site) == (
        "Ferry adds Saturday crossings",
        "Tom Reyes",
        "Island Post",
    )
    assert entry.text.startswith("The island ferry will run two extra crossings")
    assert "Share" not in entry.text


# --- URLs against a real loopback server ------------------------------------------------------


def test_url_returning_html_is_extracted(http_server: Server) -> None:
    url = http_server.add("/tram", Route((PAGES / "news_page.html").read_bytes()))
    (article,) = load(url)
    assert article.title == "Tram line extension approved"
    assert article.source == url
    assert "Newsdesk" in http_server.user_agents[0]


def test_url_follows_redirects(http_server: Server) -> None:
    http_server.add("/tram", Route((PAGES / "news_page.html").read_bytes()))
    url = http_server.add("/old", Route(status=301, headers={"Location": "/tram"}))
    (article,) = load(url)
    assert article.byline == "Priya Shah"


def test_url_returning_a_feed_is_parsed_as_a_feed(http_server: Server) -> None:
    body = (PAGES / "feed.rss").read_bytes()
    url = http_server.add("/rss", Route(body, content_type="application/rss+xml"))
    assert len(load(url)) == 3
    sniffed = http_server.add("/feed", Route(body, content_type="text/xml"))
    assert len(load(sniffed)) == 3


def test_url_returning_plain_text_is_split(http_server: Server) -> None:
    body = (PAGES / "wire_two_stories.txt").read_bytes()
    url = http_server.add("/wire.txt", Route(body, content_type="text/plain; charset=utf-8"))
    first, second = load(url)
    assert first.url == url and first.article_id == stable_id(url)
    assert second.article_id == stable_id(f"{url}#1")


def test_url_uses_a_given_client(http_server: Server) -> None:
    url = http_server.add("/t", Route((PAGES / "news_page.html").read_bytes()))
    with httpx.Client() as client:
        assert len(load(url, client=client)) == 1


@pytest.mark.parametrize(
    ("route", "kw", "reason"),
    [
        (None, {}, "HTTP 404"),
        (Route(b"oops", status=500), {}, "HTTP 500"),
        (Route(b"<html>" + b"x" * 5000, chunks=1), {"max_bytes": 1000}, "too large"),
        (Route(b"y" * 4096, chunks=50), {"max_bytes": 20_000}, "too large"),
        (Route(b"late", delay=1.0), {"timeout": 0.2}, "timed out"),
        (Route(b"%PDF-1.4", content_type="application/pdf"), {}, "unsupported content type"),
        (Route(b"", content_type="text/plain"), {}, "empty"),
        (Route(b"<html><body><nav>Home</nav></body></html>"), {}, "no article text"),
    ],
    ids=[
        "404",
        "500",
        "declared-too-large",
        "streamed-too-large",
        "timeout",
        "pdf",
        "empty",
        "no-text",
    ],
)
def test_bad_url_fails_with_a_specific_reason(
    http_server: Server, route: Route | None, kw: dict[str, Any], reason: str
) -> None:
    url = http_server.url("/missing") if route is None else http_server.add("/bad", route)
    with pytest.raises(SourceError) as err:
        load(url, **kw)
    assert reason in err.value.reason
    assert err.value.source == url


def test_connection_refused_fails_with_a_reason(closed_port_url: str) -> None:
    with pytest.raises(SourceError, match="connection refused"):
        load(closed_port_url)


def test_invalid_url_fails_with_a_reason() -> None:
    with pytest.raises(SourceError, match="not a valid"):
        load("http://")
