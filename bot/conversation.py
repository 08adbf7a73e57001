"""A conversation with the desk, shared by every transport (terminal chat, Discord).

It keeps the last N turns, checks the question, calls `DeskAPI`, and turns every failure into an
`Outcome` a user may see: expected errors by their own message, unexpected ones as a generic line
with a short reference id that is also in the log (with the traceback and context).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer import check_question
from bot.desk_api import DeskAPI, QueuedCallback, TokenCallback
from bot.types import Answer, BusyError, Source, Summary, Turn
from index.errors import NewsdeskError

log = logging.getLogger(__name__)

UNGROUNDED_WARNING = "⚠️ Parts of this answer could not be checked against the sources."


@dataclass(frozen=True)
class Outcome:
    """What a transport shows: the text, its sources, warnings, or a user-safe error."""

    text: str
    sources: tuple[Source, ...] = ()
    warnings: tuple[str, ...] = ()
    error: bool = False
    reference: str | None = None


def new_reference() -> str:
    """A short id that ties a generic error shown to a user to its log record."""
    return uuid.uuid4().hex[:8]


def describe_error(exc: BaseException, *, context: str) -> Outcome:
    """Translate `exc` into what the user sees; log unexpected errors with a reference id."""
    if isinstance(exc, NewsdeskError | BusyError):
        log.info("expected error context=%s error=%s", context, exc)
        return Outcome(str(exc), error=True)
    ref = new_reference()
    log.error("unexpected error ref=%s context=%s", ref, context, exc_info=exc)
    return Outcome(
        f"Something went wrong on our side (reference `{ref}`). Please try again later.",
        error=True,
        reference=ref,
    )


def last_turns(turns: Sequence[Turn], n: int) -> tuple[Turn, ...]:
    """The `n` most recent turns, oldest first (none when `n` is 0)."""
    return tuple(turns[-n:]) if n > 0 else ()


def answer_outcome(answer: Answer) -> Outcome:
    """An `Answer` as shown: sources only when it is covered, a warning when ungrounded."""
    if not answer.covered:
        return Outcome(answer.text)
    warnings = () if answer.grounded or not answer.used_model else (UNGROUNDED_WARNING,)
    return Outcome(answer.text, sources=answer.sources, warnings=warnings)


def summary_outcome(summary: Summary) -> Outcome:
    """A `Summary` as shown, its article as the one source."""
    source = Source(
        n=1,
        article_id=summary.article_id,
        title=summary.title,
        source=summary.source,
        url=summary.url,
        score=1.0,
        quote="",
    )
    warnings = () if summary.grounded else (UNGROUNDED_WARNING,)
    return Outcome(summary.summary, sources=(source,), warnings=warnings)


class Conversation:
    """The last `history_turns` turns with the desk; `ask` and `summarise` never raise."""

    def __init__(
        self,
        desk: DeskAPI,
        *,
        history_turns: int = 3,
        max_question_chars: int = 500,
        turns: Sequence[Turn] = (),
    ) -> None:
        self.desk = desk
        self.history_turns = history_turns
        self.max_question_chars = max_question_chars
        self.turns: list[Turn] = list(last_turns(turns, history_turns))

    @property
    def history(self) -> tuple[Turn, ...]:
        return last_turns(self.turns, self.history_turns)

    async def ask(
        self,
        question: str,
        *,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Outcome:
        """Answer `question` in the context of the kept turns, and remember the new turn."""
        try:
            question = check_question(question, self.max_question_chars)
            log.debug("asking question=%r turns=%d", question, len(self.history))
            answer = await self.desk.ask(question, self.history, on_text, on_queued)
        except Exception as exc:  # noqa: BLE001 - translated for the user, logged if unexpected
            return describe_error(exc, context=f"ask turns={len(self.history)}")
        if answer.covered:
            self.turns = [*self.turns, Turn(question, answer.text)][-max(self.history_turns, 1) :]
        return answer_outcome(answer)

    async def summarise(
        self,
        article: str,
        *,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Outcome:
        """Summarise one indexed article (an id or a title)."""
        try:
            summary = await self.desk.summarise(article.strip(), on_text, on_queued)
        except Exception as exc:  # noqa: BLE001 - translated for the user, logged if unexpected
            return describe_error(exc, context="summarise")
        return summary_outcome(summary)

    def reset(self) -> None:
        self.turns = []
