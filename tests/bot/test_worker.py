from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.types import BusyError
from bot.worker import Worker


async def test_jobs_run_one_at_a_time_in_arrival_order() -> None:
    worker = Worker(max_waiting=5)
    log: list[str] = []

    def job(name: str) -> str:
        log.append(f"start {name}")
        time.sleep(0.05)
        log.append(f"end {name}")
        return name

    results = await asyncio.gather(*(worker.run(lambda n=n: job(n)) for n in "abc"))
    assert results == ["a", "b", "c"]
    assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]


async def test_a_full_queue_is_a_busy_error_not_a_hang() -> None:
    worker = Worker(max_waiting=1)
    release = threading.Event()
    first = asyncio.create_task(worker.run(release.wait))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(worker.run(lambda: "second"))
    await asyncio.sleep(0.05)
    with pytest.raises(BusyError, match="busy"):
        await worker.run(lambda: "third")
    release.set()
    assert await first is True
    assert await second == "second"


async def test_waiters_are_told_their_position() -> None:
    worker = Worker(max_waiting=5)
    release = threading.Event()
    positions: list[int] = []
    first = asyncio.create_task(worker.run(release.wait, positions.append))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(worker.run(lambda: 2, positions.append))
    await asyncio.sleep(0.02)
    third = asyncio.create_task(worker.run(lambda: 3, positions.append))
    await asyncio.sleep(0.02)
    release.set()
    await asyncio.gather(first, second, third)
    assert positions == [1, 2]


async def test_the_event_loop_keeps_running_during_a_job() -> None:
    worker = Worker(max_waiting=1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await worker.run(lambda: time.sleep(0.3))
    task.cancel()
    assert ticks >= 10
