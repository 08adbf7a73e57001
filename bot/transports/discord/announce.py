"""Posting the announcements of new feed articles (thin: `bot.announce` decides what and when).

A task of the client's event loop asks the `Announcer` every `TICK` seconds for the posts that
are due and sends them, each embed one message, with no mention allowed. A channel that cannot
be found or written is logged and its batch dropped: announcements never stop the bot.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.announce import Announcer
from bot.transports.discord.send import to_embed
from bot.transports.render import EmbedSpec

log = logging.getLogger(__name__)

TICK = 1.0


async def announce_forever(client: discord.Client, announcer: Announcer) -> None:
    """Send due announcements until the client closes."""
    tick = min(TICK, announcer.interval / 2)
    await client.wait_until_ready()
    while not client.is_closed():
        for channel_id, specs in announcer.take():
            await _post(client, channel_id, specs)
        await asyncio.sleep(tick)


async def _post(client: discord.Client, channel_id: int, specs: list[EmbedSpec]) -> None:
    try:
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"channel {channel_id} cannot hold messages")
        for spec in specs:
            embed = to_embed(spec)
            assert embed is not None
            await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        log.info("announced channel=%d posts=%d", channel_id, len(specs))
    except (discord.HTTPException, TypeError) as exc:
        log.warning(
            "cannot announce in channel=%d (%s); %d posts dropped", channel_id, exc, len(specs)
        )
