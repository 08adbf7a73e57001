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


async def test_waiters_hear_their_place_as_the_queue_moves_and_when_their_turn_comes() -> None:
    worker = Worker(max_waiting=5)
    release = threading.Event()
    heard: dict[str, list[int]] = {"first": [], "second": [], "third": []}
    first = asyncio.create_task(worker.run(release.wait, heard["first"].append))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(worker.run(lambda: 2, heard["second"].append))
    await asyncio.sleep(0.02)
    third = asyncio.create_task(worker.run(lambda: 3, heard["third"].append))
    await asyncio.sleep(0.02)
    release.set()
    await asyncio.gather(first, second, third)
    assert heard == {"first": [], "second": [1, 0], "third": [2, 1, 0]}


async def test_a_waiter_that_gives_up_moves_the_ones_behind_it_up() -> None:
    worker = Worker(max_waiting=5)
    release = threading.Event()
    heard: list[int] = []
    first = asyncio.create_task(worker.run(release.wait))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(worker.run(lambda: 2))
    await asyncio.sleep(0.02)
    third = asyncio.create_task(worker.run(lambda: 3, heard.append))
    await asyncio.sleep(0.02)
    second.cancel()
    await asyncio.sleep(0.02)
    release.set()
    await asyncio.gather(first, third)
    assert worker.waiting == 0
    assert heard[0] == 2 and heard[-1] == 0 and 1 in heard


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
