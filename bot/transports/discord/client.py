"""The Discord process: client, command tree, startup checks, and `run_bot` (`newsdesk bot`).

Nothing here runs at import time. `run_bot` is synchronous (it owns the event loop) and returns an
exit code; `run_bot_async` is the same for callers that already have a loop (the tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.announce import Announcer
from bot.desk import DeskAPI
from bot.transports.discord.handlers import Handlers, add_commands
from bot.transports.discord.rules import BotConfig

log = logging.getLogger(__name__)

MESSAGE_CONTENT_MISSING = (
    "the Message Content intent is not enabled for this bot in the Discord developer portal "
    "(Bot → Privileged Gateway Intents); answering mentions, replies that mention the bot and "
    "slash commands only — follow-ups in threads must mention the bot"
)


@dataclass(frozen=True)
class Connection:
    """Where and as whom the bot connects."""

    token: str | None = field(repr=False)
    api_base: str
    gateway_url: str


class NewsdeskClient(discord.Client):
    """A `discord.Client` with a command tree; mentions can never ping anyone."""

    def __init__(
        self,
        desk: DeskAPI,
        config: BotConfig,
        *,
        message_content: bool = True,
        sync: bool = False,
        guild: int | None = None,
        announcer: Announcer | None = None,
        **options: Any,
    ) -> None:
        # The bot never joins voice: skip discord.py's warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = message_content
        none = discord.AllowedMentions.none()
        super().__init__(intents=intents, allowed_mentions=none, **options)
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self)
        self.handlers = Handlers(self, desk, config)
        self.sync_commands = sync
        self.sync_guild = guild
        self.announcer = announcer
        self._announcing: asyncio.Task[None] | None = None
        add_commands(self.tree, self.handlers)

    async def setup_hook(self) -> None:
        if self.sync_commands:
            await sync_commands(self.tree, self.sync_guild)
        if self.announcer is not None:
            from bot.transports.discord.announce import announce_forever

            self._announcing = asyncio.create_task(announce_forever(self, self.announcer))

    async def close(self) -> None:
        if self._announcing is not None:
            self._announcing.cancel()
        await super().close()

    async def on_ready(self) -> None:
        guilds = len(self.guilds)
        log.info("connected user=%s guilds=%d intents=%s", self.user, guilds, self.intents.value)

    async def on_message(self, message: discord.Message) -> None:
        try:
            await self.handlers.on_message(message)
        except Exception as exc:  # noqa: BLE001 - the bot must never die on a user message
            await self.handlers.on_message_error(message, exc)


async def sync_commands(tree: app_commands.CommandTree[discord.Client], guild: int | None) -> None:
    """Publish the slash commands: to one guild at once, or globally (can take an hour)."""
    if guild is None:
        synced = await tree.sync()
        log.warning("synced %d global commands (Discord may take up to an hour)", len(synced))
        return
    target = discord.Object(id=guild)
    tree.copy_global_to(guild=target)
    synced = await tree.sync(guild=target)
    log.warning("synced %d commands to guild=%d", len(synced), guild)


def point_at(connection: Connection) -> None:
    """Send REST and gateway traffic where the connection says."""
    discord.http.Route.BASE = connection.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(connection.gateway_url)


async def describe_desk(desk: DeskAPI) -> None:
    """Log what the bot answers from; a desk that cannot say is logged, not fatal."""
    try:
        log.info("desk %s", " ".join(f"{k}={v}" for k, v in (await desk.about()).items()))
    except Exception:  # startup goes on; questions will report the problem
        log.warning("the desk could not describe itself", exc_info=True)


async def run_bot_async(
    connection: Connection,
    config: BotConfig,
    desk: DeskAPI,
    *,
    sync: bool = False,
    guild: int | None = None,
    stderr: TextIO | None = None,
    announcer: Announcer | None = None,
    **client_options: Any,
) -> int:
    """Run until closed (SIGINT/SIGTERM); 0 on a clean stop, 1 with one clear line on failure."""
    err = stderr or sys.stderr
    token = (connection.token or "").strip()
    if not token:
        print("error: NEWSDESK_DISCORD_TOKEN is not set; put the bot token in .env", file=err)
        return 1
    point_at(connection)
    await describe_desk(desk)
    await desk.warm_up()  # before connecting: the first question loads nothing
    for message_content in (True, False):
        client = NewsdeskClient(
            desk,
            config,
            message_content=message_content,
            sync=sync,
            guild=guild,
            announcer=announcer,
            **client_options,
        )
        try:
            return await _run_client(client, token, connection.gateway_url)
        except GatewayUnreachable as exc:
            print(f"error: {exc}", file=err)
            return 1
        except discord.PrivilegedIntentsRequired:
            log.warning(MESSAGE_CONTENT_MISSING)
        except discord.LoginFailure:
            print("error: Discord rejected NEWSDESK_DISCORD_TOKEN; copy the token again", file=err)
            return 1
        except discord.HTTPException as exc:
            print(f"error: Discord refused a request ({exc.status}): {exc.text}", file=err)
            return 1
        except (aiohttp.ClientError, OSError) as exc:
            print(f"error: cannot reach Discord at {connection.api_base}: {exc}", file=err)
            return 1
    return 1  # pragma: no cover - the second attempt requests no privileged intent


class GatewayUnreachable(Exception):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"cannot reach the Discord gateway at {url} ({reason}); the REST API answered, so "
            "check NEWSDESK_DISCORD_GATEWAY_URL and that websockets can get through"
        )


async def probe_gateway(url: str, timeout: float = 10.0) -> None:
    """Open (and close) one websocket to the gateway, so an unreachable gateway is one clear
    error instead of discord.py's reconnect loop (which fails with an AttributeError when the
    first connection never succeeds)."""
    try:
        async with aiohttp.ClientSession() as session:
            ws = await asyncio.wait_for(session.ws_connect(url), timeout)
            await ws.close()
    except TimeoutError as exc:
        raise GatewayUnreachable(url, f"no answer within {timeout:g} s") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise GatewayUnreachable(url, str(exc) or type(exc).__name__) from exc


async def _run_client(client: NewsdeskClient, token: str, gateway_url: str) -> int:
    loop = asyncio.get_running_loop()
    async with client:
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows/threads
            loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(client.close()))
        try:
            await client.login(token)
            await probe_gateway(gateway_url)
            await client.connect()
        except AttributeError as exc:  # discord.py's reconnect before any session existed
            if client.ws is not None:
                raise
            raise GatewayUnreachable(gateway_url, "it stopped answering") from exc
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGTERM)
    return 0


def run_bot(
    connection: Connection,
    config: BotConfig,
    desk: DeskAPI,
    *,
    sync: bool = False,
    guild: int | None = None,
    stderr: TextIO | None = None,
    announcer: Announcer | None = None,
) -> int:
    """The `newsdesk bot` command: run the bot until interrupted; the exit code."""
    try:
        return asyncio.run(
            run_bot_async(
                connection,
                config,
                desk,
                sync=sync,
                guild=guild,
                stderr=stderr,
                announcer=announcer,
            )
        )
    except KeyboardInterrupt:
        return 0
