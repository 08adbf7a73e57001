"""Load test through the async API (the Desk): waves of concurrent askers on the bundled samples.

Every asker must be answered or told it is busy (with the queue length it met); those that wait
are told their queue position; answers complete in arrival order (FIFO); a ticker task measures
the worst event-loop stall; RSS is sampled between waves to show whether memory stays flat.

    python bench/load_test.py                      # 20 askers a wave for 300 s, real model
    python bench/load_test.py --seconds 30 --askers 20

Prints one line per wave and a summary (answered / busy, order, worst loop gap, RSS start → end),
with the load average. The index lives under --data-dir (default: a temp folder).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "How much did the Eastgate tram line cost?",
    "When does the Millrace Bridge reopen?",
    "How much did the Lowick Green library restoration cost?",
    "Who won the St Aldric's science prize?",
    "Why was a hosepipe ban announced in Tarnvale?",
    "How much funding did Fernwing get?",
    "Which club won promotion?",
)


@dataclass
class Ticker:
    """Sleeps `interval` seconds at a time and records how late each wake-up was."""

    interval: float = 0.01
    worst: float = 0.0
    ticks: int = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, loop.time() - before - self.interval)
            self.ticks += 1


@dataclass
class Wave:
    answered: list[int] = field(default_factory=list)  # asker numbers, in completion order
    busy: dict[int, int] = field(default_factory=dict)  # asker → queue length it met
    positions: dict[int, int] = field(default_factory=dict)  # asker → first place it was told
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def fifo(self) -> bool:
        return self.answered == sorted(self.answered)


async def run_wave(desk: object, askers: int, questions: Sequence[str] = QUESTIONS) -> Wave:
    """`askers` questions at once, in a known arrival order (asker 0 first)."""
    from bot.types import BusyError

    wave = Wave()
    started = time.monotonic()

    async def ask(n: int) -> None:
        try:
            await desk.ask(  # type: ignore[attr-defined]
                questions[n % len(questions)],
                on_queued=lambda ahead: wave.positions.setdefault(n, ahead),
            )
            wave.answered.append(n)
        except BusyError as exc:
            wave.busy[n] = exc.waiting
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            wave.errors.append(f"asker {n}: {type(exc).__name__}: {exc}")

    tasks = []
    for n in range(askers):  # start them one after another, so arrival order is 0, 1, 2, ...
        tasks.append(asyncio.create_task(ask(n)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    wave.seconds = time.monotonic() - started
    return wave


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


async def idle_gap(seconds: float) -> float:
    """The worst stall of an event loop that does nothing but tick: what the machine's load
    alone costs, to read the soak's worst gap against (measured in the same run)."""
    ticker = Ticker()
    task = asyncio.create_task(ticker.run())
    await asyncio.sleep(seconds)
    task.cancel()
    return ticker.worst


async def soak(
    desk: object, *, askers: int, seconds: float, log: bool = True, baseline: float = 0.0
) -> dict[str, object]:
    """Waves of `askers` until `seconds` have passed; the numbers the note reports."""
    idle = await idle_gap(baseline) if baseline else None
    ticker = Ticker()
    tick_task = asyncio.create_task(ticker.run())
    await run_wave(desk, 1)  # warm-up: model and embedder loaded, first allocations made
    rss_start = rss_mb()
    waves: list[Wave] = []
    ended = time.monotonic() + seconds
    while time.monotonic() < ended or not waves:
        wave = await run_wave(desk, askers)
        waves.append(wave)
        if log:
            print(
                f"wave {len(waves)}: answered {len(wave.answered)}, busy {len(wave.busy)}, "
                f"fifo {wave.fifo}, positions {sorted(wave.positions.values())}, "
                f"{wave.seconds:.1f} s, worst loop gap {ticker.worst * 1000:.1f} ms, "
                f"rss {rss_mb():.0f} MB",
                flush=True,
            )
    tick_task.cancel()
    return {
        "waves": len(waves),
        "answered": sum(len(w.answered) for w in waves),
        "busy": sum(len(w.busy) for w in waves),
        "errors": [e for w in waves for e in w.errors],
        "fifo": all(w.fifo for w in waves),
        "every_asker_accounted": all(len(w.answered) + len(w.busy) == askers for w in waves),
        "worst_loop_gap_ms": round(ticker.worst * 1000, 1),
        "idle_loop_gap_ms": None if idle is None else round(idle * 1000, 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_mb(), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--askers", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--embedder", default=None, help="e.g. hashing (default: the configured)")
    parser.add_argument(
        "--baseline", type=float, default=30.0, help="seconds of an idle loop measured first"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from newsdesk.app import App
    from newsdesk.settings import Settings

    data = args.data_dir or Path(tempfile.mkdtemp(prefix="newsdesk-load-"))
    overrides: dict[str, object] = {"data_dir": data}
    if args.embedder:
        overrides["embedder"] = args.embedder
    app = App(Settings(**overrides))  # type: ignore[arg-type]
    from index.ingest.load import expand_sources, load_source

    sources = expand_sources([str(ROOT / "samples" / "articles")])
    limit, timeout = app.settings.max_source_bytes, app.settings.fetch_timeout
    app.index.add(a for s in sources for a in load_source(s, max_bytes=limit, timeout=timeout))
    print(
        f"load test: {args.askers} askers a wave for {args.seconds:g} s; queue size "
        f"{app.settings.queue_size}; model {app.settings.model_path or 'bundled'}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    result = asyncio.run(
        soak(app.desk, askers=args.askers, seconds=args.seconds, baseline=args.baseline)
    )
    errors = list(result["errors"])  # type: ignore[call-overload]
    print(
        f"summary: {result['waves']} waves; answered {result['answered']}, busy "
        f"{result['busy']}, errors {len(errors)}; "
        f"FIFO {result['fifo']}; every asker answered or told busy "
        f"{result['every_asker_accounted']}; worst event-loop gap "
        f"{result['worst_loop_gap_ms']} ms (an idle loop on this machine, same run: "
        f"{result['idle_loop_gap_ms']} ms); RSS {result['rss_start_mb']} MB → "
        f"{result['rss_end_mb']} MB; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for error in errors:
        print(f"error: {error}")
    ok = bool(result["fifo"] and result["every_asker_accounted"] and not errors)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
