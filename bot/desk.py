"""The async front every transport talks to: `DeskAPI` (the interface) and `Desk` (the service).

`Desk` owns the model queue: each question or summary runs on the worker thread, one at a time,
and callbacks are delivered back on the caller's event loop. Questions reach it already checked
and histories already trimmed (`bot.conversation`, or the CLI for a single question).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from bot.types import Answer, Summary, Turn
from index.dates import select_records
from index.lookup import best_match, matching_titles
from index.models import ArticleRecord

if TYPE_CHECKING:
    from bot.engine.answer import AnswerService
    from bot.engine.digest import Digester
    from bot.worker import Worker
    from index.indexer import Index

log = logging.getLogger(__name__)

TokenCallback = Callable[[str], None]
"""Receives the answer text generated so far (the whole text, not a delta).

Always invoked on the caller's event loop thread, never from a worker thread."""

QueuedCallback = Callable[[int], None]
"""Receives the number of questions ahead of this one when it has to wait, again each time that
number changes, and 0 when its turn comes (only if it had to wait)."""


class DeskAPI(Protocol):
    async def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Answer: ...

    async def summarise(
        self,
        article: str,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Summary: ...

    async def find_article(self, query: str) -> ArticleRecord:
        """The article `query` names (`index.lookup.best_match`), or `ArticleNotFoundError`."""
        ...

    async def find_titles(self, query: str, limit: int = 25) -> list[ArticleRecord]: ...

    async def recent(
        self,
        limit: int = 10,
        *,
        since: date | None = None,
        until: date | None = None,
        site: str | None = None,
    ) -> list[ArticleRecord]:
        """The most recently indexed articles; with dates or a site, those published then or
        there, newest first (`index.dates.select_records`)."""
        ...

    async def about(self) -> dict[str, object]: ...

    async def warm_up(self) -> None:
        """Load the models before the first question; never raises (that question will)."""
        ...


class Desk:
    """The real `DeskAPI`: the engine behind the worker queue, the index for look-ups."""

    def __init__(
        self,
        index: Index,
        answers: AnswerService,
        summaries: Digester,
        worker: Worker,
        model_name: Callable[[], str],
    ) -> None:
        self._index = index
        self._answers = answers
        self._summaries = summaries
        self._worker = worker
        self._model_name = model_name

    async def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Answer:
        relay = _on_loop(on_text)
        return await self._worker.run(
            lambda: self._answers.answer(question, history, relay), on_queued
        )

    async def summarise(
        self,
        article: str,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Summary:
        relay = _on_loop(on_text)
        return await self._worker.run(lambda: self._summaries.summarise(article, relay), on_queued)

    async def digest(
        self,
        topic: str,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Summary:
        """The digest of `topic` even when it names one article (`newsdesk summarise --topic`)."""
        relay = _on_loop(on_text)
        return await self._worker.run(lambda: self._summaries.digest(topic, relay), on_queued)

    async def find_article(self, query: str) -> ArticleRecord:
        records = await asyncio.to_thread(self._index.catalog.records)
        return best_match(query, records)

    async def find_titles(self, query: str, limit: int = 25) -> list[ArticleRecord]:
        records = await asyncio.to_thread(self._index.catalog.records)
        return matching_titles(query, records, limit)

    async def recent(
        self,
        limit: int = 10,
        *,
        since: date | None = None,
        until: date | None = None,
        site: str | None = None,
    ) -> list[ArticleRecord]:
        records = await asyncio.to_thread(self._index.catalog.records)
        return select_records(records, since=since, until=until, site=site)[:limit]

    async def warm_up(self) -> None:
        """Load the models on the worker thread before any question is taken: the first answer
        then pays for none of it, and the sessions onnxruntime builds (holding the GIL for up to
        about 0.4 s) are not built while an answer streams. Await it before taking input or
        writing output: while llama-cpp-python loads a model it points the process's stdout and
        stderr at /dev/null. A failure is logged; the first question reports it."""
        started = time.monotonic()
        try:
            await self._worker.run(self._answers.warm_up)
        except Exception as exc:  # noqa: BLE001 - the first question raises it again, in full
            log.warning("loading the models failed: %s", exc)
            return
        log.info("models loaded in %.1f s", time.monotonic() - started)

    async def about(self) -> dict[str, object]:
        stats = await asyncio.to_thread(self._index.stats)
        return {
            "model": self._model_name(),
            "embedder": stats.embedder,
            "articles": stats.articles,
            "chunks": stats.chunks,
            "waiting": self._worker.waiting,
        }


def _on_loop(callback: TokenCallback | None) -> TokenCallback | None:
    """Wrap `callback` so calls from the worker thread run on the current event loop."""
    if callback is None:
        return None
    loop = asyncio.get_running_loop()

    def relay(text: str) -> None:
        loop.call_soon_threadsafe(callback, text)

    return relay
