"""What is announced of new feed articles, and when (bot/announce.py): plain decisions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.announce import (
    Announcement,
    Announcer,
    announcement,
    announcement_embed,
    digest_embed,
    plan,
    ready,
)
from bot.transports.render import EMBED_DESCRIPTION, EMBED_TITLE, EMBED_TOTAL
from index.models import Article, stable_id

TEXT = (
    "The Brackenford council approved a new tram line on Tuesday. "
    "It will cost 182 million pounds and open in 2025. "
    "Mayor Ada Lovel said the line links Eastgate to the station."
)


def article(n: int, *, title: str = "", text: str = TEXT, site: str = "Gazette") -> Article:
    return Article(
        article_id=stable_id(f"a{n}"),
        title=title or f"Story {n}",
        text=text,
        source="https://gazette.example/feed.xml",
        url=f"https://gazette.example/{n}",
        site=site,
        published="2026-12-06T09:00:00+00:00",
    )


def test_an_announcement_is_the_title_site_date_link_and_a_two_sentence_lead() -> None:
    item = announcement(article(1))
    assert item.summary == (
        "The Brackenford council approved a new tram line on Tuesday. "
        "It will cost 182 million pounds and open in 2025."
    )
    embed = announcement_embed(item)
    assert embed.title == "Story 1" and embed.url == "https://gazette.example/1"
    assert embed.description == item.summary + "\n\n<https://gazette.example/1>"
    assert embed.footer == "Gazette, 2026-12-06"


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("Sun, 06 Dec 2026 08:30:00 GMT", "2026-12-06"),
        ("Sun, 06 Dec 2026 23:30:00 -0500", "2026-12-06"),
        ("2026-12-06T09:00:00+00:00", "2026-12-06T09:00:00+00:00"),
        ("Sun, 99 Foo", "Sun, 99 Foo"),
        (None, None),
    ],
)
def test_a_feeds_rfc822_date_is_shown_as_an_iso_date(published: str | None, shown: str) -> None:
    assert announcement(replace(article(1), published=published)).published == shown


def test_an_announcement_never_pings_and_never_links_anything_but_the_web() -> None:
    hostile = Article(
        article_id="x",
        title="@everyone look <@123>",
        text="Ping @here now. Second sentence is here.",
        source="/srv/feed.xml",
        url="javascript:alert(1)",
    )
    embed = announcement_embed(announcement(hostile))
    shown = embed.title + embed.description + embed.footer
    assert "@everyone" not in shown and "@here" not in shown and "<@123" not in shown
    assert embed.url == "" and "javascript" not in shown


def test_an_announcement_fits_discords_embed_limits() -> None:
    long = article(1, title="Headline " * 80, text="A very long sentence indeed. " * 400)
    embed = announcement_embed(announcement(long))
    assert len(embed.title) <= EMBED_TITLE and embed.size <= EMBED_TOTAL


@pytest.mark.parametrize(("count", "posts"), [(0, 0), (1, 1), (3, 3), (4, 1), (200, 1)])
def test_a_small_batch_is_one_embed_each_a_big_one_a_single_digest(count: int, posts: int) -> None:
    items = [announcement(article(n)) for n in range(count)]
    assert len(plan(items, max_each=3)) == posts


def test_a_digest_of_200_lists_what_fits_and_says_how_many_more() -> None:
    items = [announcement(article(n)) for n in range(200)]
    digest = digest_embed(items)
    assert digest.title == "200 new articles from Gazette"
    lines = digest.description.split("\n")
    assert lines[0] == "• Story 0 — 2026-12-06 <https://gazette.example/0>"
    assert lines[-1] == f"…and {200 - (len(lines) - 1)} more"
    assert len(digest.description) <= EMBED_DESCRIPTION and digest.size <= EMBED_TOTAL


def test_a_digest_of_several_sites_names_each() -> None:
    items = [announcement(article(1, site="Gazette")), announcement(article(2, site="Courier"))]
    digest = digest_embed(items)
    assert digest.title == "2 new articles"
    assert "Story 2 — Courier, 2026-12-06" in digest.description


@pytest.mark.parametrize(
    ("since", "last", "now", "expected"),
    [(0.0, None, 5.0, False), (0.0, None, 10.0, True), (0.0, 95.0, 100.0, False),
     (0.0, 90.0, 100.0, True)],
)  # fmt: skip
def test_a_batch_is_ready_after_gathering_and_once_per_interval(
    since: float, last: float | None, now: float, expected: bool
) -> None:
    assert ready(since, last, now, interval=10.0) is expected


def test_the_announcer_batches_per_channel_and_rate_limits() -> None:
    clock = [0.0]
    announcer = Announcer(7, interval=10.0, max_each=3, clock=lambda: clock[0])
    announcer.offer(None, [article(1)])  # the default channel
    announcer.offer(9, [article(2), article(3)])
    assert announcer.take() == []  # still gathering
    clock[0] = 10.0
    taken = dict(announcer.take())
    assert [e.title for e in taken[7]] == ["Story 1"]
    assert [e.title for e in taken[9]] == ["Story 2", "Story 3"]

    announcer.offer(7, [article(n) for n in range(4, 9)])
    clock[0] = 15.0
    assert announcer.take() == []  # the channel posted 5 s ago
    clock[0] = 20.0
    [(channel, [digest])] = announcer.take()
    assert channel == 7 and digest.title == "5 new articles from Gazette"
    assert announcer.take() == []


def test_without_any_channel_nothing_is_queued() -> None:
    announcer = Announcer(None, interval=0.1, max_each=3, clock=lambda: 100.0)
    announcer.offer(None, [article(1)])
    assert announcer.take() == []


def test_announcement_is_plain_data() -> None:
    item = Announcement("T", None, None, None, "S.")
    assert announcement_embed(item).description == "S." and announcement_embed(item).footer == ""
