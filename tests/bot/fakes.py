"""A real `DeskAPI` for tests: scripted replies, a call history, optional delay and streaming."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.desk import QueuedCallback, TokenCallback
from bot.types import Answer, Source, Summary, Turn
from index.dates import select_records
from index.errors import ArticleNotFoundError
from index.lookup import best_match, matching_titles, named_article
from index.models import ArticleRecord


def record(
    article_id: str,
    title: str,
    url: str | None = None,
    when: float = 0.0,
    *,
    site: str | None = None,
    published: str | None = None,
) -> ArticleRecord:
    return ArticleRecord(
        article_id=article_id,
        title=title,
        source=url or f"/srv/newsdesk/samples/{article_id}.txt",
        url=url,
        site=site,
        byline=None,
        published=published,
        content_hash="0" * 64,
        chunks=3,
        indexed_at=when,
    )


def source(
    n: int,
    title: str = "Rates rise",
    url: str | None = None,
    *,
    site: str | None = "Example News",
    published: str | None = None,
) -> Source:
    return Source(
        n=n,
        article_id=f"a{n}",
        title=title,
        source=f"/srv/newsdesk/articles/{n}.md",
        url=url or f"https://example.org/{n}",
        score=0.8,
        quote="quoted passage",
        site=site,
        published=published,
    )


def answer(text: str, *sources: Source, covered: bool = True, grounded: bool = True) -> Answer:
    cited = tuple(s.n for s in sources)
    return Answer(
        question="",
        text=text,
        grounded=grounded,
        citations=cited,
        sources=tuple(sources),
        covered=covered,
        used_model=covered,
    )


@dataclass
class Call:
    method: str
    args: tuple[object, ...]
    history: tuple[Turn, ...] = ()


Reply = Answer | Summary | BaseException


@dataclass
class FakeDesk:
    """Replies are taken in order from `replies`; an exception in the queue is raised instead.

    With `stream=True` the reply text (or `draft`, a model draft the checks then replaced) is
    fed to `on_text` word by word, `delay` seconds apart in total; a non-zero `queued_ahead` is
    counted down through `on_queued` first, to 0 when its turn comes (as `Worker` does).
    """

    replies: deque[Reply] = field(default_factory=deque)
    articles: list[ArticleRecord] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=lambda: {"model": "fake", "articles": 0})
    delay: float = 0.0
    stream: bool = False
    queued_ahead: int = 0
    draft: str | None = None
    calls: list[Call] = field(default_factory=list)

    def script(self, *replies: Reply) -> FakeDesk:
        self.replies.extend(replies)
        return self

    async def _produce(
        self, text: str, on_text: TokenCallback | None, on_queued: QueuedCallback | None
    ) -> None:
        if self.queued_ahead and on_queued is not None:
            for ahead in range(self.queued_ahead, -1, -1):
                on_queued(ahead)
                await asyncio.sleep(self.delay / 4)
        words = (self.draft or text).split(" ")
        steps = len(words) if self.stream else 1
        for i in range(steps):
            await asyncio.sleep(self.delay / steps)
            if self.stream and on_text is not None:
                on_text(" ".join(words[: i + 1]))

    def _next(self) -> Reply:
        if not self.replies:
            return answer("The indexed articles say rates rose [1].", source(1))
        return self.replies.popleft()

    async def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Answer:
        self.calls.append(Call("ask", (question,), tuple(history)))
        reply = self._next()
        if isinstance(reply, BaseException):
            raise reply
        assert isinstance(reply, Answer)
        await self._produce(reply.text, on_text, on_queued)
        return Answer(question, *_answer_fields(reply))

    async def summarise(
        self,
        article: str,
        on_text: TokenCallback | None = None,
        on_queued: QueuedCallback | None = None,
    ) -> Summary:
        """The named article's summary (the real rule, `named_article`), else a topic digest."""
        self.calls.append(Call("summarise", (article,)))
        named = named_article(article, self._by_recency())
        if named is None:
            return await self._digest(article, on_text, on_queued)
        reply = self.replies.popleft() if self.replies else None
        if isinstance(reply, BaseException):
            raise reply
        text = reply.summary if isinstance(reply, Summary) else f"A summary of {named.title}."
        await self._produce(text, on_text, on_queued)
        a = named
        return Summary(a.article_id, a.title, a.source, a.url, text, grounded=True)

    async def _digest(
        self, topic: str, on_text: TokenCallback | None, on_queued: QueuedCallback | None
    ) -> Summary:
        """A stand-in for retrieval: the articles whose title shares a word with `topic`, one
        bullet each, and a bullet citing them all."""
        words = set(topic.lower().split())
        found = [a for a in self._by_recency() if words & set(a.title.lower().split())][:5]
        if not found:
            raise ArticleNotFoundError(topic)
        sources = tuple(
            Source(n, a.article_id, a.title, a.source, a.url, 1.0, "", a.site, a.published)
            for n, a in enumerate(found, 1)
        )
        lines = [f"- {s.title} is reported [{s.n}]" for s in sources]
        if len(sources) > 1:
            lines.insert(0, f"- {topic} is in the news [{', '.join(str(s.n) for s in sources)}]")
        text = "\n".join(lines)
        await self._produce(text, on_text, on_queued)
        return Summary("", topic, "", None, text, grounded=True, sources=sources)

    async def find_article(self, query: str) -> ArticleRecord:
        self.calls.append(Call("find_article", (query,)))
        return best_match(query, self._by_recency())  # the real Desk's rule, on its records

    async def find_titles(self, query: str, limit: int = 25) -> list[ArticleRecord]:
        self.calls.append(Call("find_titles", (query, limit)))
        return matching_titles(query, self._by_recency(), limit)

    def _by_recency(self) -> list[ArticleRecord]:
        return sorted(self.articles, key=lambda a: -a.indexed_at)

    async def recent(
        self,
        limit: int = 10,
        *,
        since: date | None = None,
        until: date | None = None,
        site: str | None = None,
    ) -> list[ArticleRecord]:
        self.calls.append(Call("recent", (limit, since, until, site)))
        chosen = select_records(self._by_recency(), since=since, until=until, site=site)
        return chosen[:limit]  # the real Desk's rule, on its records

    async def about(self) -> dict[str, object]:
        self.calls.append(Call("about", ()))
        return dict(self.info)

    async def warm_up(self) -> None:
        self.calls.append(Call("warm_up", ()))

    def asked(self) -> list[Call]:
        return [c for c in self.calls if c.method == "ask"]


def _answer_fields(a: Answer) -> tuple[str, bool, tuple[int, ...], tuple[Source, ...], bool, bool]:
    return (a.text, a.grounded, a.citations, a.sources, a.covered, a.used_model)
