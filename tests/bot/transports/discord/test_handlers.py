"""`Handlers`: what the bot reads from discord.py's objects (the end-to-end tests do the rest)."""

from __future__ import annotations

from unittest.mock import Mock, create_autospec

import discord

from bot.transports.discord.handlers import Handlers
from bot.transports.discord.rules import BotConfig, MessageFacts, should_answer
from tests.bot.fakes import FakeDesk

BOT = 99


def handlers() -> Handlers:
    client = create_autospec(discord.Client, spec_set=True, instance=True)
    client.user = Mock(spec_set=discord.ClientUser, id=BOT)
    return Handlers(client, FakeDesk(), BotConfig())


def message(
    *,
    mentions: list[int],
    channel: object,
    author_bot: bool = False,
    referenced_author: int | None = None,
) -> discord.Message:
    msg = Mock(spec_set=discord.Message)
    msg.author = Mock(spec_set=discord.Member, id=1, bot=author_bot)
    msg.channel = channel
    msg.mentions = [Mock(spec_set=discord.User, id=i) for i in mentions]
    if referenced_author is None:
        msg.reference = None
    else:
        resolved = Mock(spec_set=discord.Message)
        resolved.author = Mock(spec_set=discord.User, id=referenced_author)
        msg.reference = Mock(spec_set=discord.MessageReference, resolved=resolved)
    return msg


def test_facts_of_a_mention_in_a_text_channel() -> None:
    channel = Mock(spec_set=discord.TextChannel, id=10)
    found = handlers().facts(message(mentions=[BOT], channel=channel))
    assert found == MessageFacts(1, False, 10, None, mentions_bot=True)


def test_facts_of_a_reply_in_the_bots_thread() -> None:
    thread = Mock(spec_set=discord.Thread, id=20, parent_id=10, owner_id=BOT)
    found = handlers().facts(message(mentions=[], channel=thread, referenced_author=BOT))
    assert found == MessageFacts(1, False, 20, 10, replies_to_bot=True, in_bot_thread=True)


def test_facts_of_someone_elses_thread() -> None:
    thread = Mock(spec_set=discord.Thread, id=20, parent_id=10, owner_id=5)
    found = handlers().facts(message(mentions=[], channel=thread, referenced_author=5))
    assert not should_answer(found, ())
