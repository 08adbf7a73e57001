"""Captures of what members see: one answer, one refusal, one summary, one topic digest and one
overview question (answered by a digest), in Discord and the terminal, the announcement of new
articles from a watched feed and a "this week" question in a thread in Discord, rendered to PNG
with headless Chromium.

    .venv/bin/python docs/captures/make.py                              # writes docs/captures/*.png
    .venv/bin/python docs/captures/make.py --only discord --case digest  # just one of them

Everything is real except Discord's network: the bundled sample articles are indexed into a temp
dir with the default embedder, the bundled model answers, the bot talks to the fake Discord server
(`devtools/fake_discord`) on 127.0.0.1 and its messages and embeds are rendered to an HTML page in
Discord's dark layout (the announcement: a feed served on 127.0.0.1, polled by the bot's feed
watcher, its new entries posted by the bot); the terminal captures are `newsdesk chat` run in
tmux, the pane exported with rich. Needs `chromium` and `tmux` (Debian packages).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from devtools.fake_discord import payloads as p  # noqa: E402
from devtools.fake_discord.render import page, render_message  # noqa: E402
from devtools.fake_discord.server import FakeDiscord  # noqa: E402

OUT = ROOT / "docs" / "captures"
NEWSDESK = ROOT / ".venv" / "bin" / "newsdesk"
OVERVIEW = "What has been said about Brackenford roads and bridges?"
CASES = (  # (name, Discord slash command, its options, the same in `newsdesk chat`)
    (
        "answer",
        "ask",
        [{"name": "question", "type": 3, "value": "How much did the Eastgate tram line cost?"}],
        "How much did the Eastgate tram line cost?",
    ),
    (
        "refusal",
        "ask",
        [{"name": "question", "type": 3, "value": "Who won the Tarnvale marathon?"}],
        "Who won the Tarnvale marathon?",
    ),
    (
        "summary",
        "summarise",
        [{"name": "article", "type": 3, "value": "Millrace Bridge"}],
        "/summarise Millrace Bridge",
    ),
    (
        "digest",
        "summarise",
        [{"name": "article", "type": 3, "value": "Brackenford council transport"}],
        "/summarise Brackenford council transport",
    ),
    (
        "overview",
        "ask",
        [{"name": "question", "type": 3, "value": OVERVIEW}],
        OVERVIEW,
    ),
)
BUSY_PREFIXES = ("🔎", "⏳", "✍")
# The "this week" capture: two dated articles of our own (the samples carry no dates), asked on
# Wednesday 18 June 2025 (NEWSDESK_NOW): a question in a thread, then a "this week" follow-up.
NOW = "2025-06-18"
DATED_CSV = """title,text,published,site
Eastgate tram fares set at £2.10,"Brackenford council has set a single fare on the Eastgate \
tram line at £2.10, councillors said on Tuesday. A day ticket will cost £4.50. The fares were \
agreed after a consultation in which 2,300 residents took part.",2025-05-20,Brackenford Echo
Eastgate tram fares cut to £1.80 for the summer,"Single fares on the Eastgate tram line will \
fall to £1.80 from Monday until the end of August, Brackenford council said. Councillors cut \
the Eastgate fare after passenger numbers in the first week fell short of forecasts.",\
2025-06-16,Brackenford Echo
"""
THREAD_QUESTION = "How much is a single fare on the Eastgate tram?"
THIS_WEEK = "What happened to Eastgate tram fares this week?"


def index_samples(data_dir: Path) -> None:
    env = dict(os.environ, NEWSDESK_DATA_DIR=str(data_dir))
    subprocess.run(
        [str(NEWSDESK), "index", "add", str(ROOT / "samples" / "articles")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def settled(fake: FakeDiscord, message_id: int, quiet: float = 1.5) -> None:
    """Wait until the message is no longer a progress line and has not changed for `quiet` s."""
    last, since = None, time.monotonic()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        message = fake.messages.get(message_id) or {}
        now = (message.get("content"), str(message.get("embeds")))
        if now != last:
            last, since = now, time.monotonic()
        content = now[0] or ""
        busy = any(line.startswith(BUSY_PREFIXES) for line in content.splitlines())
        if content and not busy and time.monotonic() - since > quiet:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"message {message_id} never settled")


async def discord_pages(data_dir: Path, cases: tuple[str, ...]) -> dict[str, str]:
    from bot.transports.discord.client import run_bot_async
    from newsdesk.app import App, build_bot_config, build_connection
    from newsdesk.settings import Settings

    fake = FakeDiscord()
    await fake.start()
    settings = Settings(
        data_dir=data_dir,
        discord_token=fake.token,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        cooldown_seconds=0.0,
    )
    app = App(settings)
    task = asyncio.create_task(
        run_bot_async(
            build_connection(settings),
            build_bot_config(settings),
            app.desk,
            guild_ready_timeout=0.05,
        )
    )
    pages: dict[str, str] = {}
    try:
        await asyncio.wait_for(fake.ready.wait(), 60)
        await asyncio.sleep(0.3)
        for name, command, options, _ in CASES:
            if name not in cases:
                continue
            state = await fake.slash(command, options)
            await fake.wait_for(lambda s=state: s.original, timeout=30)
            assert state.original is not None
            await settled(fake, state.original)
            ids = [state.original, *state.followups]
            used = f"/{command} " + " ".join(f"{o['name']}: {o['value']}" for o in options)
            blocks = [
                render_message(fake.messages[i], used=used if i == ids[0] else None)
                for i in ids
                if i in fake.messages
            ]
            blocks += [render_message(_ephemeral(t), ephemeral=True) for t in state.ephemeral_texts]
            pages[name] = page(blocks)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()
    return pages


FEED_ENTRIES = (  # invented stories, in the samples' fictional town
    (
        "urn:gazette:ferry",
        "Harbourside ferry link approved",
        "https://gazette.example/harbourside-ferry",
        "Brackenford council approved a passenger ferry between Harbourside and Eastgate on "
        "Thursday. The service will cost 12 million pounds and is due to sail in spring 2027. "
        "Councillor Ruth Amis said the boats would carry 300 passengers an hour at peak times.",
    ),
    (
        "urn:gazette:library",
        "Lowick Green library opens on Sundays",
        "https://gazette.example/lowick-sundays",
        "Lowick Green library will open on Sundays from January, the first time in its history. "
        "Volunteers from the Friends of Lowick Green will staff the desk from 10am to 4pm. "
        "The trial runs for six months before the council reviews visitor numbers.",
    ),
)


def feed_xml() -> bytes:
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><guid>{guid}</guid><title>{escape(title)}</title><link>{link}</link>"
        f"<pubDate>Sun, 06 Dec 2026 08:30:00 GMT</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for guid, title, link, text in FEED_ENTRIES
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Brackenford Gazette</title>{items}</channel></rss>"
    ).encode()


def serve_feed() -> tuple[str, object]:
    """The feed on a loopback port; returns its URL and the server (call `.shutdown()`)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = feed_xml()

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml", httpd


async def announcement_page(data_dir: Path) -> str:
    """The bot with its feed watcher: a watched feed's two new entries, as members see them."""
    from bot.transports.discord.client import run_bot_async
    from index.feeds.schedule import new_feed
    from newsdesk.app import App, build_announcer, build_bot_config, build_catalog, build_connection
    from newsdesk.settings import Settings
    from newsdesk.watch import watching

    fake = FakeDiscord()
    await fake.start()
    url, httpd = serve_feed()
    settings = Settings(
        data_dir=data_dir,
        discord_token=fake.token,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        announce_channel=p.CHANNEL_ID,
        announce_interval=1.0,
    )
    build_catalog(settings)[0].add_feed(new_feed(url, every=1800.0, now=time.time()))
    announcer = build_announcer(settings)
    task = asyncio.create_task(
        run_bot_async(
            build_connection(settings),
            build_bot_config(settings),
            App(settings).desk,
            announcer=announcer,
            guild_ready_timeout=0.05,
        )
    )
    try:
        await asyncio.wait_for(fake.ready.wait(), 60)
        with watching(
            settings, on_new=lambda feed, new: announcer.offer(feed.announce_channel, new)
        ):
            messages = await fake.wait_for(
                lambda: (
                    len(posts := [m for m in fake.channel_messages() if m["embeds"]]) == 2 and posts
                ),
                timeout=300,
            )
        return page([render_message(m) for m in messages])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()
        httpd.shutdown()  # type: ignore[attr-defined]


async def this_week_page(data_dir: Path) -> str:
    """A question with `thread: True`, then a "this week" follow-up in the bot's thread."""
    from bot.transports.discord.client import run_bot_async
    from newsdesk.app import App, build_bot_config, build_connection
    from newsdesk.settings import Settings

    fake = FakeDiscord()
    await fake.start()
    settings = Settings(
        data_dir=data_dir,
        discord_token=fake.token,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        cooldown_seconds=0.0,
        now=date.fromisoformat(NOW),
    )
    app = App(settings)
    task = asyncio.create_task(
        run_bot_async(
            build_connection(settings),
            build_bot_config(settings),
            app.desk,
            guild_ready_timeout=0.05,
        )
    )
    try:
        await asyncio.wait_for(fake.ready.wait(), 60)
        await asyncio.sleep(0.3)
        options = [
            {"name": "question", "type": 3, "value": THREAD_QUESTION},
            {"name": "thread", "type": 5, "value": True},
        ]
        state = await fake.slash("ask", options)
        await fake.wait_for(lambda: fake.sent("POST", "/threads"), timeout=300)
        assert state.original is not None
        await settled(fake, state.original)
        thread = state.original
        await fake.user_says(THIS_WEEK, channel=thread)
        reply = await fake.wait_for(lambda: fake.channel_messages(thread), timeout=60)
        await settled(fake, int(reply[0]["id"]))
        used = f"/ask question: {THREAD_QUESTION} thread: True"
        blocks = [render_message(fake.messages[thread], used=used)]
        mine = fake.channel_messages(thread, bot=False) + fake.channel_messages(thread)
        blocks += [render_message(m) for m in sorted(mine, key=lambda m: int(m["id"]))]
        return page(blocks, channel=f"newsroom › {THREAD_QUESTION}")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await fake.stop()


def index_dated(data_dir: Path) -> None:
    csv_path = data_dir.parent / "dated.csv"
    csv_path.write_text(DATED_CSV, encoding="utf-8")
    env = dict(os.environ, NEWSDESK_DATA_DIR=str(data_dir))
    subprocess.run(
        [str(NEWSDESK), "index", "add", str(csv_path)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _ephemeral(text: str) -> dict[str, object]:
    return {"author": p.BOT_USER, "content": text, "embeds": []}


def terminal_page(data_dir: Path, line: str, width: int = 96) -> str:
    """`newsdesk chat` in a tmux pane: type `line`, wait for the next prompt, export the pane."""
    from rich.console import Console
    from rich.text import Text

    session = f"newsdesk-capture-{os.getpid()}"
    env = f"NEWSDESK_DATA_DIR={data_dir} NEWSDESK_LOG_LEVEL=WARNING"
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(width),
            "-y",
            "40",
            f"cd {ROOT} && {env} {NEWSDESK} chat",
        ],
        check=True,
    )
    try:
        _wait_pane(tmux, session, lambda pane: pane.rstrip().endswith(">"))
        subprocess.run([*tmux, "send-keys", "-t", session, line, "Enter"], check=True)
        _wait_pane(tmux, session, lambda pane: pane.rstrip().endswith(">") and pane.count(">") > 1)
        pane = subprocess.run(
            [*tmux, "capture-pane", "-p", "-e", "-t", session],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.rstrip()
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    with open(os.devnull, "w") as sink:
        console = Console(record=True, width=width, file=sink, force_terminal=True)
        console.print(Text.from_ansi(pane))
    return console.export_html(inline_styles=True, code_format=TERMINAL_HTML)


TERMINAL_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #1e1e1e; }}
.win {{ margin: 16px; border-radius: 8px; background: #0c0c0c; box-shadow: 0 4px 16px #000a; }}
.bar {{ height: 28px; background: #2d2d2d; border-radius: 8px 8px 0 0; padding-left: 12px; }}
.bar i {{ display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin: 8px 4px; }}
pre {{ margin: 0; padding: 12px 16px 16px; color: #d4d4d4; font: 15px/1.35 'DejaVu Sans Mono',
  monospace; white-space: pre; }}
</style></head><body><div class="win"><div class="bar"><i style="background:#ff5f57"></i>
<i style="background:#febc2e"></i><i style="background:#28c840"></i></div>
<pre><code>{code}</code></pre></div></body></html>"""


def _wait_pane(tmux: list[str], session: str, done: object, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    quiet_since, last = time.monotonic(), ""
    while time.monotonic() < deadline:
        pane = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout
        if pane != last:
            last, quiet_since = pane, time.monotonic()
        if callable(done) and done(pane) and time.monotonic() - quiet_since > 1.0:
            return
        time.sleep(0.3)
    raise TimeoutError(f"tmux pane never finished:\n{last}")


def screenshot(html: str, png: Path, width: int = 820) -> None:
    """Render `html` with headless Chromium, then crop the empty space below the content."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "page.html"
        page_path.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                f"--screenshot={png}",
                f"--window-size={width},1400",
                page_path.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    image = Image.open(png).convert("RGB")
    background = image.getpixel((width - 1, image.height - 1))
    bottom = image.height
    while bottom > 1 and all(
        image.getpixel((x, bottom - 1)) == background for x in range(0, width, 4)
    ):
        bottom -= 1
    image.crop((0, 0, width, min(image.height, bottom + 16))).save(png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=("discord", "terminal", "announcement", "this-week"),
        help="one kind of capture",
    )
    parser.add_argument(
        "--case", action="append", choices=[c[0] for c in CASES], help="only these (repeatable)"
    )
    args = parser.parse_args(argv)
    only, cases = args.only, tuple(args.case or [c[0] for c in CASES])
    for tool in ("chromium", "tmux"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is not installed (apt-get install -y {tool})", file=sys.stderr)
            return 1
    OUT.mkdir(parents=True, exist_ok=True)
    if only in (None, "this-week"):
        with tempfile.TemporaryDirectory(prefix="newsdesk-captures-") as tmp:
            index_dated(Path(tmp) / "data")
            screenshot(
                asyncio.run(this_week_page(Path(tmp) / "data")), OUT / "discord-this-week.png"
            )
            print(f"wrote {OUT / 'discord-this-week.png'}")
    if only == "this-week":
        return 0
    with tempfile.TemporaryDirectory(prefix="newsdesk-captures-") as tmp:
        data_dir = Path(tmp) / "data"
        index_samples(data_dir)
        pages = asyncio.run(discord_pages(data_dir, cases)) if only in (None, "discord") else {}
        # The terminal pages first: the announcement indexes a feed's new article, and the
        # terminal must show what `make demo` shows over the samples alone.
        for name, _, _, line in CASES if only in (None, "terminal") else ():
            if name not in cases:
                continue
            screenshot(terminal_page(data_dir, line), OUT / f"terminal-{name}.png", width=980)
            print(f"wrote {OUT / f'terminal-{name}.png'}")
        if only in (None, "announcement"):
            pages["announcement"] = asyncio.run(announcement_page(data_dir))
        for name, html in pages.items():
            screenshot(html, OUT / f"discord-{name}.png")
            print(f"wrote {OUT / f'discord-{name}.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
