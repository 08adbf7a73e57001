"""`Desk`: the async service every transport talks to (implements `bot.desk_api.DeskAPI`).

It owns the model queue: each question or summary runs on the worker thread, one at a time, and
callbacks are delivered back on the caller's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.answer import AnswerService
from bot.desk_api import QueuedCallback, TokenCallback
from bot.model import ChatModel
from bot.summarise import Summariser
from bot.types import Answer, Summary, Turn
from bot.worker import Worker
from index.indexer import Index
from index.models import ArticleRecord
from index.retrieve import Retriever
from newsdesk.settings import Settings

T = TypeVar("T")


class Desk:
    def __init__(
        self,
        index: Index,
        answers: AnswerService,
        summaries: Summariser,
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

    async def find_titles(self, query: str, limit: int = 25) -> list[ArticleRecord]:
        def find() -> list[ArticleRecord]:
            records = self._index.catalog.records()
            words = query.lower().split()
            hits = [
                r
                for r in records
                if r.article_id == query.strip() or all(w in r.title.lower() for w in words)
            ]
            return hits[:limit]

        return await asyncio.to_thread(find)

    async def recent(self, limit: int = 10) -> list[ArticleRecord]:
        records = await asyncio.to_thread(self._index.catalog.records)
        return records[:limit]

    async def about(self) -> dict[str, object]:
        stats = await asyncio.to_thread(self._index.stats)
        return {
            "model": self._model_name(),
            "embedder": stats.embedder,
            "articles": stats.articles,
            "chunks": stats.chunks,
            "waiting": self._worker.waiting,
        }

    def close(self) -> None:
        self._worker.close()


def _on_loop(callback: TokenCallback | None) -> TokenCallback | None:
    """Wrap `callback` so calls from the worker thread run on the current event loop."""
    if callback is None:
        return None
    loop = asyncio.get_running_loop()

    def relay(text: str) -> None:
        loop.call_soon_threadsafe(callback, text)

    return relay


def build_desk(
    settings: Settings, index: Index, retriever: Retriever, model: Callable[[], ChatModel]
) -> Desk:
    answers = AnswerService(
        retriever,
        model,
        max_tokens=settings.max_tokens,
        max_question_chars=settings.max_question_chars,
        history_turns=settings.history_turns,
    )
    summaries = Summariser(index.catalog, model, max_tokens=settings.max_tokens)
    return Desk(index, answers, summaries, Worker(settings.queue_size), lambda: model().name)
