"""The real `newsdesk bot` process, real index and default model, against the fake Discord."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import pytest

from devtools.fake_discord import payloads as p
from devtools.fake_discord.process import build_index, start_bot_process, stop_bot_process
from devtools.fake_discord.server import FakeDiscord
from tests.bot.transports.discord.conftest import mention

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("newsdesk") / "data"
    build_index(path)
    return path


def finished(fake: FakeDiscord) -> list[dict[str, object]]:
    return [
        m
        for m in fake.channel_messages()
        if m["embeds"]
        or (not str(m["content"]).startswith("🔎") and not str(m["content"]).endswith("▌"))
    ]


async def test_real_bot_logs_in_syncs_answers_and_summarises(
    fake: FakeDiscord, data_dir: Path
) -> None:
    fake.heartbeat_ms = 1000  # frequent heartbeats: a blocked event loop would show as a gap
    process = await start_bot_process(fake, data_dir, "--sync", "--guild", str(p.GUILD_ID))
    try:
        await fake.wait_for(lambda: fake.ready.is_set() or process.returncode is not None, 180)
        assert fake.ready.is_set(), "the bot process never identified"
        [put] = fake.sent("PUT", "/commands")
        assert {c["name"] for c in put.body} == {"ask", "summarise", "articles", "about"}

        # a mention, answered with its sources
        asked = time.monotonic()
        await fake.user_says(mention("When did the first tram run on the Eastgate line?"))
        [reply] = await fake.wait_for(lambda: finished(fake), 240)
        answered = time.monotonic()
        beats = [asked, *(t for t in fake.heartbeats if asked < t < answered), answered]
        assert max(b - a for a, b in pairwise(beats)) < 3.0, "heartbeats stalled during the answer"
        assert 0 < len(str(reply["content"])) <= 2000
        if reply["embeds"]:
            assert "tram" in reply["embeds"][0]["description"].lower()

        # /summarise: autocomplete offers the article, the command is deferred then completed
        choose = await fake.slash(
            "summarise", [{"name": "article", "type": 3, "value": "tram", "focused": True}], itype=4
        )
        choices = await fake.wait_for(lambda: choose.choices, 30)
        state = await fake.slash(
            "summarise", [{"name": "article", "type": 3, "value": choices[0]["value"]}]
        )
        summary = await fake.wait_for(
            lambda: (m := fake.messages.get(state.original or 0)) and m["embeds"] and m, 240
        )
        assert state.callback is not None and state.callback["type"] == 5
        [callback] = [r for r in fake.sent("POST", "/callback") if str(state.id) in r.path]
        assert callback.at - state.created < 3.0
        assert summary["content"] and "tram" in summary["embeds"][0]["description"].lower()

        for r in fake.requests:
            if isinstance(r.body, dict) and ("content" in r.body or "embeds" in r.body):
                assert r.body["allowed_mentions"] == {"parse": []}
    finally:
        code, err = await stop_bot_process(process)
    assert code == 0, err
    assert "Traceback" not in err
