"""One blocking job at a time, off the event loop, behind a bounded queue.

The model (and the index calls that go with an answer) run on one dedicated thread, so a busy
Discord event loop keeps its heartbeat, and two questions never fight over two CPU cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from bot.types import BusyError

T = TypeVar("T")


Notify = Callable[[int], None]


@dataclass(eq=False)  # compared by identity: each waiting job holds its own ticket
class _Ticket:
    notify: Notify | None


class Worker:
    def __init__(self, max_waiting: int) -> None:
        self._max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-model")
        self._queue: list[_Ticket] = []  # the waiting jobs, in arrival order
        self._running = 0
        self._turn: asyncio.Lock | None = None

    @property
    def waiting(self) -> int:
        return len(self._queue)

    async def run(self, job: Callable[[], T], on_queued: Notify | None = None) -> T:
        """Run `job` on the worker thread; raise `BusyError` at once if the queue is full.

        A job that has to wait hears its place through `on_queued` (the jobs ahead of it), again
        whenever the queue moves, and 0 when its turn comes.
        """
        if len(self._queue) >= self._max_waiting:
            raise BusyError(len(self._queue) + self._running)
        if self._turn is None:
            self._turn = asyncio.Lock()  # FIFO: waiters are woken in arrival order
        ticket = _Ticket(on_queued)
        ahead = len(self._queue) + self._running
        self._queue.append(ticket)
        try:
            if ahead and on_queued is not None:
                on_queued(ahead)
            await self._turn.acquire()
        except BaseException:  # gave up waiting (cancelled): the ones behind move up
            self._queue.remove(ticket)
            self._tell_places()
            raise
        self._queue.remove(ticket)
        self._running = 1
        if ahead and on_queued is not None:
            on_queued(0)
        self._tell_places()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        finally:
            self._running = 0
            self._turn.release()

    def _tell_places(self) -> None:
        for place, ticket in enumerate(self._queue, start=self._running):
            if ticket.notify is not None:
                ticket.notify(place)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
