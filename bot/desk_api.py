"""The async face of the answering core that every transport (terminal chat, Discord) talks to.

Callbacks are always invoked on the caller's event loop thread, never from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bot.types import Answer, Summary, Turn
from index.models import ArticleRecord

TokenCallback = Callable[[str], None]
"""Receives the answer text generated so far (the whole text, not a delta)."""

QueuedCallback = Callable[[int], None]
"""Receives the number of questions ahead of this one when it has to wait."""


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

    async def find_titles(self, query: str, limit: int = 25) -> list[ArticleRecord]: ...

    async def recent(self, limit: int = 10) -> list[ArticleRecord]: ...

    async def about(self) -> dict[str, object]: ...
