"""The decisions of the Discord transport as plain functions and small classes (no discord import).

Should this message be answered? Which earlier turns does a reply chain or thread carry? Is this
user cooling down? Which titles does autocomplete offer? How often may a streaming message be
edited? Each is a pure function of plain values, tested without Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.transports.render import truncate
from bot.types import Turn
from index.dates import format_day, parse_day
from index.models import ArticleRecord

log = logging.getLogger(__name__)

CHOICES_LIMIT = 25
CHOICE_NAME_LIMIT = 100
THREAD_NAME_LIMIT = 100
QUOTE_LIMIT = 300


@dataclass(frozen=True)
class BotConfig:
    """How the bot behaves: where it answers, how often, with how much context."""

    channels: tuple[int, ...] = ()
    cooldown_seconds: float = 5.0
    history_turns: int = 3
    max_question_chars: int = 500
    edit_interval: float = 1.0


@dataclass(frozen=True)
class MessageFacts:
    """What matters about an incoming message to decide whether to answer it."""

    author_id: int
    author_is_bot: bool
    channel_id: int
    parent_id: int | None = None  # the channel a thread belongs to
    mentions_bot: bool = False
    replies_to_bot: bool = False
    in_bot_thread: bool = False
    is_dm: bool = False


def channel_allowed(channel_id: int, parent_id: int | None, allowed: Iterable[int]) -> bool:
    """Whether the channel (or the channel its thread belongs to) is configured; empty = all."""
    allowed = set(allowed)
    return not allowed or channel_id in allowed or (parent_id is not None and parent_id in allowed)


def should_answer(facts: MessageFacts, allowed_channels: Iterable[int]) -> bool:
    """Answer mentions, replies to our answers, and anything said in a thread we started."""
    if facts.author_is_bot:
        return False
    if not (facts.mentions_bot or facts.replies_to_bot or facts.in_bot_thread):
        return False
    return facts.is_dm or channel_allowed(facts.channel_id, facts.parent_id, allowed_channels)


def strip_mentions(content: str, bot_id: int) -> str:
    """The message text without the `<@bot>` mention that addressed it."""
    return re.sub(rf"<@!?{bot_id}>", "", content).strip()


class Cooldown:
    """A per-user pause between questions."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def remaining(self, user_id: int) -> float:
        """Seconds this user still has to wait (0 when they may ask)."""
        last = self._last.get(user_id)
        if last is None:
            return 0.0
        return max(0.0, self.seconds - (self.clock() - last))

    def try_acquire(self, user_id: int) -> float:
        """0 and start the user's pause when they may ask; otherwise the seconds left."""
        left = self.remaining(user_id)
        if left > 0:
            return left
        self._last[user_id] = self.clock()
        if len(self._last) > 10_000:  # forget users whose pause is long over
            now = self.clock()
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0


def cooldown_message(seconds_left: float) -> str:
    return f"Please wait {seconds_left:.0f}s before asking again."


def stale_command_message(name: str, commands: Sequence[str]) -> str:
    """The private note for a command Discord still offers but the bot no longer has."""
    have = ", ".join(f"/{c}" for c in commands) or "none"
    return (
        f"`/{truncate(name, 32)}` isn't one of my commands any more (Discord may still list "
        f"it for a while). My commands: {have}."
    )


def quote_question(question: str) -> str:
    """The first line of a slash-command answer: the question, so that follow-ups know it."""
    return "> " + truncate(" ".join(question.split()), QUOTE_LIMIT) + "\n"


@dataclass(frozen=True)
class ChainMessage:
    """One message of a reply chain or thread, oldest first when given to `turns_from_chain`."""

    from_bot: bool
    content: str


def turns_from_chain(messages: Sequence[ChainMessage]) -> tuple[Turn, ...]:
    """The conversation a chain of messages holds, as turns, oldest first (`Conversation` keeps
    the last few).

    A user message is a question; the bot messages after it (a long answer comes in parts) are its
    answer. A bot message that starts with a `> question` line (a slash-command answer) carries
    its own question.
    """
    turns: list[Turn] = []
    question: str | None = None
    previous_bot = False
    for message in messages:
        if not message.from_bot:
            question, previous_bot = message.content.strip(), False
            continue
        asked, text = _split_quote(message.content)
        if previous_bot and asked is None and turns:
            turns[-1] = Turn(turns[-1].question, f"{turns[-1].answer}\n\n{text}")
        elif asked is not None or question:
            turns.append(Turn(asked if asked is not None else question or "", text))
            question = None
        previous_bot = True
    return tuple(turns)


def _split_quote(content: str) -> tuple[str | None, str]:
    if content.startswith("> "):
        first, _, rest = content.partition("\n")
        return first[2:].strip(), rest.strip()
    return None, content.strip()


def thread_name(question: str) -> str:
    return truncate(" ".join(question.split()) or "Newsdesk", THREAD_NAME_LIMIT)


def autocomplete_choices(records: Iterable[ArticleRecord]) -> list[tuple[str, str]]:
    """(name, value) pairs for /summarise: ≤ 25, names ≤ 100 characters, value the article id."""
    choices: list[tuple[str, str]] = []
    for r in records:
        name = truncate(" ".join(r.title.split()) or r.article_id, CHOICE_NAME_LIMIT)
        choices.append((name, r.article_id[:CHOICE_NAME_LIMIT]))
        if len(choices) == CHOICES_LIMIT:
            break
    return choices


@dataclass(frozen=True)
class ArticleFilter:
    """What `/articles` was asked for: published between `since` and `until`, from `site`."""

    since: date | None = None
    until: date | None = None
    site: str | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None, site: str | None) -> ArticleFilter:
        """The options as typed; a day that is not one raises `ValueError` saying how to write
        it, as does a `since` after the `until`."""
        first = parse_day(since) if since and since.strip() else None
        last = parse_day(until) if until and until.strip() else None
        if first and last and first > last:
            raise ValueError(f"`since` ({first}) is after `until` ({last}); swap them")
        return cls(first, last, (site or "").strip() or None)

    @property
    def title(self) -> str:
        """`Articles from BBC published 1 March 2005 – 31 March 2005`, or "Recently indexed"."""
        if not (self.since or self.until or self.site):
            return "Recently indexed"
        parts = ["Articles"]
        if self.site:
            parts.append(f"from {truncate(self.site, 80)}")
        if self.since and self.until:
            parts.append(f"published {format_day(self.since)} – {format_day(self.until)}")
        elif self.since:
            parts.append(f"published since {format_day(self.since)}")
        elif self.until:
            parts.append(f"published up to {format_day(self.until)}")
        return " ".join(parts)

    @property
    def empty(self) -> str:
        if not (self.since or self.until or self.site):
            return "Nothing is indexed yet."
        return "No indexed article matches (articles without a date are left out of dated lists)."


@dataclass
class Streamer:
    """Shows text as it streams in, through `edit`, at most once per `interval` seconds.

    `update` is synchronous (it is the desk's `on_text`); the edits run in one background task,
    so a slow edit never delays the model and never overlaps with the next one.
    """

    edit: Callable[[str], Awaitable[object]]
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _latest: str | None = field(default=None, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    edits: int = field(default=0, init=False)

    def update(self, content: str | None) -> None:
        if content is None:
            return
        self._latest = content
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        last = -self.interval
        while True:
            await self._wake.wait()
            await asyncio.sleep(max(0.0, last + self.interval - self.clock()))
            self._wake.clear()
            content, self._latest = self._latest, None
            if content is None:
                continue
            last = self.clock()
            try:
                await self.edit(content)
                self.edits += 1
            except Exception:  # a failed preview must not fail the answer
                log.warning("preview edit failed", exc_info=True)

    async def close(self) -> None:
        """Stop editing; pending preview text is dropped (the final answer replaces it)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
