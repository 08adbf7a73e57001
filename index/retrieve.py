"""Hybrid retrieval: dense (Chroma) + lexical (the catalog's full-text index), fused by rank.

Whether the index covers a question at all is decided here, from the dense similarity of the best
source, so a tiny model is never asked to answer from passages that don't say it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from index.clean import valid_unicode
from index.errors import IndexDamagedError
from index.indexer import Index
from index.models import Chunk, Retrieved
from index.store import MissingCollectionError

log = logging.getLogger(__name__)

RRF_K = 60


@dataclass(frozen=True)
class RetrievalConfig:
    top_k: int = 3
    per_article: int = 2
    min_relevance: float = 0.35
    candidates: int = 20


class Retriever:
    def __init__(self, index: Index, config: RetrievalConfig) -> None:
        self._index = index
        self.config = config
        self._generation = -1
        self._lock = threading.Lock()

    def search(
        self, query: str, k: int | None = None, *, threshold: bool = True
    ) -> list[Retrieved]:
        """The best chunks for `query`, at most `per_article` an article; [] if none is relevant.

        Raises `IndexDamagedError` rather than return [] from an index whose vectors are gone.
        """
        query = valid_unicode(query)
        with self._lock:
            self._index.check_embedder()
            self._refresh()
            cfg = self.config
            collection = self._index.collection()
            if not collection:
                return []
            vector = self._index.embedder.embed([query])[0]
            try:
                dense = self._index.store.query(collection, vector, cfg.candidates)
            except MissingCollectionError as exc:
                self._generation = -1  # check again next time
                raise IndexDamagedError(f"the vector collection {collection!r} is gone") from exc
            visible = self._index.catalog.hashes({h.chunk.article_id for h in dense})
            dense = [h for h in dense if visible.get(h.chunk.article_id) == h.content_hash]
            lexical = self._index.catalog.lexical_search(query, cfg.candidates)
            fused = _rrf([h.chunk for h in dense], lexical)
            sims = {h.chunk.chunk_id: h.similarity for h in dense}
            missing = [c for c in fused.values() if c.chunk_id not in sims]
            hashes = self._index.catalog.hashes({c.article_id for c in missing})
            sims |= self._index.store.similarities(
                collection,
                [(c, hashes[c.article_id]) for c in missing if c.article_id in hashes],
                vector,
            )
            return self._select(fused, sims, k or cfg.top_k, threshold)

    def _select(
        self,
        fused: dict[str, Chunk],
        sims: dict[str, float],
        k: int,
        threshold: bool,
    ) -> list[Retrieved]:
        cfg = self.config
        ranked = [cid for cid in fused if cid in sims]  # fused is in RRF order
        if threshold:
            if not ranked or max(sims[c] for c in ranked) < cfg.min_relevance:
                return []
            floor = cfg.min_relevance * 0.8
            ranked = [c for c in ranked if sims[c] >= floor]
        records = {
            r.article_id: r
            for r in self._index.catalog.records({fused[c].article_id for c in ranked})
        }
        chosen: list[Retrieved] = []
        per_article: dict[str, int] = {}
        for cid in ranked:
            chunk = fused[cid]
            if (
                chunk.article_id not in records
                or per_article.get(chunk.article_id, 0) >= cfg.per_article
            ):
                continue
            per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
            chosen.append(
                Retrieved(chunk=chunk, article=records[chunk.article_id], score=round(sims[cid], 4))
            )
            if len(chosen) >= k:
                break
        log.debug("retrieved n=%d best=%.3f", len(chosen), chosen[0].score if chosen else 0.0)
        return chosen

    def _refresh(self) -> None:
        """Let Chroma see what another process (the CLI) committed since the last search.

        The catalog (and its lexical index) needs nothing: every query reads the latest commit.
        """
        generation = self._index.catalog.generation()
        if generation != self._generation:
            self._index.store.refresh()
            self._index.quick_check()
            self._generation = generation


def _rrf(*rankings: list[Chunk]) -> dict[str, Chunk]:
    """Reciprocal rank fusion: chunks ordered by the sum of 1/(RRF_K + rank) over rankings."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, chunk in enumerate(ranking):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks[chunk.chunk_id] = chunk
    return {cid: chunks[cid] for cid in sorted(scores, key=lambda c: -scores[c])}
