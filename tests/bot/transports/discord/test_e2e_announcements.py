"""Announcements of new feed articles through the fake Discord server: the bot's real client,
the real `Announcer`, and (last test) the real feed watcher polling a feed server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.announce import Announcer
from bot.transports.discord.client import run_bot_async
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import FakeDiscord
from index.feeds.schedule import new_feed
from newsdesk.app import App, build_announcer, build_catalog
from newsdesk.settings import Settings
from newsdesk.watch import watching
from tests.bot.fakes import FakeDesk
from tests.bot.test_announce import article
from tests.bot.transports.discord.conftest import bot_parts, bot_settings
from tests.index import conftest as index_fixtures
from tests.index.conftest import Server
from tests.index.feeds.rss import entry, feed_route

http_server = index_fixtures.http_server  # the feed server of the index tests


@pytest.fixture
async def announcing(fake: FakeDiscord, desk: FakeDesk) -> AsyncIterator[Any]:
    tasks: list[asyncio.Task[int]] = []

    async def start(announcer: Announcer, **overrides: Any) -> None:
        settings = bot_settings(fake, **overrides)
        coro = run_bot_async(
            *bot_parts(settings), desk, announcer=announcer, guild_ready_timeout=0.05
        )
        tasks.append(asyncio.create_task(coro))
        await asyncio.wait_for(fake.ready.wait(), 5)
        await asyncio.sleep(0.1)

    yield start
    for task in tasks:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def posted(fake: FakeDiscord, channel: int = p.CHANNEL_ID) -> list[dict[str, Any]]:
    return [m for m in fake.channel_messages(channel) if m["embeds"]]


async def test_new_articles_are_posted_one_embed_each_without_pings(
    fake: FakeDiscord, announcing: Any
) -> None:
    announcer = Announcer(p.CHANNEL_ID, interval=0.2, max_each=3)
    await announcing(announcer)
    announcer.offer(None, [article(1, title="@everyone Tram line approved"), article(2)])

    messages = await fake.wait_for(lambda: len(posted(fake)) == 2 and posted(fake))

    first = messages[0]["embeds"][0]
    assert first["title"].startswith("@\u200beveryone Tram line approved")
    assert first["url"] == "https://gazette.example/1"
    assert first["description"].startswith("The Brackenford council approved a new tram line")
    assert first["description"].endswith("<https://gazette.example/1>")
    assert first["footer"]["text"] == "Gazette, 2026-12-06"
    sends = fake.sent("POST", contains=f"/channels/{p.CHANNEL_ID}/messages")
    assert len(sends) == 2
    assert all(r.body["allowed_mentions"] == {"parse": []} for r in sends)  # type: ignore[index]


async def test_two_hundred_entries_at_once_are_one_digest(
    fake: FakeDiscord, announcing: Any
) -> None:
    announcer = Announcer(p.CHANNEL_ID, interval=0.2, max_each=3)
    await announcing(announcer)
    announcer.offer(p.OTHER_CHANNEL_ID, [article(n) for n in range(200)])  # a feed's own channel

    [message] = await fake.wait_for(lambda: posted(fake, p.OTHER_CHANNEL_ID))
    await asyncio.sleep(0.5)
    assert len(posted(fake, p.OTHER_CHANNEL_ID)) == 1 and posted(fake) == []
    digest = message["embeds"][0]
    assert digest["title"] == "200 new articles from Gazette"
    assert "…and" in digest["description"] and len(digest["description"]) <= 4096


async def test_an_unknown_channel_is_logged_and_the_bot_goes_on(
    fake: FakeDiscord, announcing: Any, caplog: pytest.LogCaptureFixture
) -> None:
    announcer = Announcer(424242, interval=0.2, max_each=3)
    await announcing(announcer)
    announcer.offer(None, [article(1)])
    await fake.wait_for(lambda: "cannot announce in channel=424242" in caplog.text)
    announcer.offer(p.CHANNEL_ID, [article(2)])
    await fake.wait_for(lambda: posted(fake))


async def test_the_bot_process_polls_a_feed_and_announces_its_new_entries(
    fake: FakeDiscord, announcing: Any, http_server: Server, tmp_path: Path
) -> None:
    """`newsdesk bot`'s wiring: the watcher thread polls the feed (off the event loop), indexes
    its entries and hands the new ones to the announcer; the event loop posts them."""
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)]))
    settings = Settings(
        data_dir=tmp_path / "data",
        embedder="hashing",
        announce_channel=p.CHANNEL_ID,
        announce_interval=0.2,
    )
    catalog, _ = build_catalog(settings)
    catalog.add_feed(new_feed(url, every=1800.0, now=time.time()))
    announcer = build_announcer(settings)
    await announcing(announcer)

    started = time.monotonic()
    with watching(settings, on_new=lambda feed, new: announcer.offer(feed.announce_channel, new)):
        messages = await fake.wait_for(lambda: len(posted(fake)) == 2 and posted(fake), 30)
    assert time.monotonic() - started < 30
    assert [m["embeds"][0]["title"] for m in messages] == ["Story number 1", "Story number 2"]
    assert App(settings).index.catalog.counts()[0] == 2
    [feed] = App(settings).index.catalog.feeds()
    assert feed.entries_added == 2 and feed.failures == 0
