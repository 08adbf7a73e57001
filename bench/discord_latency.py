"""Discord latency benchmark: the real `newsdesk bot` process, the real index and default model,
driven through the fake Discord server in devtools/fake_discord (127.0.0.1 only).

For each question it measures, from the moment the event is dispatched on the gateway:
  ack    — /ask: the defer callback; mention: the placeholder reply
  first  — the first progress edit saying the answer is being written (drafts are not shown)
  total  — the final edit (no progress line left)
Run from the repository root:

    .venv/bin/python bench/discord_latency.py [--data-dir DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools.fake_discord import payloads as p
from devtools.fake_discord.process import build_index, start_bot_process, stop_bot_process
from devtools.fake_discord.server import FakeDiscord, Recorded

QUESTIONS = [
    "When did the first tram run on the Eastgate line?",
    "Why is the Millrace Bridge closing?",
    "How full are the Tarnvale reservoirs?",
]
PROGRESS = ("🔎", "⏳", "✍️")  # the first characters of a progress line (bot.transports.progress)
WRITING = "✍️"


def in_progress(content: str) -> bool:
    return any(line.startswith(PROGRESS) for line in content.splitlines())


def timings(edits: list[Recorded], ack: float | None, start: float) -> dict[str, float | None]:
    shown = [r for r in edits if isinstance(r.body, dict) and r.body.get("content")]
    writing = [r.at for r in shown if WRITING in r.body["content"] or r.body.get("embeds")]
    first = writing[0] if writing else None
    final = next((r.at for r in shown if not in_progress(r.body["content"])), None)
    return {
        "ack": None if ack is None else ack - start,
        "first": None if first is None else first - start,
        "total": None if final is None else final - start,
    }


async def ask_slash(fake: FakeDiscord, question: str) -> dict[str, float | None]:
    state = await fake.slash("ask", [{"name": "question", "type": 3, "value": question}])
    await fake.wait_for(
        lambda: (
            (m := fake.messages.get(state.original or 0))
            and not in_progress(m["content"])
            and m["content"].count("\n") >= 1
        ),
        300,
    )
    ack = next((r.at for r in fake.sent("POST", "/callback") if str(state.id) in r.path), None)
    edits = fake.sent("PATCH", f"/{state.token}/messages/@original")
    return timings(edits, ack, state.created)


async def ask_mention(fake: FakeDiscord, question: str) -> dict[str, float | None]:
    start = time.monotonic()
    asked = await fake.user_says(f"<@{p.BOT_ID}> {question}")

    def reply() -> dict[str, Any] | None:
        return next(
            (
                m
                for m in fake.messages.values()
                if m.get("message_reference", {}).get("message_id") == asked["id"]
            ),
            None,
        )

    await fake.wait_for(
        lambda: (m := reply()) and not in_progress(m["content"]),
        300,
    )
    message = reply()
    assert message is not None
    created = [
        r
        for r in fake.sent("POST", f"/channels/{p.CHANNEL_ID}/messages")
        if isinstance(r.body, dict) and r.at >= start
    ]
    edits = fake.sent("PATCH", f"/messages/{message['id']}")
    return timings(edits, created[0].at if created else None, start)


def show(kind: str, rows: list[dict[str, float | None]]) -> None:
    print(f"\n{kind}: seconds from the gateway event")
    print(f"{'#':>3} {'ack':>8} {'first':>8} {'total':>8}")
    for i, row in enumerate(rows, 1):
        cells = " ".join(
            f"{row[k]:8.3f}" if row[k] is not None else f"{'-':>8}"
            for k in ("ack", "first", "total")
        )
        print(f"{i:>3} {cells}")
    for key in ("ack", "first", "total"):
        values = [v for r in rows if (v := r[key]) is not None]
        if values:
            print(f"median {key}: {statistics.median(values):.3f}s  max: {max(values):.3f}s")


async def main(data_dir: Path | None, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            t = time.monotonic()
            build_index(data_dir)
            print(f"index built in {time.monotonic() - t:.1f}s")
        fake = FakeDiscord()
        await fake.start()
        t = time.monotonic()
        process = await start_bot_process(fake, data_dir)
        try:
            await fake.wait_for(lambda: fake.ready.is_set(), 300)
            print(
                f"bot process connected in {time.monotonic() - t:.1f}s; "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
            questions = (QUESTIONS * rounds)[: max(rounds, 1) * len(QUESTIONS)]
            show("/ask", [await ask_slash(fake, q) for q in questions])
            show("mention", [await ask_mention(fake, q) for q in questions])
            beats = fake.heartbeats
            print(f"\nheartbeats sent during the run: {len(beats)} (interval 41.25s)")
        finally:
            code, err = await stop_bot_process(process)
            await fake.stop()
        print(f"bot exit code {code}")
        if code != 0:
            print(err, file=sys.stderr)
        return 0 if code == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, help="An existing index (default: build one).")
    parser.add_argument("--rounds", type=int, default=1, help="Times to ask each question.")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.data_dir, args.rounds)))
