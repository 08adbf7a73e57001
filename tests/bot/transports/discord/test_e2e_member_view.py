"""What members see never includes where an article was indexed from on the server.

A real index (hashing embedder) holds articles indexed from files under a temp dir; the real
`Desk` answers (a scripted model) through the bot over the fake Discord and through
`newsdesk chat`; every message, edit and embed the fake server received, and everything the chat
printed, is searched for the temp dir and for any absolute path.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.transports.terminal import run_chat
from devtools.fake_discord import payloads as p
from devtools.fake_discord.server import FakeDiscord
from index.ingest.load import load_source
from newsdesk.app import App, build_desk
from tests.bot.transports.discord.conftest import RunningBot, mention
from tests.bot.transports.discord.test_e2e_commands import opt
from tests.support import ScriptedModel

# A path: a slash that doesn't follow a word, a colon or a slash (so not a URL's or a date's).
ABSOLUTE_PATH = re.compile(r"(?<![\w/:.])/(?:[\w.-]+/)+[\w.-]*")
FERRY = (
    "# Quayside ferry returns after winter repairs\n\n"
    "The Quayside ferry returns to service on 3 May after four months of winter repairs. "
    "The harbour board spent 2.1 million pounds on a new hull and engines. "
    "Skipper Morag Tain said the crossing will take eleven minutes.\n"
)
MARKET = (
    "# Harbour market adds a Sunday\n\n"
    "The harbour market will open on Sundays from June. "
    "Thirty stalls have signed up for the first Sunday market.\n"
)


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "srv" / "newsroom" / "articles"
    folder.mkdir(parents=True)
    (folder / "quayside-ferry.md").write_text(FERRY, encoding="utf-8")
    (folder / "harbour-market.md").write_text(MARKET, encoding="utf-8")
    return folder


@pytest.fixture
def desk(app: App, server_dir: Path) -> Desk:  # overrides the fake desk of conftest
    app.index.add(load_source(str(server_dir), max_bytes=1 << 20, timeout=5))
    model = ScriptedModel(["The ferry returns on 3 May [1]."] * 4)
    return build_desk(app.settings, app.index, app.retriever, lambda: model)


def finished(fake: FakeDiscord, message_id: int | None) -> bool:
    message = fake.messages.get(message_id or 0)
    return bool(
        message
        and not int(message["flags"]) & p.LOADING
        and not str(message["content"]).startswith(("🔎", "⏳", "✍"))
    )


def leaks(text: str, server_dir: Path) -> list[str]:
    found = [str(server_dir.parent.parent)] if str(server_dir.parent.parent) in text else []
    return found + ABSOLUTE_PATH.findall(text)


async def test_no_server_path_reaches_discord(
    fake: FakeDiscord, bot: RunningBot, server_dir: Path
) -> None:
    await fake.user_says(mention("When does the Quayside ferry return?"))
    slash = [
        await fake.slash("ask", [opt("question", "How much did the ferry repairs cost?")]),
        await fake.slash("summarise", [opt("article", "Quayside ferry")]),
        await fake.slash("articles"),
        await fake.slash("about"),
    ]
    for state in slash:
        await fake.wait_for(lambda s=state: finished(fake, s.original), timeout=20)
    await asyncio.sleep(1.2)  # any last edit
    sent = json.dumps([r.body for r in fake.requests], ensure_ascii=False)
    shown = json.dumps(list(fake.messages.values()), ensure_ascii=False)
    assert "Quayside ferry returns after winter repairs" in shown  # the sources are there…
    assert leaks(sent, server_dir) == [] and leaks(shown, server_dir) == []  # …the paths not


async def test_no_server_path_reaches_the_chat(desk: Desk, server_dir: Path) -> None:
    out = io.StringIO()
    lines = (
        "When does the Quayside ferry return?\n/summarise Quayside ferry\n/articles\n/about\n"
        "Who won the rowing regatta in Tokyo?\n"
    )
    await run_chat(desk, stdin=io.StringIO(lines), stdout=out)
    text = out.getvalue()
    assert "Quayside ferry returns after winter repairs" in text
    assert leaks(text, server_dir) == []


async def test_only_the_cited_sources_are_listed(desk: Desk) -> None:
    out = io.StringIO()
    await run_chat(
        desk, stdin=io.StringIO("When does the ferry return to the harbour?\n"), stdout=out
    )
    sources = out.getvalue().split("Sources:\n")[1]
    assert sources.startswith("[1] Quayside ferry returns after winter repairs")
    assert "Harbour market" not in sources
