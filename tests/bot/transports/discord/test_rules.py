from __future__ import annotations

import asyncio
from datetime import date
from itertools import pairwise
from unittest.mock import AsyncMock

import pytest

from bot.transports.discord.rules import (
    ArticleFilter,
    ChainMessage,
    Cooldown,
    MessageFacts,
    Streamer,
    autocomplete_choices,
    channel_allowed,
    quote_question,
    should_answer,
    strip_mentions,
    thread_name,
    turns_from_chain,
)
from bot.types import Turn
from tests.bot.fakes import record

BOT = 99


def facts(**kw: object) -> MessageFacts:
    base: dict[str, object] = {"author_id": 1, "author_is_bot": False, "channel_id": 10}
    base.update(kw)
    return MessageFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "channels", "expected"),
    [
        (facts(), (), False),
        (facts(mentions_bot=True), (), True),
        (facts(replies_to_bot=True), (), True),
        (facts(in_bot_thread=True), (), True),
        (facts(mentions_bot=True, author_is_bot=True), (), False),
        (facts(mentions_bot=True), (10,), True),
        (facts(mentions_bot=True), (11,), False),
        (facts(mentions_bot=True, channel_id=50, parent_id=11), (11,), True),
        (facts(mentions_bot=True, is_dm=True), (11,), True),
    ],
)
def test_should_answer(message: MessageFacts, channels: tuple[int, ...], expected: bool) -> None:
    assert should_answer(message, channels) is expected


def test_channel_allowed_empty_means_all() -> None:
    assert channel_allowed(1, None, [])
    assert not channel_allowed(1, None, [2])


@pytest.mark.parametrize(
    ("content", "expected"),
    [(f"<@{BOT}> hi", "hi"), (f"hi <@!{BOT}>", "hi"), ("<@5> hi", "<@5> hi"), (f"<@{BOT}>", "")],
)
def test_strip_mentions(content: str, expected: str) -> None:
    assert strip_mentions(content, BOT) == expected


def test_cooldown_per_user() -> None:
    now = [100.0]
    cooldown = Cooldown(5.0, clock=lambda: now[0])
    assert cooldown.try_acquire(1) == 0
    assert cooldown.try_acquire(2) == 0
    now[0] += 2
    assert cooldown.try_acquire(1) == pytest.approx(3.0)
    now[0] += 3
    assert cooldown.try_acquire(1) == 0


def test_no_cooldown() -> None:
    cooldown = Cooldown(0.0)
    assert cooldown.try_acquire(1) == cooldown.try_acquire(1) == 0


def user(text: str) -> ChainMessage:
    return ChainMessage(False, text)


def bot(text: str) -> ChainMessage:
    return ChainMessage(True, text)


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ([], ()),
        ([user("q1"), bot("a1")], (Turn("q1", "a1"),)),
        ([user("q1"), bot("a1 part"), bot("two")], (Turn("q1", "a1 part\n\ntwo"),)),
        ([bot("> q1\na1"), user("q2"), bot("a2")], (Turn("q1", "a1"), Turn("q2", "a2"))),
        ([user("q1"), bot("a1"), user("q2"), bot("a2")], (Turn("q1", "a1"), Turn("q2", "a2"))),
        ([bot("orphan answer"), user("q")], ()),
        ([user("q1"), user("q1 again"), bot("a1")], (Turn("q1 again", "a1"),)),
    ],
)
def test_turns_from_chain(chain: list[ChainMessage], expected: tuple[Turn, ...]) -> None:
    assert turns_from_chain(chain) == expected


def test_quoted_question_round_trips_through_a_chain() -> None:
    text = quote_question("what   about\nrates?") + "They rose [1]."
    assert turns_from_chain([bot(text)]) == (Turn("what about rates?", "They rose [1]."),)


def test_names_fit_discord() -> None:
    assert len(thread_name("q " * 200)) <= 100
    assert thread_name("") == "Newsdesk"


def test_autocomplete_choices_are_limited() -> None:
    records = [record(f"{i:016x}", "Long title " * 20) for i in range(30)]
    choices = autocomplete_choices(records)
    assert len(choices) == 25
    assert all(len(name) <= 100 and len(value) <= 100 for name, value in choices)
    assert choices[0][1] == f"{0:016x}"


async def test_streamer_edits_at_most_once_per_interval() -> None:
    edits: list[tuple[float, str]] = []
    loop = asyncio.get_running_loop()

    async def edit(text: str) -> None:
        edits.append((loop.time(), text))

    streamer = Streamer(edit, interval=0.2)
    started = loop.time()
    for i in range(20):
        streamer.update(f"text {i}")
        await asyncio.sleep(0.02)
    streaming = loop.time() - started  # 0.4 s, more on a loaded machine
    await asyncio.sleep(0.25)
    await streamer.close()
    times = [t for t, _ in edits]
    assert 2 <= len(edits) <= streaming / 0.2 + 2  # one per interval, plus the first and last
    assert all(b - a >= 0.19 for a, b in pairwise(times))
    assert edits[-1][1] == "text 19"  # the latest text wins


async def test_a_failing_edit_does_not_stop_the_stream() -> None:
    edit = AsyncMock(side_effect=[RuntimeError("boom"), None])
    streamer = Streamer(edit, interval=0.01)
    streamer.update("a")
    await asyncio.sleep(0.02)
    streamer.update("b")
    await asyncio.sleep(0.05)
    await streamer.close()
    assert edit.call_count == 2


def test_article_filter_reads_days_and_refuses_a_backwards_range() -> None:
    assert ArticleFilter.parse(None, " ", "") == ArticleFilter()
    assert ArticleFilter().title == "Recently indexed"
    chosen = ArticleFilter.parse("2005-03-01", "2005-03-31", " BBC ")
    assert chosen == ArticleFilter(date(2005, 3, 1), date(2005, 3, 31), "BBC")
    assert chosen.title == "Articles from BBC published 1 March 2005 – 31 March 2005"
    with pytest.raises(ValueError, match="is after `until`"):
        ArticleFilter.parse("2005-04-01", "2005-03-01", None)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        ArticleFilter.parse("soon", None, None)
