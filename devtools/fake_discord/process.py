"""Running the real `newsdesk bot` process against the fake Discord (slow tests, the benchmark)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from devtools.fake_discord.server import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "articles"


def newsdesk_command() -> list[str]:
    script = Path(sys.executable).parent / "newsdesk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newsdesk"]


def bot_env(data_dir: Path, fake: FakeDiscord | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        NEWSDESK_DATA_DIR=str(data_dir),
        NEWSDESK_LOG_LEVEL="INFO",
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
    )
    if fake is not None:
        env.update(
            NEWSDESK_DISCORD_TOKEN=fake.token,
            NEWSDESK_DISCORD_API_BASE=fake.api_base,
            NEWSDESK_DISCORD_GATEWAY_URL=fake.gateway_url,
            NEWSDESK_COOLDOWN_SECONDS="0",
        )
    env.update(extra)
    return env


def build_index(data_dir: Path, source: Path = SAMPLES) -> None:
    """`newsdesk index add samples/articles` into `data_dir`, with the real default embedder."""
    subprocess.run(
        [*newsdesk_command(), "index", "add", str(source)],
        env=bot_env(data_dir),
        check=True,
        capture_output=True,
        cwd=data_dir.parent,
        timeout=600,
    )


async def start_bot_process(
    fake: FakeDiscord, data_dir: Path, *args: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *newsdesk_command(),
        "bot",
        *args,
        env=bot_env(data_dir, fake),
        cwd=data_dir.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot_process(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM, then the exit code and everything it wrote to stderr."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode(errors="replace")
