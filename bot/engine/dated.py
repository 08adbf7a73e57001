"""Dates on the answering path: search the asked window, say when the answer's article is from,
refuse stale news, and let the newer of two disagreeing articles lead.

`Dates` wraps the retriever for `AnswerService.answer` (two calls there: `search` before the
evidence is ranked, `dated` on the finished answer); everything else is a pure function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.engine.text import defuse
from bot.engine.when import Asked, read_question
from bot.types import Answer, Source
from index.dates import Window, format_day, published_day, today
from index.models import Retrieved
from index.retrieve import Search

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
ON_TOPIC_POOL = 10
"""Chunks looked at to find the articles on a question's topic outside its window."""
_PLAIN_START = re.compile(r"^(The|A|An|It|There|They|This|These|Its|Their)\b")


@dataclass(frozen=True)
class Found:
    """What a dated search found: the hits to answer from, or a ready stale-news answer."""

    hits: list[Retrieved]
    asked: Asked
    stale: Answer | None = None


class Dates:
    """The date-aware search in front of the retriever; `today` is the asking day."""

    def __init__(
        self,
        retriever: Search,
        today: Callable[[], date] = today,
        margin: float | None = None,
    ) -> None:
        self._retriever = retriever
        self._today = today
        self.margin = retriever.config.newest_margin if margin is None else margin

    def day(self) -> date:
        """The asking day."""
        return self._today()

    def search(self, question: str, query: str) -> Found:
        """The hits for `query` (the question with its context) within the asked window."""
        now = self._today()
        asked = read_question(question, now)
        if not asked.dated and query != question:  # a follow-up keeps the thread's dates
            asked = replace(read_question(query, now), text=asked.text)
        text = search_words(query, now)
        window = self._since(asked) if asked.since_event else asked.window
        hits = self._retriever.search(text, window=window)
        if not window.bounded or (
            window.start is None and (window.end is None or window.end >= now)
        ):
            return Found(hits if window.newest else newer_leads(hits, self.margin), asked)
        # a window that leaves out part of the past: is what it holds on the topic at all?
        until_now = self._retriever.search(text, ON_TOPIC_POOL, window=Window(end=now))
        on_topic = about_as_relevant(until_now, self.margin)
        if hits and (not on_topic or max(h.score for h in hits) >= on_topic[0].score - self.margin):
            return Found(hits if window.newest else newer_leads(hits, self.margin), asked)
        stale = stale_answer(question, asked.phrase, window, on_topic)
        return Found([] if stale else hits, asked, stale)

    def _since(self, asked: Asked) -> Window:
        """`since the election`: from the day of the article that best matches the event."""
        event = self._retriever.search(asked.since_event, 1)
        day = published_day(event[0].article.published) if event else None
        return replace(asked.window, start=day) if day else asked.window

    def dated(self, answer: Answer, found: Found) -> Answer:
        """`answer` saying when its article was published, and which older figure it replaces."""
        if answer.mode == "refusal" or not answer.citations:
            return answer
        lead = next(s for s in answer.sources if s.n == answer.citations[0])
        day = published_day(lead.published)
        if day is None:
            return answer
        answer = replace(answer, text=say_when(answer.text, day))
        older = superseded(answer, lead, day, self.margin)
        if older is None:
            return answer
        source, day = older
        note = f" An earlier article ({format_day(day)}) had said: “{source.quote}” [{source.n}]"
        return replace(answer, text=answer.text + note, citations=(*answer.citations, source.n))


def about_as_relevant(hits: Sequence[Retrieved], margin: float) -> list[Retrieved]:
    """The hits within `margin` of the best one's similarity (the articles on the topic)."""
    if not hits:
        return []
    best = max(h.score for h in hits)
    return sorted((h for h in hits if h.score >= best - margin), key=lambda h: -h.score)


def search_words(query: str, now: date) -> str:
    """`query` without any of its time expressions (a follow-up may carry two)."""
    for _ in range(4):
        shorter = read_question(query, now).text
        if shorter == query:
            break
        query = shorter
    return query


def say_when(text: str, day: date) -> str:
    """`On 14 June 2025, the council …`: a leading article or pronoun is lower-cased; any other
    first word (a name) keeps its capital."""
    if text.startswith("On ") or format_day(day) in text[:60]:
        return text
    return f"On {format_day(day)}, " + _PLAIN_START.sub(lambda m: m.group(1).lower(), text, 1)


def figures(text: str) -> frozenset[str]:
    return frozenset(m.group(0).replace(",", "") for m in _FIGURE.finditer(text))


def newer_leads(hits: Sequence[Retrieved], margin: float) -> list[Retrieved]:
    """`hits` with the newest article that disagrees with the first one moved to the front.

    Two articles are on the same topic when both are about as relevant (within `margin`); they
    disagree when each states figures and not the same ones. Only the order of `hits` changes,
    so recency never pushes a retrieved article out.
    """
    best: dict[str, Retrieved] = {}
    for hit in hits:
        best.setdefault(hit.article.article_id, hit)
    first = next(iter(best.values()), None)
    if first is None:
        return list(hits)
    lead, lead_day = first, published_day(first.article.published)
    for hit in best.values():
        day = published_day(hit.article.published)
        if (
            day is not None
            and lead_day is not None
            and day > lead_day
            and hit.score >= first.score - margin
            and _disagree(hit.chunk.text, first.chunk.text)
        ):
            lead, lead_day = hit, day
    if lead is first:
        return list(hits)
    moved = lead.article.article_id
    return [h for h in hits if h.article.article_id == moved] + [
        h for h in hits if h.article.article_id != moved
    ]


def _disagree(a: str, b: str) -> bool:
    fa, fb = figures(a), figures(b)
    return bool(fa) and bool(fb) and fa != fb


def superseded(
    answer: Answer, lead: Source, day: date, margin: float
) -> tuple[Source, date] | None:
    """An older, about-as-relevant source whose quote states figures the answer does not."""
    said = figures(answer.text)
    for source in answer.sources:
        older = published_day(source.published)
        if (
            source.n in answer.citations
            or older is None
            or older >= day
            or source.score < lead.score - margin
        ):
            continue
        theirs = figures(source.quote)
        if said and theirs and not (theirs & said):
            return source, older
    return None


def stale_answer(
    question: str, phrase: str, window: Window, others: Sequence[Retrieved]
) -> Answer | None:
    """ "The newest article on this is from …": nothing on the question falls in `window`, but
    dated articles on it exist outside it. None when they are all undated (or there are none)."""
    dated = [(d, h) for h in others if (d := published_day(h.article.published)) is not None]
    if not dated:
        return None
    before = [(d, h) for d, h in dated if window.start is not None and d < window.start]
    if before:
        day, hit = max(before, key=lambda p: p[0])
        said = f"The newest article on this is from {format_day(day)} [1]."
    else:
        day, hit = min(dated, key=lambda p: p[0])
        said = f"The earliest article on this is from {format_day(day)} [1]."
    text = f"No indexed article on this is dated {phrase or describe(window)}. {said}"
    article = hit.article
    source = Source(
        n=1,
        article_id=article.article_id,
        title=defuse(article.title),
        source=article.source,
        url=article.url,
        score=hit.score,
        quote=defuse(hit.chunk.text[:300]),
        site=article.site,
        published=article.published,
    )
    return Answer(question, text, True, (1,), (source,), used_model=False, mode="refusal")


def describe(window: Window) -> str:
    """`between 16 June 2025 and 18 June 2025`, `since 1 January 2004`, `up to 1 March 2005`."""
    if window.start and window.end:
        if window.start == window.end:
            return f"on {format_day(window.start)}"
        return f"between {format_day(window.start)} and {format_day(window.end)}"
    if window.start:
        return f"since {format_day(window.start)}"
    assert window.end is not None
    return f"up to {format_day(window.end)}"
