"""A conversation with the desk, shared by every transport (terminal chat, Discord).

It checks the question (the one check), keeps the last N turns (the one trim), calls `DeskAPI`,
and turns every failure into an `Outcome` a user may see: expected errors by their own message,
unexpected ones as a generic line with a short reference id that is also in the log (with the
traceback and context).
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Sequence

from bot.desk import DeskAPI, QueuedCallback, TokenCallback
from bot.types import Answer, BusyError, Outcome, QuestionError, Source, Summary, Turn
from index.errors import NewsdeskError
from index.ingest.clean import valid_unicode

log = logging.getLogger(__name__)

UNGROUNDED_WARNING = "⚠️ Parts of this answer could not be checked against the sources."


def check_question(question: str, max_chars: int) -> str:
    """The question with its whitespace folded and any undecodable bytes or lone surrogates
    replaced (U+FFFD); `QuestionError` when empty, unreadable or too long.

    The one question check: transports and the CLI call it once, before the desk.
    """
    question = " ".join(valid_unicode(question).split())
    if question and not question.strip("\ufffd?!.,;: "):
        raise QuestionError("that question has no readable text (it was not valid UTF-8)")
    if not question:
        raise QuestionError("ask a question about the indexed news, e.g. `what happened in …?`")
    if len(question) > max_chars:
        raise QuestionError(
            f"that question is {len(question)} characters long; the limit is {max_chars}"
        )
    return question


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


def answer_outcome(answer: Answer) -> Outcome:
    """An `Answer` as shown: the sources it cites (no others), a warning when ungrounded.

    A retrieved article the answer doesn't cite supports nothing it says; listing it would
    invite reading it as evidence, so it is not shown at all (`ask --json` still lists it). A near
    miss cites the article its closest sentence comes from, so a reader can check it.
    """
    if not answer.covered and not answer.citations:
        return Outcome(answer.text)
    warnings = () if answer.grounded or not answer.used_model else (UNGROUNDED_WARNING,)
    cited = tuple(s for s in answer.sources if s.n in answer.citations)
    return Outcome(answer.text, sources=cited, warnings=warnings)


def summary_outcome(summary: Summary) -> Outcome:
    """A `Summary` as shown, its article as the one source; a digest with its sources."""
    warnings = () if summary.grounded else (UNGROUNDED_WARNING,)
    if summary.sources:
        return Outcome(summary.summary, sources=summary.sources, warnings=warnings)
    source = Source(
        n=1,
        article_id=summary.article_id,
        title=summary.title,
        source=summary.source,
        url=summary.url,
        score=1.0,
        quote="",
        site=summary.site,
        published=summary.published,
    )
    return Outcome(summary.summary, sources=(source,), warnings=warnings)


class Conversation:
    """The last `history_turns` turns with the desk; `ask` and `summarise` never raise.

    The one place history is trimmed: the kept turns are a deque of at most `history_turns`.
    """

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
        self._turns: deque[Turn] = deque(turns, maxlen=max(history_turns, 0))

    @property
    def history(self) -> tuple[Turn, ...]:
        """The kept turns, oldest first (none when `history_turns` is 0)."""
        return tuple(self._turns)

    @property
    def turns(self) -> list[Turn]:
        return list(self._turns)

    async def ask(
        self,
        question: str,
        *,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Outcome:
        """Check `question`, answer it in the context of the kept turns, remember the new turn."""
        try:
            question = check_question(question, self.max_question_chars)
        except QuestionError as exc:
            return describe_error(exc, context="ask")
        return await self.ask_checked(question, on_text=on_text, on_queued=on_queued)

    async def ask_checked(
        self,
        question: str,
        *,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Outcome:
        """`ask` for a question that already went through `check_question` (the transport's)."""
        try:
            log.debug("asking question=%r turns=%d", question, len(self._turns))
            answer = await self.desk.ask(question, self.history, on_text, on_queued)
        except Exception as exc:  # noqa: BLE001 - translated for the user, logged if unexpected
            return describe_error(exc, context=f"ask turns={len(self._turns)}")
        if answer.covered:
            self._turns.append(Turn(question, answer.text))
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
        self._turns.clear()
