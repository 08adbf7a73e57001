"""One blocking job at a time, off the event loop, behind a bounded queue.

The model (and the index calls that go with an answer) run on one dedicated thread, so a busy
Discord event loop keeps its heartbeat, and two questions never fight over two CPU cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.types import BusyError

T = TypeVar("T")


class Worker:
    def __init__(self, max_waiting: int) -> None:
        self._max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-model")
        self._waiting = 0
        self._running = 0
        self._turn: asyncio.Lock | None = None

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, job: Callable[[], T], on_queued: Callable[[int], None] | None = None) -> T:
        """Run `job` on the worker thread; raise `BusyError` at once if the queue is full."""
        if self._waiting >= self._max_waiting:
            raise BusyError(self._waiting + self._running)
        if self._turn is None:
            self._turn = asyncio.Lock()  # FIFO: waiters are woken in arrival order
        ahead = self._waiting + self._running
        self._waiting += 1
        try:
            if ahead and on_queued is not None:
                on_queued(ahead)
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        self._running = 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        finally:
            self._running = 0
            self._turn.release()
