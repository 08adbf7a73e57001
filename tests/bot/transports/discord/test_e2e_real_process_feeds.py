"""The real `newsdesk bot` process with a watched feed: it polls the feed served on 127.0.0.1,
announces the new entries in the announcement channel, and answers a question from one of them;
no admin command runs after `feeds add`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from devtools.fake_discord import payloads as p
from devtools.fake_discord.process import bot_env, newsdesk_command, stop_bot_process
from devtools.fake_discord.server import FakeDiscord
from tests.bot.transports.discord.conftest import mention
from tests.index import conftest as index_fixtures
from tests.index.conftest import Route, Server
from tests.index.feeds.rss import entry, rss

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
http_server = index_fixtures.http_server

FERRY = "The Harbourside ferry will cost 12 million pounds, the port authority said."


async def test_the_bot_polls_announces_and_answers_from_a_new_entry(
    fake: FakeDiscord, http_server: Server, tmp_path: Path
) -> None:
    body = rss([("urn:ferry", "Harbourside ferry approved", f"{FERRY} {entry(9)[2]}"), entry(2)])
    url = http_server.add("/feed.xml", Route(body=body, content_type="application/rss+xml"))
    data = tmp_path / "data"
    env = bot_env(
        data,
        fake,
        NEWSDESK_EMBEDDER="hashing",
        NEWSDESK_MIN_RELEVANCE="0.1",
        NEWSDESK_ANNOUNCE_CHANNEL=str(p.OTHER_CHANNEL_ID),
        NEWSDESK_ANNOUNCE_INTERVAL="0.5",
    )
    added = await asyncio.create_subprocess_exec(
        *newsdesk_command(), "feeds", "add", url, "--every", "1h", env=env, cwd=tmp_path
    )
    assert await added.wait() == 0
    process = await asyncio.create_subprocess_exec(
        *newsdesk_command(),
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for(lambda: fake.ready.is_set() or process.returncode is not None, 180)
        assert fake.ready.is_set(), "the bot process never identified"
        posts = await fake.wait_for(
            lambda: len(m := fake.channel_messages(p.OTHER_CHANNEL_ID)) == 2 and m, 120
        )
        titles = [m["embeds"][0]["title"] for m in posts]
        assert titles == ["Harbourside ferry approved", "Story number 2"]
        assert "12 million pounds" in posts[0]["embeds"][0]["description"]

        started = time.monotonic()
        await fake.user_says(mention("How much will the Harbourside ferry cost?"))
        [reply] = await fake.wait_for(
            lambda: [m for m in fake.channel_messages() if m["embeds"]], 240
        )
        assert time.monotonic() - started < 240
        assert "12 million" in str(reply["content"])
        assert "Harbourside ferry approved" in reply["embeds"][0]["description"]
        for r in fake.requests:
            if isinstance(r.body, dict) and ("content" in r.body or "embeds" in r.body):
                assert r.body["allowed_mentions"] == {"parse": []}
    finally:
        code, err = await stop_bot_process(process)
    assert code == 0, err
    assert "Traceback" not in err
