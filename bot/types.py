"""What the answering engine and the async front hand to the transports: frozen dataclasses and
the errors a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from index.errors import NewsdeskError


@dataclass(frozen=True)
class Source:
    """A numbered source of an answer: one per article, in rank order.

    `source` is where the admin indexed it from (a server path or URL): admin tools only, never
    shown to members. Members see the title, `site`, `published` and an http(s) `url`.
    """

    n: int
    article_id: str
    title: str
    source: str
    url: str | None
    score: float
    quote: str
    site: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Answer:
    """A grounded answer, or an honest refusal (`covered` is False, no citations)."""

    question: str
    text: str
    grounded: bool
    citations: tuple[int, ...]
    sources: tuple[Source, ...]
    covered: bool = True
    used_model: bool = True
    mode: Literal["model", "quote", "near-miss", "refusal", "digest"] = "model"
    """How the final text was made: "model" (its own, verified), "quote", "near-miss" (the topic
    is covered, the asked-for fact is not: the closest sentence is shown, not as an answer),
    "refusal" or "digest" (an overview question's answer: the topic digest of its subject, each
    fact cited to every article stating it, `bot.engine.overview`)."""


@dataclass(frozen=True)
class Summary:
    """A summary of one article; `source` is admin-only, as in `Source`.

    A topic digest is a `Summary` too: `article_id` and `source` are empty, `title` is the topic,
    `summary` cites its `sources` by number ("[1, 3]").
    """

    article_id: str
    title: str
    source: str
    url: str | None
    summary: str
    grounded: bool
    site: str | None = None
    published: str | None = None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation (a thread, a reply chain, a terminal session)."""

    question: str
    answer: str


class BusyError(Exception):
    """The model queue is full: the user should try again shortly. Safe to show as is."""

    def __init__(self, waiting: int) -> None:
        super().__init__(
            f"Newsdesk is busy answering {waiting} other questions; try again shortly."
        )
        self.waiting = waiting


@dataclass(frozen=True)
class Outcome:
    """What a transport shows: the text, its sources, warnings, or a user-safe error."""

    text: str
    sources: tuple[Source, ...] = ()
    warnings: tuple[str, ...] = ()
    error: bool = False
    reference: str | None = None


class QuestionError(NewsdeskError):
    """The question is empty or longer than the configured limit."""
