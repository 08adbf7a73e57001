"""Delivering an `Outcome` to Discord: streamed previews, split parts, the sources embed.

Two destinations share the same steps: an interaction (deferred, then its original response is
edited and follow-ups are sent) and a message reply (a placeholder reply, edited, then a chain of
replies). Everything sent has passed through `bot.transports.render`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.transports.discord.rules import Streamer
from bot.transports.progress import Progress
from bot.transports.render import (
    EmbedSpec,
    neutralise_mentions,
    sources_embed,
    split_message,
)
from bot.types import Outcome

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0


def to_embed(spec: EmbedSpec | None) -> discord.Embed | None:
    if spec is None:
        return None
    embed = discord.Embed(
        title=spec.title, description=spec.description or None, url=spec.url or None
    )
    for name, value in spec.fields:
        embed.add_field(name=name, value=value, inline=False)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    return embed


def outcome_parts(outcome: Outcome, prefix: str = "") -> list[str]:
    """The messages an outcome is shown in: `prefix` + text + warnings, ≤ 2000 characters each."""
    body = outcome.text.strip() or "(no answer)"
    if outcome.warnings:
        body += "\n\n" + "\n".join(outcome.warnings)
    return split_message(neutralise_mentions(prefix + body))


class LiveText:
    """The desk's `on_text`/`on_queued` callbacks as progress (`bot.transports.progress`) shown
    through `edit` at most once per `interval`: the model's draft itself is never shown."""

    def __init__(
        self,
        edit: Callable[[str], Awaitable[object]],
        prefix: str = "",
        interval: float = EDIT_INTERVAL,
        task: str = "answer",
    ) -> None:
        self.prefix = neutralise_mentions(prefix)
        self.progress = Progress(task)
        self.streamer = Streamer(edit, interval=interval)
        self.shown = ""

    def on_text(self, text: str) -> None:
        self._show(self.progress.writing(text))

    def on_queued(self, ahead: int) -> None:
        self._show(self.progress.queued(ahead))

    def _show(self, status: str) -> None:
        content = self.prefix + status
        if content != self.shown:
            self.shown = content
            self.streamer.update(content)

    async def close(self) -> None:
        await self.streamer.close()


async def ephemeral_error(interaction: discord.Interaction, text: str) -> None:
    """Tell only the user who asked; a public 'thinking' message is removed first."""
    text = neutralise_mentions(text)
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True)
        return
    with contextlib.suppress(discord.HTTPException):
        await interaction.delete_original_response()
    await interaction.followup.send(text, ephemeral=True)


async def send_to_interaction(
    interaction: discord.Interaction, outcome: Outcome, prefix: str = ""
) -> discord.Message | None:
    """Replace the deferred response with the outcome; extra parts follow as follow-ups.

    Returns the first message of the answer; None when an error was shown instead.
    """
    if outcome.error:
        await ephemeral_error(interaction, outcome.text)
        return None
    parts = outcome_parts(outcome, prefix)
    embed = to_embed(sources_embed(outcome.sources))
    first: discord.Message = await interaction.edit_original_response(
        content=parts[0], embed=embed if len(parts) == 1 else None
    )
    for i, part in enumerate(parts[1:], start=2):
        last = embed if i == len(parts) else None
        if last is not None:
            await interaction.followup.send(part, embed=last, wait=True)
        else:
            await interaction.followup.send(part, wait=True)
    return first


async def send_to_reply(placeholder: discord.Message, outcome: Outcome) -> discord.Message:
    """Replace the placeholder reply with the outcome; extra parts reply to the part before."""
    if outcome.error:
        return await placeholder.edit(content=neutralise_mentions(outcome.text), embed=None)
    parts = outcome_parts(outcome)
    embed = to_embed(sources_embed(outcome.sources))
    message = await placeholder.edit(content=parts[0], embed=embed if len(parts) == 1 else None)
    for i, part in enumerate(parts[1:], start=2):
        last = embed if i == len(parts) else None
        if last is not None:
            message = await message.reply(part, embed=last)
        else:
            message = await message.reply(part)
    return message
