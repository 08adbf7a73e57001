"""Discord event handlers and slash commands: thin glue between discord.py and the desk.

A plain module, not a `commands.Cog` (the client is a `discord.Client` with a command tree, not a
`commands.Bot`). Each handler parses what Discord gave it, asks `rules` what to do, calls the desk
through a `Conversation`, and hands the `Outcome` to `send`. Errors that escape a handler go to the
one central handler (`on_command_error` for the tree, `on_message_error` for messages).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.conversation import Conversation, check_question, describe_error
from bot.desk import DeskAPI
from bot.transports.discord.rules import (
    ArticleFilter,
    BotConfig,
    ChainMessage,
    Cooldown,
    MessageFacts,
    autocomplete_choices,
    cooldown_message,
    quote_question,
    should_answer,
    stale_command_message,
    strip_mentions,
    thread_name,
    turns_from_chain,
)
from bot.transports.discord.send import (
    LiveText,
    ephemeral_error,
    send_to_interaction,
    send_to_reply,
    to_embed,
)
from bot.transports.progress import THINKING
from bot.transports.render import EmbedSpec, fit_embed, format_about, format_articles
from bot.types import QuestionError, Turn

log = logging.getLogger(__name__)

STALE_COMMAND = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)


class Handlers:
    """What the bot does with messages and commands; `client.user` is read when needed."""

    def __init__(self, client: discord.Client, desk: DeskAPI, config: BotConfig) -> None:
        self.client = client
        self.desk = desk
        self.config = config
        self.cooldown = Cooldown(config.cooldown_seconds)
        self.command_names: tuple[str, ...] = ()  # filled in by `add_commands`

    @property
    def bot_id(self) -> int:
        assert self.client.user is not None, "handlers run only after login"
        return self.client.user.id

    def conversation(self, turns: tuple[Turn, ...] = ()) -> Conversation:
        return Conversation(
            self.desk,
            history_turns=self.config.history_turns,
            max_question_chars=self.config.max_question_chars,
            turns=turns,
        )

    # --- messages --------------------------------------------------------------------------

    def facts(self, message: discord.Message) -> MessageFacts:
        channel = message.channel
        ref = message.reference.resolved if message.reference else None
        return MessageFacts(
            author_id=message.author.id,
            author_is_bot=message.author.bot,
            channel_id=channel.id,
            parent_id=getattr(channel, "parent_id", None),
            mentions_bot=any(u.id == self.bot_id for u in message.mentions),
            replies_to_bot=isinstance(ref, discord.Message) and ref.author.id == self.bot_id,
            in_bot_thread=isinstance(channel, discord.Thread) and channel.owner_id == self.bot_id,
            is_dm=isinstance(channel, discord.DMChannel),
        )

    async def on_message(self, message: discord.Message) -> None:
        facts = self.facts(message)
        if not should_answer(facts, self.config.channels):
            return
        text = strip_mentions(message.content, self.bot_id)
        if not text and not facts.mentions_bot:
            log.debug("ignoring message without content id=%s (no content intent?)", message.id)
            return
        try:
            question = check_question(text, self.config.max_question_chars)
        except QuestionError as exc:
            await message.reply(str(exc))
            return
        if left := self.cooldown.try_acquire(message.author.id):
            await message.reply(cooldown_message(left))
            return
        placeholder = await message.reply(THINKING)
        turns = turns_from_chain(await self.earlier_messages(message))
        live = LiveText(
            lambda text: placeholder.edit(content=text), interval=self.config.edit_interval
        )
        try:
            outcome = await self.conversation(turns).ask_checked(
                question, on_text=live.on_text, on_queued=live.on_queued
            )
        finally:
            await live.close()
        await send_to_reply(placeholder, outcome)

    async def earlier_messages(self, message: discord.Message) -> list[ChainMessage]:
        """The thread or reply chain before `message`, oldest first."""
        limit = 2 * self.config.history_turns + 2
        if not limit:
            return []
        chain: list[discord.Message] = []
        channel = message.channel
        if isinstance(channel, discord.Thread) and channel.owner_id == self.bot_id:
            async for earlier in channel.history(limit=limit, before=message):
                chain.append(earlier)
            if len(chain) < limit and isinstance(channel.parent, discord.TextChannel):
                try:
                    chain.append(await channel.parent.fetch_message(channel.id))
                except discord.HTTPException:
                    log.debug("no starter message for thread id=%s", channel.id)
        else:
            current: discord.Message | None = message
            while current and current.reference and len(chain) < limit:
                current = await self._referenced(current)
                if current is not None:
                    chain.append(current)
        return [
            ChainMessage(m.author.id == self.bot_id, strip_mentions(m.content, self.bot_id))
            for m in reversed(chain)
        ]

    async def _referenced(self, message: discord.Message) -> discord.Message | None:
        ref = message.reference
        if ref is None or ref.message_id is None:
            return None
        if isinstance(ref.resolved, discord.Message):
            return ref.resolved
        if ref.cached_message is not None:
            return ref.cached_message
        try:
            return await message.channel.fetch_message(ref.message_id)
        except discord.HTTPException:
            return None

    async def on_message_error(self, message: discord.Message, exc: Exception) -> None:
        """The central handler for message events: log with context, reply a generic line."""
        outcome = describe_error(
            exc, context=f"message id={message.id} channel={message.channel.id}"
        )
        try:
            await message.reply(outcome.text)
        except discord.HTTPException:
            log.warning("could not report error ref=%s", outcome.reference)

    # --- slash commands --------------------------------------------------------------------

    async def ask(self, interaction: discord.Interaction, question: str, thread: bool) -> None:
        try:
            question = check_question(question, self.config.max_question_chars)
        except QuestionError as exc:
            await ephemeral_error(interaction, str(exc))
            return
        if left := self.cooldown.try_acquire(interaction.user.id):
            await ephemeral_error(interaction, cooldown_message(left))
            return
        await interaction.response.defer(thinking=True)
        prefix = quote_question(question)
        live = LiveText(
            lambda text: interaction.edit_original_response(content=text),
            prefix=prefix,
            interval=self.config.edit_interval,
        )
        try:
            outcome = await self.conversation().ask_checked(
                question, on_text=live.on_text, on_queued=live.on_queued
            )
        finally:
            await live.close()
        message = await send_to_interaction(interaction, outcome, prefix)
        if thread and message and isinstance(interaction.channel, discord.TextChannel):
            await message.create_thread(name=thread_name(question))

    async def summarise(self, interaction: discord.Interaction, article: str) -> None:
        """An article (its id from autocomplete, or a title) or a topic: the desk decides."""
        await interaction.response.defer(thinking=True)
        live = LiveText(
            lambda text: interaction.edit_original_response(content=text),
            interval=self.config.edit_interval,
            task="summary",
        )
        try:
            outcome = await self.conversation().summarise(
                article, on_text=live.on_text, on_queued=live.on_queued
            )
        finally:
            await live.close()
        await send_to_interaction(interaction, outcome)

    async def article_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        records = await (
            self.desk.find_titles(current, 25) if current.strip() else self.desk.recent(25)
        )
        return [app_commands.Choice(name=n, value=v) for n, v in autocomplete_choices(records)]

    async def articles(
        self,
        interaction: discord.Interaction,
        since: str | None = None,
        until: str | None = None,
        site: str | None = None,
    ) -> None:
        try:
            chosen = ArticleFilter.parse(since, until, site)
        except ValueError as exc:
            await ephemeral_error(interaction, str(exc))
            return
        await interaction.response.defer(thinking=True)
        records = await self.desk.recent(
            10, since=chosen.since, until=chosen.until, site=chosen.site
        )
        text = format_articles(records, empty=chosen.empty)
        embed = to_embed(fit_embed(EmbedSpec(title=chosen.title, description=text)))
        await interaction.edit_original_response(embed=embed)

    async def about(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        text = format_about(await self.desk.about())
        await interaction.edit_original_response(content=text)

    async def on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """The central handler for the command tree."""
        if isinstance(error, STALE_COMMAND):
            await self.on_stale_command(interaction, error)
            return
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        command = interaction.command.qualified_name if interaction.command else "?"
        outcome = describe_error(cause, context=f"command={command} interaction={interaction.id}")
        try:
            await ephemeral_error(interaction, outcome.text)
        except discord.HTTPException:
            log.warning("could not report error ref=%s", outcome.reference)

    async def on_stale_command(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A command Discord still shows but the bot no longer has (or has changed): not our
        failure, so one INFO line and a short private note naming the commands it has."""
        name = _command_name(interaction)
        log.info("stale command name=%s interaction=%s: %s", name, interaction.id, error)
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
            return
        await ephemeral_error(interaction, stale_command_message(name, self.command_names))


def _command_name(interaction: discord.Interaction) -> str:
    data: dict[str, object] = dict(interaction.data or {})
    return str(data.get("name") or "?").replace("`", "")


def add_commands(tree: app_commands.CommandTree[discord.Client], handlers: Handlers) -> None:
    """Register the slash commands; their docstrings are the help users see."""

    @tree.command(name="ask")
    @app_commands.describe(
        question="What you want to know about the indexed news",
        thread="Start a thread for follow-up questions",
    )
    async def ask(interaction: discord.Interaction, question: str, thread: bool = False) -> None:
        """Ask a question; the answer cites the indexed articles it is based on."""
        await handlers.ask(interaction, question, thread)

    @tree.command(name="summarise")
    @app_commands.describe(article="An indexed article (start typing its title), or a topic")
    async def summarise(interaction: discord.Interaction, article: str) -> None:
        """Summarise an indexed article, or digest a topic from the most relevant ones."""
        await handlers.summarise(interaction, article)

    @summarise.autocomplete("article")
    async def summarise_article(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await handlers.article_choices(interaction, current)

    @tree.command(name="articles")
    @app_commands.describe(
        since="Only articles published on or after this day (YYYY-MM-DD)",
        until="Only articles published on or before this day (YYYY-MM-DD)",
        site="Only articles from a site whose name contains this",
    )
    async def articles(
        interaction: discord.Interaction,
        since: str | None = None,
        until: str | None = None,
        site: str | None = None,
    ) -> None:
        """List the most recently indexed articles, or those of some dates or a site."""
        await handlers.articles(interaction, since, until, site)

    @tree.command(name="about")
    async def about(interaction: discord.Interaction) -> None:
        """Show the model, the embedder and the size of the index."""
        await handlers.about(interaction)

    tree.error(handlers.on_command_error)
    handlers.command_names = tuple(command.name for command in tree.get_commands())
