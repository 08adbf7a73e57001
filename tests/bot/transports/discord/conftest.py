from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import pytest

from bot.transports.discord.client import Connection, run_bot_async
from bot.transports.discord.rules import BotConfig
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import FakeDiscord
from newsdesk.app import build_bot_config, build_connection
from newsdesk.settings import Settings
from tests.bot.fakes import FakeDesk, record

TRAM, FLOODS, ROVERS = "1a2b3c4d5e6f7a8b", "0f0f0f0f0f0f0f0f", "00000000000000aa"
ARTICLES = [
    record(TRAM, "Tram line approved", "https://example.org/tram", when=3.0),
    record(FLOODS, "Valley floods after heavy rain", "https://example.org/floods", when=2.0),
    record(ROVERS, "Rovers promoted " + "with a very long headline " * 8, None, when=1.0),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def desk() -> FakeDesk:
    return FakeDesk(articles=list(ARTICLES))


def bot_settings(fake: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": fake.token,
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "cooldown_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(**values)


def bot_parts(settings: Settings) -> tuple[Connection, BotConfig]:
    """What `newsdesk bot` passes `run_bot`, built by the composition root."""
    return build_connection(settings), build_bot_config(settings)


@dataclass
class RunningBot:
    task: asyncio.Task[int]

    async def stop(self) -> int:
        # SIGTERM's handler closes the client; in-process we cancel the task the same way.
        self.task.cancel()
        try:
            return await self.task
        except asyncio.CancelledError:
            return 0


StartBot = Callable[..., Coroutine[Any, Any, RunningBot]]


@pytest.fixture
async def start_bot(fake: FakeDiscord, desk: FakeDesk) -> AsyncIterator[StartBot]:
    running: list[RunningBot] = []

    async def start(
        *, sync: bool = False, guild: int | None = None, wait: bool = True, **overrides: Any
    ) -> RunningBot:
        settings = bot_settings(fake, **overrides)
        coro = run_bot_async(
            *bot_parts(settings),
            desk,
            sync=sync,
            guild=guild,
            guild_ready_timeout=0.05,
        )
        bot = RunningBot(asyncio.create_task(coro))
        running.append(bot)
        if wait:
            await asyncio.wait_for(fake.ready.wait(), 5)
            await asyncio.sleep(0.1)  # let the client process GUILD_CREATE
        return bot

    yield start
    for bot in running:
        await bot.stop()


@pytest.fixture
async def bot(start_bot: StartBot) -> RunningBot:
    return await start_bot()


def mention(text: str) -> str:
    return f"<@{p.BOT_ID}> {text}"
