"""Topic digests: what the most relevant articles say about a topic, fact by fact, each fact cited
to every article that states it, and where they disagree.

The retriever finds the articles (at most `MAX_ARTICLES`, near-copies skipped), numbered newest
first when all are dated, else in rank order. Each article's summary bullets (`Summariser`,
cached) are the candidate facts; a fact is cited to every article that states it (the answer
checks, `bullets.verified`, against that article), so two articles reporting the same thing give
one bullet "[1, 3]". Two facts that say the same thing with different numbers, from articles that
do not state each other's number, give a line "Sources differ: [2] says 70%, [4] says 75%."
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.bullets import Bullet, read_rendered, verified
from bot.engine.grounding import support
from bot.engine.model import TextCallback
from bot.engine.summarise import Summariser
from bot.engine.text import QUANTITY, defuse, numbers, same_words
from bot.types import Source, Summary
from index.dates import Window
from index.errors import ArticleNotFoundError
from index.lookup import named_article
from index.models import Article
from index.retrieve import Retriever
from index.storage.catalog import Catalog

log = logging.getLogger(__name__)

MAX_ARTICLES = 5
MAX_FACTS = 10
MAX_CHARS = 1800  # the digest and its disagreement lines fit one Discord message
SAME_FACT = 0.6  # share of a fact's words another fact must hold to be the same fact
# An article is in the digest if its best passage scores at least this share of the best
# article's (chosen on the 11 dev topics: 0.8 keeps 23 of their 24 articles and drops all 42
# off-topic ones among the first six articles the retriever ranks).
RELATIVE_RELEVANCE = 0.8
# Another article states a fact if, beyond the answer checks, this share of its words occur in it.
STATED_SUPPORT = 0.8


@dataclass(frozen=True)
class Fact:
    """One digest bullet: its text, the numbers of the articles that state it."""

    text: str
    quoted: bool
    cited: tuple[int, ...]


class Digester:
    def __init__(self, catalog: Catalog, retriever: Retriever, summariser: Summariser) -> None:
        self._catalog = catalog
        self._retriever = retriever
        self._summariser = summariser

    def summarise(self, query: str, on_text: TextCallback | None = None) -> Summary:
        """The summary of the article `query` names (`named_article`), else the digest of the
        topic `query`."""
        record = named_article(query, self._catalog.records())
        article = self._catalog.article(record.article_id) if record is not None else None
        if article is not None:
            return self._summariser.summary_of(article, on_text)
        return self.digest(query, on_text)

    def digest(
        self, topic: str, on_text: TextCallback | None = None, window: Window | None = None
    ) -> Summary:
        """The digest of `topic` (from the articles published in `window`, when given: an
        overview question's "latest" keeps those up to the asking day); `ArticleNotFoundError`
        when no article is relevant."""
        articles = self.articles(topic, window)
        if not articles:
            raise ArticleNotFoundError(topic)
        bullets = []
        done = ""  # progress: the drafts so far, counted (never shown) as one growing text
        for article in articles:
            relay = None if on_text is None else _after(done, on_text)
            text = self._summariser.cached_text(article, relay)
            bullets.append(read_rendered(text))
            done = f"{done}\n{text}"
        texts = [a.text for a in articles]
        facts = merge_facts(bullets, texts)
        text = render_digest(facts, disagreements(facts, texts))
        sources = tuple(  # the articles the digest cites, as an answer lists its sources
            Source(n, a.article_id, defuse(a.title), a.source, a.url, 0.0, "", a.site, a.published)
            for n, a in enumerate(articles, 1)
            if re.search(rf"[\[ ]{n}[,\]]", text)
        )
        return Summary("", defuse(topic), "", None, text, True, sources=sources)

    def articles(self, topic: str, window: Window | None = None) -> list[Article]:
        """The most relevant articles for `topic`, near-copies skipped, numbered order."""
        found: list[Article] = []
        seen: set[str] = set()
        hits = self._retriever.search(topic, k=2 * MAX_ARTICLES, window=window)
        best = max((h.score for h in hits), default=0.0)
        for hit in hits:
            record = hit.article
            if hit.score < RELATIVE_RELEVANCE * best:
                continue
            if record.article_id in seen or record.content_hash in seen:
                continue
            seen |= {record.article_id, record.content_hash}
            article = self._catalog.article(record.article_id)
            if article is None or any(_copy(article, f) for f in found):
                continue
            found.append(article)
            if len(found) == MAX_ARTICLES:
                break
        if found and all(a.published for a in found):
            found.sort(key=lambda a: a.published or "", reverse=True)  # ISO dates: newest first
        return found


def merge_facts(bullets: Sequence[Sequence[Bullet]], texts: Sequence[str]) -> list[Fact]:
    """One fact per distinct bullet, cited to every article that states it.

    Bullets are taken article by article; one that an earlier fact already says (the same
    numbers, `SAME_FACT` of its words) only adds its article to that fact's citations. Facts
    stated by more articles come first, then each article's first fact, then each one's second,
    and so on, so every article is heard; at most `MAX_FACTS`.
    """
    facts: list[Fact] = []
    rank: list[int] = []  # the fact's place among its first article's bullets
    for n, article_bullets in enumerate(bullets, 1):
        for place, bullet in enumerate(article_bullets):
            same = next((i for i, f in enumerate(facts) if _same_fact(bullet.text, f.text)), None)
            if same is not None:
                old = facts[same]
                if n not in old.cited:
                    facts[same] = Fact(old.text, old.quoted, (*old.cited, n))
                continue
            cited = tuple(m for m, text in enumerate(texts, 1) if m == n or states(bullet, text))
            facts.append(Fact(bullet.text, bullet.quoted, cited))
            rank.append(place)
    order = sorted(
        range(len(facts)), key=lambda i: (-len(facts[i].cited), rank[i], facts[i].cited[0])
    )
    return [facts[i] for i in order[:MAX_FACTS]]


def states(bullet: Bullet, text: str) -> bool:
    """Whether an article states `bullet` (from another article): the answer checks, and
    `STATED_SUPPORT` of its words in it; a quoted sentence, only if it is in it word for word."""
    if bullet.quoted:
        return bullet.text in text
    return verified(bullet.text, text) and support(bullet.text, [text]) >= STATED_SUPPORT


def disagreements(facts: Sequence[Fact], texts: Sequence[str]) -> list[str]:
    """ "Sources differ" lines: two facts about the same thing whose amounts or shares differ,
    each from articles that do not state the other's figure."""
    lines = []
    for i, a in enumerate(facts):
        for b in facts[i + 1 :]:
            qa, qb = _quantities(a.text), _quantities(b.text)
            if not qa or not qb or qa & qb or same_words(a.text, b.text) < SAME_FACT:
                continue
            if any(_states(texts[n - 1], qb) for n in a.cited) or any(
                _states(texts[n - 1], qa) for n in b.cited
            ):
                continue
            lines.append(
                f"Sources differ: {_cite(a.cited)} says {', '.join(sorted(qa))}, "
                f"{_cite(b.cited)} says {', '.join(sorted(qb))}."
            )
    return lines


def render_digest(facts: Sequence[Fact], differ: Sequence[str]) -> str:
    lines = [f"- {f'“{f.text}”' if f.quoted else f.text} {_cite(f.cited)}" for f in facts]
    out: list[str] = []
    for line in [*lines, *differ]:
        if sum(len(x) + 1 for x in out) + len(line) > MAX_CHARS:
            break
        out.append(line)
    return "\n".join(out)


def _after(done: str, on_text: TextCallback) -> TextCallback:
    return lambda text: on_text(f"{done}\n{text}")


def _cite(cited: Sequence[int]) -> str:
    return f"[{', '.join(map(str, cited))}]"


def _same_fact(a: str, b: str) -> bool:
    return numbers(a) == numbers(b) and same_words(a, b) >= SAME_FACT


def _quantities(text: str) -> set[str]:
    return {re.sub(r"\s+", "", m.group()) for m in QUANTITY.finditer(text)}


def _states(text: str, quantities: set[str]) -> bool:
    return bool(quantities & _quantities(text))


def _copy(a: Article, b: Article) -> bool:
    """Two articles with the same title and the same opening: one story indexed twice."""
    return a.title == b.title and a.text[:300] == b.text[:300]
