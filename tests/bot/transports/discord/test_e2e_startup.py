"""Starting the bot: token problems, the Message Content intent, stopping cleanly."""

from __future__ import annotations

import io
import logging

import pytest

from bot.transports.discord.client import MESSAGE_CONTENT_MISSING, run_bot, run_bot_async
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import MESSAGE_CONTENT, FakeDiscord
from newsdesk.settings import Settings
from tests.bot.fakes import FakeDesk
from tests.bot.transports.discord.conftest import StartBot, bot_parts, bot_settings, mention


async def test_login_identifies_with_the_intents_it_needs(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    await start_bot()
    assert [r.path for r in fake.requests[:2]] == [
        "/api/v10/users/@me",
        "/api/v10/oauth2/applications/@me",
    ]
    assert fake.identify is not None
    assert fake.identify["token"] == p.TOKEN
    intents = fake.identify["intents"]
    assert intents & 1 and intents & (1 << 9) and intents & MESSAGE_CONTENT  # guilds, messages


def test_a_missing_token_is_one_clear_line(fake: FakeDiscord, desk: FakeDesk) -> None:
    err = io.StringIO()
    assert run_bot(*bot_parts(Settings()), desk, stderr=err) == 1
    assert err.getvalue() == "error: NEWSDESK_DISCORD_TOKEN is not set; put the bot token in .env\n"


async def test_a_rejected_token_is_one_clear_line(
    fake: FakeDiscord, desk: FakeDesk, caplog: pytest.LogCaptureFixture
) -> None:
    err = io.StringIO()
    settings = bot_settings(fake, discord_token="wrong")
    with caplog.at_level(logging.WARNING):
        code = await run_bot_async(*bot_parts(settings), desk, stderr=err)
    assert code == 1
    assert err.getvalue() == (
        "error: Discord rejected NEWSDESK_DISCORD_TOKEN; copy the token again\n"
    )
    assert not [r for r in caplog.records if r.exc_info]


async def test_an_unreachable_discord_is_one_clear_line(desk: FakeDesk) -> None:
    err = io.StringIO()
    settings = Settings(discord_token="t", discord_api_base="http://127.0.0.1:9/api/v10")
    assert await run_bot_async(*bot_parts(settings), desk, stderr=err) == 1
    assert err.getvalue().startswith("error: cannot reach Discord at http://127.0.0.1:9/api/v10")


async def test_without_the_message_content_intent_mentions_still_work(
    fake: FakeDiscord, desk: FakeDesk, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake.message_content_allowed = False
    with caplog.at_level(logging.WARNING):
        await start_bot()
    assert any(r.getMessage() == MESSAGE_CONTENT_MISSING for r in caplog.records)
    assert fake.identify is not None and not fake.identify["intents"] & MESSAGE_CONTENT

    await fake.user_says(mention("still there?"))
    await fake.wait_for(lambda: [m for m in fake.channel_messages() if m["embeds"]])
    assert [c.args for c in desk.asked()] == [("still there?",)]


@pytest.mark.timeout(60)
async def test_an_unreachable_gateway_is_one_clear_line(
    fake: FakeDiscord, desk: FakeDesk, caplog: pytest.LogCaptureFixture
) -> None:
    """REST answers (login works) but the gateway does not: one line and exit 1, no
    reconnect traceback, no AttributeError from discord.py's reconnect loop."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = io.StringIO()
    settings = bot_settings(fake, discord_gateway_url=f"ws://127.0.0.1:{port}/")
    with caplog.at_level(logging.WARNING):
        code = await run_bot_async(*bot_parts(settings), desk, stderr=err)
    assert code == 1
    (line,) = err.getvalue().splitlines()
    assert line.startswith("error: cannot reach the Discord gateway at ws://127.0.0.1:")
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
