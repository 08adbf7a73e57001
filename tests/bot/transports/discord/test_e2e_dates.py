"""A "this week" question in a bot thread, through the fake Discord, answered by the real `Desk`
(a real index with dated articles, the hashing embedder, a scripted model), asked on
Wednesday 18 June 2025 (`NEWSDESK_NOW`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.desk import Desk
from devtools.fake_discord.server import FakeDiscord
from newsdesk.app import App, build_desk
from newsdesk.settings import Settings
from tests.bot.engine.test_dated import LIBRARY_OLD, TRAM_NEW, TRAM_OLD
from tests.bot.transports.discord.conftest import RunningBot
from tests.bot.transports.discord.test_e2e_commands import opt
from tests.support import ScriptedModel

NOW = date(2025, 6, 18)


@pytest.fixture
def desk(settings: Settings) -> Desk:  # overrides the fake desk of conftest
    app = App(settings.model_copy(update={"now": NOW, "min_relevance": 0.2}))
    app.index.add([TRAM_OLD, TRAM_NEW, LIBRARY_OLD])
    model = ScriptedModel(
        [
            "Councillors approved the Brackenford tram line [1].",
            "The tram line will now cost 240 million pounds [1].",
        ]
    )
    return build_desk(app.settings, app.index, app.retriever, lambda: model)


def answers_in(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [m for m in fake.channel_messages(channel) if m["embeds"] or "newest" in m["content"]]


async def test_a_this_week_question_in_a_thread(fake: FakeDiscord, bot: RunningBot) -> None:
    question = "What has happened with the Brackenford tram line?"
    state = await fake.slash("ask", [opt("question", question), opt("thread", True, type_=5)])
    await fake.wait_for(lambda: fake.sent("POST", "/threads"), timeout=20)
    thread = state.original
    assert thread is not None

    await fake.user_says("How much will it cost, going by this week's news?", channel=thread)
    [reply] = await fake.wait_for(lambda: answers_in(fake, thread), timeout=20)
    assert reply["content"].startswith("On 17 June 2025, ")
    assert "240 million pounds" in reply["content"] and "182 million" not in reply["content"]
    [sources] = reply["embeds"]
    assert "Brackenford tram line cost rises" in sources["description"]
    assert "2025-06-17" in sources["description"]
    assert "Brackenford tram line approved" not in sources["description"]

    await fake.user_says(
        "Did the Lowick Green library Saturday closures go ahead this week?", channel=thread
    )
    await fake.wait_for(lambda: len(answers_in(fake, thread)) == 2, timeout=20)
    stale = answers_in(fake, thread)[1]
    assert stale["content"] == (
        "No indexed article on this is dated this week. "
        "The newest article on this is from 8 March 2005 [1]."
    )
    assert "Lowick Green library cuts Saturdays" in stale["embeds"][0]["description"]
