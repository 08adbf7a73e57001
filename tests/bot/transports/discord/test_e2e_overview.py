"""An overview question through the fake Discord, answered by the real `Desk` (a real index, the
hashing embedder, a scripted model that must not be called): the digest of the subject, each fact
cited to its article, the disagreement named, the cited articles listed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.desk import Desk
from devtools.fake_discord.server import FakeDiscord
from newsdesk.app import App, build_desk
from tests.bot.engine.test_overview import GLAZER
from tests.bot.transports.discord.conftest import RunningBot, mention
from tests.bot.transports.discord.test_e2e_commands import finished, opt
from tests.support import ScriptedModel

QUESTION = "What has been said about the Glazer takeover of Manchester United?"


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel(["Invented [1]."])


@pytest.fixture
def desk(app: App, model: ScriptedModel) -> Desk:  # overrides the fake desk of conftest
    app.index.add(GLAZER)
    return build_desk(app.settings, app.index, app.retriever, lambda: model)


def check_digest(message: dict[str, Any], model: ScriptedModel) -> None:
    content = message["content"]
    assert "From 2 articles:" in content and len(content) <= 2000
    assert "Malcolm Glazer has raised his stake in Manchester United to 70%.” [" in content
    assert "Malcolm Glazer now owns 75% of Manchester United.” [" in content
    assert "Sources differ: [" in content and "Invented" not in content and not model.calls
    sources = message["embeds"][0]["description"]
    assert "Glazer takeover: Manchester United stake rises" in sources
    assert "Glazer takeover of Manchester United nears" in sources
    assert "Valley floods" not in sources


async def test_ask_an_overview_is_a_digest_in_one_message(
    fake: FakeDiscord, bot: RunningBot, model: ScriptedModel
) -> None:
    state = await fake.slash("ask", [opt("question", QUESTION)])
    message = await fake.wait_for(lambda: finished(fake, state), timeout=20)
    assert message["content"].startswith(f"> {QUESTION}\nFrom 2 articles:\n- ")
    check_digest(message, model)
    assert state.followups == []


async def test_a_mention_asking_for_an_overview_gets_the_digest(
    fake: FakeDiscord, bot: RunningBot, model: ScriptedModel
) -> None:
    await fake.user_says(mention("Catch me up on the Glazer takeover of Manchester United"))
    [reply] = await fake.wait_for(
        lambda: [m for m in fake.channel_messages() if m["embeds"]], timeout=20
    )
    check_digest(reply, model)
