from __future__ import annotations

import re

import pytest

from bot.transports.render import (
    EMBED_TOTAL,
    ZWSP,
    EmbedSpec,
    fit_embed,
    format_about,
    format_articles,
    format_sources_text,
    neutralise_mentions,
    sources_embed,
    split_message,
    truncate,
)
from tests.bot.fakes import record, source

CITATION_OR_LINK = re.compile(r"\[\d+(?:, ?\d+)*\]|<https?://[^>\s]+>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone look", f"@{ZWSP}everyone look"),
        ("hi @here", f"hi @{ZWSP}here"),
        ("<@123> and <@!456>", f"<@{ZWSP}123> and <@{ZWSP}!456>"),
        ("role <@&789>", f"role <@{ZWSP}&789>"),
        ("mail me@example.org", "mail me@example.org"),
        ("@EVERYONE", f"@{ZWSP}EVERYONE"),
    ],
)
def test_mentions_are_neutralised(text: str, expected: str) -> None:
    assert neutralise_mentions(text) == expected


def test_truncate_marks_the_cut() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("a" * 20, 10) == "a" * 9 + "…"
    assert len(truncate("word " * 100, 100)) <= 100


def test_short_text_is_one_message() -> None:
    assert split_message("  Hello [1].  ") == ["Hello [1]."]
    assert split_message("   ") == []


def test_paragraph_boundaries_are_preferred() -> None:
    paragraph = ("Sentence one is here [1]. " * 30).strip()
    parts = split_message("\n\n".join([paragraph] * 5))
    assert all(len(p) <= 2000 for p in parts)
    assert all(p == paragraph or p.count(paragraph) >= 1 for p in parts)
    assert all(p.endswith("[1].") for p in parts)


def test_sentences_are_used_when_a_paragraph_is_too_long() -> None:
    text = "This sentence has a citation at its end [2]. " * 200
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(p) <= 2000 and p.endswith("[2].") for p in parts)


@pytest.mark.parametrize("width", [1990, 1995, 1998, 2000, 2003])
def test_citations_and_links_are_never_cut(width: int) -> None:
    filler = "x" * (width - 10)
    text = f"{filler} end [12, 13] <https://example.org/a/very/long/link> " * 4
    parts = split_message(text)
    assert all(len(p) <= 2000 for p in parts)
    joined_tokens = [m.group() for p in parts for m in CITATION_OR_LINK.finditer(p)]
    assert joined_tokens == [m.group() for m in CITATION_OR_LINK.finditer(text)]


def test_text_without_any_boundary_is_cut_hard() -> None:
    parts = split_message("y" * 4500)
    assert [len(p) for p in parts] == [2000, 2000, 500]


def test_a_ten_thousand_character_answer_keeps_every_word() -> None:
    text = " ".join(f"w{i}" for i in range(2500)) + " [1]."
    parts = split_message(text)
    assert all(len(p) <= 2000 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_sources_embed_lists_titles_and_unfurl_free_links() -> None:
    spec = sources_embed([source(1, "Bank raises rates"), source(2, "@everyone <@&1> news")])
    assert spec is not None
    assert spec.title == "Sources"
    assert "**[1]** Bank raises rates — Example News\n<https://example.org/1>" in spec.description
    assert "@everyone" not in spec.description and "<@&" not in spec.description
    assert sources_embed([]) is None


def test_many_long_sources_fit_the_embed_limits() -> None:
    sources = [source(i, "T" * 400, url="https://example.org/" + "p" * 300) for i in range(40)]
    spec = sources_embed(sources)
    assert spec is not None
    assert len(spec.description) <= 4096
    assert spec.description.endswith("more lines")


def test_fit_embed_enforces_every_limit() -> None:
    spec = fit_embed(
        EmbedSpec(
            title="t" * 300,
            description="d" * 5000,
            fields=tuple((f"n{i}" * 100, "v" * 2000) for i in range(30)),
            footer="f" * 3000,
        )
    )
    assert len(spec.title) <= 256
    assert len(spec.description) <= 4096
    assert len(spec.fields) <= 25
    assert all(len(n) <= 256 and len(v) <= 1024 for n, v in spec.fields)
    assert len(spec.footer) <= 2048
    assert spec.size <= EMBED_TOTAL


def test_plain_sources_for_the_terminal() -> None:
    assert format_sources_text([source(1, "Bank  raises\nrates")]) == (
        "[1] Bank raises rates — Example News <https://example.org/1>"
    )


@pytest.mark.parametrize("url", ["/srv/newsdesk/a.md", "file:///srv/newsdesk/a.md", "ftp://x/y"])
def test_members_never_see_where_an_article_was_indexed_from(url: str) -> None:
    dated = source(1, "Ferry returns", url=url, site=None, published="2025-06-14T09:30:00Z")
    shown = format_sources_text([dated]) + (sources_embed([dated]) or EmbedSpec("")).description
    assert "/srv" not in shown and "file:" not in shown and "ftp:" not in shown
    assert format_sources_text([dated]) == "[1] Ferry returns — 2025-06-14"
    assert format_articles([record("a", "Ferry returns")]) == "1. Ferry returns"


def test_site_and_date_follow_the_title_when_known() -> None:
    full = source(2, "Tram opens", site="Brackenford Post", published="14 June 2025")
    assert format_sources_text([full]) == (
        "[2] Tram opens — Brackenford Post, 14 June 2025 <https://example.org/2>"
    )
    assert format_articles([record("b", "Tram opens", site="Brackenford Post")]) == (
        "1. Tram opens — Brackenford Post"
    )


def test_articles_and_about() -> None:
    assert format_articles([]) == "Nothing is indexed yet."
    lines = format_articles([record("a", "@here first", "https://x.org"), record("b", "second")])
    assert lines.splitlines() == [
        f"1. @{ZWSP}here first <https://x.org>",
        "2. second",
    ]
    assert format_about({"model": "m", "index_size": 3}) == "model: m\nindex size: 3"
