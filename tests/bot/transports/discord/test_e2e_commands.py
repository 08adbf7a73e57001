"""The bot over the fake Discord, in process, with the fake desk: slash commands."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from bot.types import BusyError, Turn
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import FakeDiscord, InteractionState
from tests.bot.fakes import FakeDesk, answer, record, source
from tests.bot.transports.discord.conftest import ROVERS, TRAM, RunningBot, StartBot

DEFERRED = 5
EPHEMERAL = 1 << 6


def opt(name: str, value: Any, *, type_: int = 3, focused: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "type": type_, "value": value}
    if focused:
        data["focused"] = True
    return data


def original(fake: FakeDiscord, state: InteractionState) -> dict[str, Any] | None:
    return fake.messages.get(state.original or 0)


def finished(fake: FakeDiscord, state: InteractionState) -> dict[str, Any] | None:
    message = original(fake, state)
    return message if message and message["embeds"] else None


async def test_sync_to_a_guild_copies_the_global_commands(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    await start_bot(sync=True, guild=p.GUILD_ID)
    [put] = fake.sent("PUT", "/commands")
    assert put.path == f"/api/v10/applications/{p.APP_ID}/guilds/{p.GUILD_ID}/commands"
    help_text = {c["name"]: c["description"] for c in put.body}
    assert help_text == {
        "ask": "Ask a question; the answer cites the indexed articles it is based on.",
        "summarise": "Summarise an indexed article, or digest a topic from the most relevant ones.",
        "articles": "List the most recently indexed articles, or those of some dates or a site.",
        "about": "Show the model, the embedder and the size of the index.",
    }
    ask = next(c for c in put.body if c["name"] == "ask")
    assert [o["name"] for o in ask["options"]] == ["question", "thread"]


async def test_commands_are_synced_only_on_demand(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot()
    assert fake.sent("PUT") == []


async def test_global_sync(fake: FakeDiscord, start_bot: StartBot) -> None:
    await start_bot(sync=True)
    [put] = fake.sent("PUT", "/commands")
    assert put.path == f"/api/v10/applications/{p.APP_ID}/commands"


async def test_ask_is_deferred_then_answered_with_the_question_quoted(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.script(answer("Rates rose [1].", source(1, "Bank raises rates")))
    state = await fake.slash("ask", [opt("question", "what about rates?")])
    message = await fake.wait_for(lambda: finished(fake, state))

    assert state.callback == {"type": DEFERRED, "data": {}} or state.callback["type"] == DEFERRED
    assert message["content"] == "> what about rates?\nRates rose [1]."
    assert "Bank raises rates" in message["embeds"][0]["description"]
    [callback] = fake.sent("POST", "/callback")
    assert callback.query == {"with_response": "1"}
    assert callback.at - state.created < 1.0


async def test_summarise_is_deferred_then_completed(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.delay = 0.3
    state = await fake.slash("summarise", [opt("article", TRAM)])
    message = await fake.wait_for(lambda: finished(fake, state))

    assert state.callback is not None and state.callback["type"] == DEFERRED
    assert message["content"] == "A summary of Tram line approved."
    assert "<https://example.org/tram>" in message["embeds"][0]["description"]
    assert [c.args for c in desk.calls if c.method == "summarise"] == [(TRAM,)]


async def test_summarise_a_topic_is_a_digest_citing_each_article(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    """Text that names no one article is a topic: one message, every fact cited by number, the
    articles it cites listed with their links."""
    state = await fake.slash("summarise", [opt("article", "tram and floods news")])
    message = await fake.wait_for(lambda: finished(fake, state))

    assert state.callback is not None and state.callback["type"] == DEFERRED
    lines = message["content"].splitlines()
    assert lines[0] == "- tram and floods news is in the news [1, 2]"
    assert {
        "- Tram line approved is reported [1]",
        "- Valley floods after heavy rain is reported [2]",
    } <= set(lines)
    assert len(message["content"]) <= 2000 and state.followups == []
    sources = message["embeds"][0]["description"]
    assert "<https://example.org/tram>" in sources and "<https://example.org/floods>" in sources


async def test_summarise_autocomplete_offers_titles_within_limits(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.articles.extend(desk.articles[2:] * 30)  # 30 more long titles than Discord allows
    state = await fake.slash("summarise", [opt("article", "rovers", focused=True)], itype=4)
    choices = await fake.wait_for(lambda: state.choices)
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 for c in choices)
    assert choices[0]["value"] == ROVERS


async def test_summarise_by_exact_title(fake: FakeDiscord, desk: FakeDesk, bot: RunningBot) -> None:
    state = await fake.slash("summarise", [opt("article", "tram LINE approved")])
    message = await fake.wait_for(lambda: finished(fake, state))
    assert message["content"] == "A summary of Tram line approved."


async def test_summarise_by_a_fuzzy_title_like_the_cli(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    state = await fake.slash("summarise", [opt("article", "tram line aproved")])
    message = await fake.wait_for(lambda: finished(fake, state))
    assert message["content"] == "A summary of Tram line approved."


async def test_summarise_of_an_unknown_id_is_an_ephemeral_error(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    state = await fake.slash("summarise", [opt("article", "ffffffffffffffff")])
    texts = await fake.wait_for(lambda: state.ephemeral_texts)
    assert "no indexed article matches 'ffffffffffffffff'" in texts[0]
    assert original(fake, state) is None


async def test_summarise_of_an_unknown_article_is_an_ephemeral_error(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    state = await fake.slash("summarise", [opt("article", "no such thing")])
    await fake.wait_for(lambda: state.ephemeral_texts)
    assert "no indexed article matches 'no such thing'" in state.ephemeral_texts[0]
    assert original(fake, state) is None  # the public "thinking" message was removed


async def test_a_too_long_question_is_refused_at_once_and_privately(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    state = await fake.slash("ask", [opt("question", "why " * 200)])
    await fake.wait_for(lambda: state.ephemeral_texts)
    assert state.callback is not None and state.callback["type"] == 4
    assert state.callback["data"]["flags"] == EPHEMERAL
    assert desk.asked() == []


async def test_busy_is_an_ephemeral_error(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.script(BusyError(8))
    state = await fake.slash("ask", [opt("question", "anyone?")])
    texts = await fake.wait_for(lambda: state.ephemeral_texts)
    assert texts == [str(BusyError(8))]


async def test_a_long_slash_answer_is_split_into_follow_ups(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    text = ("Paragraph about the floods [1]. " * 40 + "\n\n") * 8
    desk.script(answer(text, source(1)))
    state = await fake.slash("ask", [opt("question", "floods?")])
    await fake.wait_for(lambda: state.followups and fake.messages[state.followups[-1]]["embeds"])
    parts = [original(fake, state)] + [fake.messages[i] for i in state.followups]
    assert all(m is not None and len(m["content"]) <= 2000 for m in parts)
    assert len(parts) >= 5


async def test_ask_in_a_thread_then_follow_up_without_mention(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.script(
        answer("The tram opens in 2025 [1].", source(1)), answer("It costs £182m [1].", source(1))
    )
    state = await fake.slash(
        "ask", [opt("question", "when does the tram open?"), opt("thread", True, type_=5)]
    )
    await fake.wait_for(lambda: fake.sent("POST", "/threads"))
    thread_id = state.original
    assert thread_id is not None and fake.channels[thread_id]["name"] == "when does the tram open?"

    await fake.user_says("and the cost?", channel=thread_id)
    await fake.wait_for(lambda: [m for m in fake.channel_messages(thread_id) if m["embeds"]])
    assert desk.asked()[1].history == (
        Turn("when does the tram open?", "The tram opens in 2025 [1]."),
    )


async def test_articles_and_about(fake: FakeDiscord, desk: FakeDesk, bot: RunningBot) -> None:
    listing = await fake.slash("articles")
    about = await fake.slash("about")
    listed = await fake.wait_for(lambda: finished(fake, listing))
    assert listed["embeds"][0]["description"].startswith("1. Tram line approved")
    told = await fake.wait_for(lambda: (m := original(fake, about)) and m["content"] and m)
    assert told["content"] == "model: fake\narticles: 0"


async def test_articles_of_some_dates_and_a_site(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.articles[:] = [
        record("a1", "Tram fares rise", when=3.0, site="Valley Gazette", published="2005-03-08"),
        record("a2", "Library hours cut", when=2.0, site="Lowick Post", published="2005-01-20"),
        record("a3", "Bridge shut", when=1.0, site="Valley Gazette"),
    ]
    state = await fake.slash("articles", [opt("since", "2005-01-01"), opt("site", "gazette")])
    listed = await fake.wait_for(lambda: finished(fake, state))
    [embed] = listed["embeds"]
    assert embed["title"] == "Articles from gazette published since 1 January 2005"
    assert embed["description"] == "1. Tram fares rise — Valley Gazette, 2005-03-08"
    assert desk.calls[-1].args == (10, date(2005, 1, 1), None, "gazette")


async def test_articles_with_a_bad_day_get_a_private_note(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    state = await fake.slash("articles", [opt("until", "next tuesday")])
    await fake.wait_for(lambda: state.ephemeral_texts)
    assert state.ephemeral_texts == [
        "'next tuesday' is not a date; use YYYY-MM-DD, e.g. 2025-06-14"
    ]
    assert not [c for c in desk.calls if c.method == "recent"]


async def test_a_stale_command_gets_a_short_private_note_and_one_info_line(
    fake: FakeDiscord, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        state = await fake.slash("headlines", [opt("topic", "rates")])
        await fake.wait_for(lambda: state.ephemeral_texts)
        autocomplete = await fake.slash("oldsearch", [opt("q", "ra", focused=True)], itype=4)
        await fake.wait_for(lambda: autocomplete.choices is not None)
    [note] = state.ephemeral_texts
    assert note == (
        "`/headlines` isn't one of my commands any more (Discord may still list it for a "
        "while). My commands: /ask, /summarise, /articles, /about."
    )
    assert autocomplete.choices == []
    stale = [r for r in caplog.records if "stale command" in r.getMessage()]
    assert [r.levelno for r in stale] == [logging.INFO, logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
