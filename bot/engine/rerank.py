"""The passages an answer reads, chosen by a cross-encoder from a wider pool the retriever finds.

The hybrid retriever (dense + lexical, fused by rank) is good at finding the article and weaker
at ordering its passages: for 18 of people_dev's 196 answerable questions the passage that
answers was among its best eight but not its best three, and reading the cross-encoder's best
three of those eight brings 14 of them in (168 → 182; round 14, docs/measurements.md). The
MS MARCO cross-encoder (`bot.engine.relevance`) reads the question with each of the pool's
passages, after its article's title, and the best `top_k` by its logit are kept, in that order.

Whether anything is relevant at all is still the retriever's call (its dense threshold), and a
search asking for the newest articles ("latest", a soft date window) keeps the retriever's
date order: there the order is what was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.dates import Window
from index.models import Retrieved
from index.retrieve import Search

Score = Callable[[str, Sequence[str]], list[float]]
"""Logits for (query, passage) pairs, higher is more relevant (`score_passages` of
`bot.engine.relevance.MsMarcoRelevance`)."""


def passage_text(hit: Retrieved) -> str:
    """What the cross-encoder reads of a hit: its article's title, then the passage."""
    title = hit.article.title.strip()
    return f"{title}. {hit.chunk.text}" if title else hit.chunk.text


class Reranked:
    """`retriever`, with its best `pool` hits reordered by `score` before the best k are kept."""

    def __init__(self, retriever: Search, score: Score, pool: int) -> None:
        self._retriever = retriever
        self._score = score
        self._pool = pool
        self.config = retriever.config

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        threshold: bool = True,
        window: Window | None = None,
    ) -> list[Retrieved]:
        k = k or self.config.top_k
        if window is not None and (window.newest or window.soft):
            return self._retriever.search(query, k, threshold=threshold, window=window)
        hits = self._retriever.search(query, max(k, self._pool), threshold=threshold, window=window)
        if len(hits) < 2:
            return hits
        scores = self._score(query, [passage_text(h) for h in hits])
        order = sorted(range(len(hits)), key=lambda i: (-scores[i], i))
        return [hits[i] for i in order[:k]]
