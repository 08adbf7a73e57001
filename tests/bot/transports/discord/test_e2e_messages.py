"""The bot over the fake Discord, in process, with the fake desk: messages (mentions, replies)."""

from __future__ import annotations

import asyncio
import logging
from itertools import pairwise

import pytest

from bot.types import BusyError, Turn
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import FakeDiscord, Recorded
from tests.bot.fakes import FakeDesk, answer, source
from tests.bot.transports.discord.conftest import RunningBot, StartBot, mention


def answers(fake: FakeDiscord, channel: int = p.CHANNEL_ID) -> list[dict[str, object]]:
    """Bot messages that are finished (no longer the thinking placeholder)."""
    return [m for m in fake.channel_messages(channel) if not str(m["content"]).startswith("🔎")]


def content_payloads(fake: FakeDiscord) -> list[Recorded]:
    return [
        r
        for r in fake.requests
        if isinstance(r.body, dict)
        and ("content" in r.body or "embeds" in r.body or "data" in r.body)
    ]


async def test_a_mention_is_answered_with_its_sources(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.script(answer("Rates rose by half a point [1].", source(1, "Bank raises rates")))
    asked = await fake.user_says(mention("what happened to rates?"))

    [reply] = await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]])

    assert desk.asked()[0].args == ("what happened to rates?",)
    assert reply["content"] == "Rates rose by half a point [1]."
    assert reply["message_reference"]["message_id"] == asked["id"]
    embed = reply["embeds"][0]
    assert "Bank raises rates" in embed["description"]
    assert "<https://example.org/1>" in embed["description"]


async def test_messages_that_do_not_address_the_bot_are_ignored(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    await fake.user_says("just chatting about rates")
    await fake.user_says(mention("and you?"))
    await fake.wait_for(lambda: answers(fake))
    assert [c.args for c in desk.asked()] == [("and you?",)]


async def test_a_reply_to_an_answer_is_a_follow_up_with_history(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.script(
        answer("The tram opens in 2025 [1].", source(1)), answer("It costs £182m [1].", source(1))
    )
    await fake.user_says(mention("when does the tram open?"))
    [first] = await fake.wait_for(lambda: answers(fake))

    await fake.user_says("how much does it cost?", reply_to=int(first["id"]))
    await fake.wait_for(lambda: len(answers(fake)) == 2)

    follow_up = desk.asked()[1]
    assert follow_up.args == ("how much does it cost?",)
    assert follow_up.history == (Turn("when does the tram open?", "The tram opens in 2025 [1]."),)


async def test_a_long_answer_arrives_in_valid_parts(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    sentence = "The council approved the tram line after a long debate [1]. "
    text = (sentence * 170).strip()  # ≈ 10,000 characters
    assert len(text) > 10_000
    desk.script(answer(text, source(1)))
    await fake.user_says(mention("tell me everything"))

    parts = await fake.wait_for(lambda: (a := answers(fake)) and a[-1]["embeds"] and a)

    assert len(parts) == 6
    assert all(len(str(m["content"])) <= 2000 for m in parts)
    assert " ".join(str(m["content"]) for m in parts).split() == text.split()
    assert not [
        r
        for r in fake.requests
        if r.path.startswith("/api")
        and r.body
        and isinstance(r.body, dict)
        and r.body.get("code") == 50035
    ]
    assert [bool(m["embeds"]) for m in parts] == [False] * 5 + [True]
    for earlier, later in pairwise(parts):
        assert later["message_reference"]["message_id"] == earlier["id"]


async def test_nothing_can_ping(fake: FakeDiscord, desk: FakeDesk, bot: RunningBot) -> None:
    nasty = source(1, "@everyone look: <@&123> and @here")
    desk.script(answer("Says @everyone and <@42> [1].", nasty))
    await fake.user_says(mention("@everyone what does it say?"))
    await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]])

    payloads = content_payloads(fake)
    assert payloads
    for r in payloads:
        assert r.body["allowed_mentions"] == {"parse": []}, r
        text = str(r.body)
        assert "@everyone" not in text and "@here" not in text and "<@&" not in text


async def test_two_users_asking_at_once_both_get_their_answer(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.delay = 0.3
    desk.script(answer("First answer [1].", source(1)), answer("Second answer [1].", source(1)))
    await fake.user_says(mention("first?"), author=p.USER)
    await fake.user_says(mention("second?"), author=p.USER2)

    done = await fake.wait_for(
        lambda: len([m for m in answers(fake) if m["embeds"]]) == 2 and answers(fake)
    )
    by_question = {m["referenced_message"]["content"]: m["content"] for m in done}
    assert by_question == {
        mention("first?"): "First answer [1].",
        mention("second?"): "Second answer [1].",
    }


async def test_the_heartbeat_goes_on_during_a_slow_model_call(
    fake: FakeDiscord, desk: FakeDesk, start_bot: StartBot
) -> None:
    fake.heartbeat_ms = 100
    await start_bot()
    desk.delay = 1.5
    started = asyncio.get_running_loop().time()
    await fake.user_says(mention("slow one"))
    await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]], timeout=10)

    beats = [t for t in fake.heartbeats if t >= started]
    gaps = [b - a for a, b in pairwise(beats)]
    assert len(beats) >= 10
    assert max(gaps) < 0.35


async def test_streaming_edits_at_most_once_a_second(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.stream, desk.delay = True, 2.5
    desk.script(answer(" ".join(f"word{i}" for i in range(50)) + " [1].", source(1)))
    await fake.user_says(mention("stream it"))
    await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]], timeout=10)

    edits = [r.at for r in fake.sent("PATCH", "/messages/")]
    assert len(edits) >= 3  # at least two previews and the final answer
    previews = edits[:-1]
    assert all(b - a >= 0.95 for a, b in pairwise(previews))


async def test_a_waiting_user_is_told_their_place_in_the_queue(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.queued_ahead, desk.delay = 2, 0.3
    await fake.user_says(mention("queued?"))
    await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]])
    previews = [r.body["content"] for r in fake.sent("PATCH") if r.body.get("content")]
    assert any("2 questions ahead" in c for c in previews)


async def test_a_draft_the_checks_replace_is_never_shown(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    desk.stream, desk.delay = True, 2.5
    desk.draft = "Rates fell sharply in March " + " ".join(f"filler{i}" for i in range(30))
    desk.script(answer("“Rates rose by half a point.” [1]", source(1)))
    await fake.user_says(mention("what happened to rates?"))
    [reply] = await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]], timeout=10)
    assert reply["content"] == "“Rates rose by half a point.” [1]"
    edits = [r.body for r in fake.sent("PATCH", "/messages/")]
    previews = [e["content"] for e in edits[:-1]]
    assert previews and all(p.startswith(("✍️", "⏳", "🔎")) for p in previews)
    assert not any("fell" in p or "filler" in p for p in previews)
    assert any("words so far" in p for p in previews)  # a long wait visibly works


async def test_busy_gets_a_short_reply(fake: FakeDiscord, desk: FakeDesk, bot: RunningBot) -> None:
    desk.script(BusyError(8))
    await fake.user_says(mention("anyone there?"))
    [reply] = await fake.wait_for(lambda: answers(fake))
    assert reply["content"] == str(BusyError(8))
    assert not reply["embeds"]


async def test_an_unexpected_error_shows_a_reference_and_the_bot_lives_on(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    desk.script(RuntimeError("secret internals"), answer("Fine again [1].", source(1)))
    with caplog.at_level(logging.ERROR):
        await fake.user_says(mention("break"))
        [reply] = await fake.wait_for(lambda: answers(fake))
    assert "secret" not in reply["content"]
    assert "reference" in reply["content"]
    ref = reply["content"].split("`")[1]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)

    await fake.user_says(mention("again"))
    await fake.wait_for(lambda: len(answers(fake)) == 2 and answers(fake)[1]["embeds"])


async def test_a_too_long_question_is_refused_without_asking(
    fake: FakeDiscord, desk: FakeDesk, bot: RunningBot
) -> None:
    await fake.user_says(mention("why " * 200))
    [reply] = await fake.wait_for(lambda: fake.channel_messages())
    assert "limit is 500" in reply["content"]
    assert desk.asked() == []


async def test_cooldown_per_user(fake: FakeDiscord, desk: FakeDesk, start_bot: StartBot) -> None:
    await start_bot(cooldown_seconds=60)
    await fake.user_says(mention("one"))
    await fake.wait_for(lambda: [m for m in answers(fake) if m["embeds"]])
    await fake.user_says(mention("two"))
    await fake.user_says(mention("three"), author=p.USER2)
    await fake.wait_for(
        lambda: (
            len(answers(fake)) == 3
            and all(not m["content"].startswith("🔎") for m in fake.channel_messages())
        )
    )
    assert [c.args for c in desk.asked()] == [("one",), ("three",)]
    assert any(m["content"].startswith("Please wait") for m in answers(fake))


async def test_only_configured_channels_are_answered(
    fake: FakeDiscord, desk: FakeDesk, start_bot: StartBot
) -> None:
    await start_bot(discord_channels=[p.CHANNEL_ID])
    await fake.user_says(mention("elsewhere"), channel=p.OTHER_CHANNEL_ID)
    await fake.user_says(mention("here"))
    await fake.wait_for(lambda: answers(fake))
    assert [c.args for c in desk.asked()] == [("here",)]
    assert fake.channel_messages(p.OTHER_CHANNEL_ID) == []
