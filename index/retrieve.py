"""Hybrid retrieval: dense (Chroma) + lexical (the catalog's full-text index), fused by rank.

Whether the index covers a question at all is decided here, from the dense similarity of the best
source, so a tiny model is never asked to answer from passages that don't say it.

Seeing other processes' writes: the catalog (and its lexical index) is read afresh by every query.
Embedded Chroma is not: a handle keeps the vector index it loaded, and reloading it costs seconds
on a large index. So when the CLI has added a few chunks, a searching process embeds just those
itself (the "delta") and ranks them beside the loaded index; only a larger change (or a rebuild)
makes it reload. Chunks deleted or replaced meanwhile are dropped by the catalog's visibility check.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from index.dates import Window, published_day
from index.errors import IndexDamagedError
from index.indexer import Index, embed_text
from index.ingest.clean import valid_unicode
from index.models import Chunk, Retrieved
from index.storage.store import MissingCollectionError, StoredHit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

RRF_K = 60
DELTA_CHUNKS = 64
"""At most this many chunks written by other processes are embedded by a searching process
itself (~0.1 s with MiniLM); more, and it reloads the vector store instead."""


@dataclass(frozen=True)
class RetrievalConfig:
    top_k: int = 3
    per_article: int = 2
    min_relevance: float = 0.35
    candidates: int = 20
    window_candidates: int = 200
    """Candidates of a search limited to a date window (most may fall outside it)."""
    newest_margin: float = 0.08
    """For "latest": articles within this similarity of the best one are ordered newest first
    (fitted on the date questions' dev split, eval/dates/)."""


class Search(Protocol):
    """What the answering path needs of a retriever: `Retriever`, or one that reorders its hits
    (`bot.engine.rerank.Reranked`)."""

    config: RetrievalConfig

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        threshold: bool = True,
        window: Window | None = None,
    ) -> list[Retrieved]: ...


class Retriever:
    def __init__(self, index: Index, config: RetrievalConfig) -> None:
        self._index = index
        self.config = config
        self._generation = -1
        self._lock = threading.Lock()
        self._loaded: dict[str, str] = {}  # article id → content hash when the store was loaded
        self._delta = _Delta(stale=False)

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        threshold: bool = True,
        window: Window | None = None,
    ) -> list[Retrieved]:
        """The best chunks for `query`, at most `per_article` an article; [] if none is relevant.

        `window` keeps only articles published in it (undated ones are kept) and, if it asks
        for the newest, orders the nearly-as-relevant ones newest first.

        Raises `IndexDamagedError` rather than return [] from an index whose vectors are gone.
        """
        query = valid_unicode(query)
        with self._lock:
            self._index.check_embedder()
            self._refresh()
            try:
                return self._search(query, k or self.config.top_k, threshold, window)
            except (MissingCollectionError, IndexDamagedError):
                raise
            except Exception:
                if not self._delta.stale:
                    raise
                # a handle that missed other processes' writes can fail in Chroma's own ways
                log.info("vector store handle out of date; reloading", exc_info=True)
                self._generation = -1
                self._refresh()
                return self._search(query, k or self.config.top_k, threshold, window)

    def _search(
        self, query: str, k: int, threshold: bool, window: Window | None
    ) -> list[Retrieved]:
        cfg = self.config
        candidates = cfg.window_candidates if window and window.bounded else cfg.candidates
        collection = self._index.collection()
        if not collection:
            return []
        vector = self._index.embedder.embed([query])[0]
        try:
            dense = self._index.store.query(collection, vector, candidates)
        except MissingCollectionError as exc:
            self._generation = -1  # check again next time
            raise IndexDamagedError(f"the vector collection {collection!r} is gone") from exc
        dense = self._delta.merge(dense, vector, candidates)
        # one catalog read: each hit's chunk, if its version is the committed one
        visible = self._index.catalog.visible_chunks(h.key for h in dense)
        found = [(visible[h.key], h.similarity) for h in dense if h.key in visible]
        lexical = self._index.catalog.lexical_search(query, candidates)
        fused = _rrf([c for c, _ in found], lexical)
        sims = {c.chunk_id: s for c, s in found}
        sims |= self._delta.similarities([c for c in lexical if c.chunk_id not in sims], vector)
        missing = [c for c in fused.values() if c.chunk_id not in sims]
        hashes = self._index.catalog.hashes({c.article_id for c in missing})
        sims |= self._index.store.similarities(
            collection,
            [(c, hashes[c.article_id]) for c in missing if c.article_id in hashes],
            vector,
        )
        return self._select(fused, sims, k, threshold, window or Window())

    def _select(
        self,
        fused: dict[str, Chunk],
        sims: dict[str, float],
        k: int,
        threshold: bool,
        window: Window,
    ) -> list[Retrieved]:
        cfg = self.config
        ranked = [cid for cid in fused if cid in sims]  # fused is in RRF order
        records = {
            r.article_id: r
            for r in self._index.catalog.records({fused[c].article_id for c in ranked})
        }
        days = {a: published_day(r.published) for a, r in records.items()}
        if window.bounded:
            ranked = [c for c in ranked if window.contains(days.get(fused[c].article_id))]
        if threshold:
            if not ranked or max(sims[c] for c in ranked) < cfg.min_relevance:
                return []
            floor = cfg.min_relevance * 0.8
            ranked = [c for c in ranked if sims[c] >= floor]
        if (window.newest or window.soft) and ranked:
            best = max(sims[c] for c in ranked)
            near = [c for c in ranked if sims[c] >= best - cfg.newest_margin]
            near.sort(key=lambda c: window.prefers(days.get(fused[c].article_id)))
            ranked = near + [c for c in ranked if c not in near]
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
        """Catch up with what another process (the CLI) committed since the last search."""
        generation = self._index.catalog.generation()
        if generation == self._generation:
            return
        store = self._index.store
        versions = self._index.catalog.versions()
        changed = [a for a, h in versions.items() if self._loaded.get(a) != h]
        collection = self._index.collection()
        if (
            store.live
            or self._generation < 0
            or collection != self._delta.collection
            or not self._catch_up(changed, collection)
        ):
            store.refresh()
            self._index.quick_check()
            self._loaded, self._delta = versions, _Delta(collection, stale=False)
        self._generation = generation

    def _catch_up(self, changed: list[str], collection: str) -> bool:
        """Embed the chunks of `changed` articles into the delta; False if there are too many."""
        records = self._index.catalog.records(changed)
        if sum(r.chunks for r in records) > DELTA_CHUNKS:
            return False
        titles = {r.article_id: r.title for r in records}
        hits = [
            (c, r.content_hash)
            for r in records
            for c in self._index.catalog.article_chunks(r.article_id)
        ]
        known = self._delta.known()
        new = [h for h in hits if h not in known]
        if new:
            vectors = self._index.embedder.embed(
                [embed_text(titles[c.article_id], c) for c, _ in new]
            )
            known |= dict(zip(new, vectors))
        self._delta = _Delta(collection, hits, [known[h] for h in hits])
        log.debug("delta chunks=%d embedded=%d", len(hits), len(new))
        return True


class _Delta:
    """Chunks committed since the vector store was loaded, with vectors embedded here."""

    def __init__(
        self,
        collection: str = "",
        hits: list[tuple[Chunk, str]] | None = None,
        vectors: list[NDArray[np.float32]] | None = None,
        *,
        stale: bool = True,
    ) -> None:
        import numpy as np

        self.collection = collection
        self.stale = stale  # the store handle has missed other processes' writes
        self.hits = hits or []  # (chunk, content hash)
        self.vectors = np.array(vectors) if vectors else None

    def known(self) -> dict[tuple[Chunk, str], NDArray[np.float32]]:
        if self.vectors is None:
            return {}
        return dict(zip(self.hits, self.vectors))

    def merge(self, dense: list[StoredHit], vector: NDArray[np.float32], k: int) -> list[StoredHit]:
        """`dense` and the delta's chunks, by similarity to `vector`, the best `k`."""
        if not self.hits or self.vectors is None:
            return dense
        sims = self.vectors @ vector
        mine = [StoredHit(c.chunk_id, h, float(s)) for (c, h), s in zip(self.hits, sims)]
        ours = {h.chunk_id for h in mine}
        both = [h for h in dense if h.chunk_id not in ours] + mine
        return sorted(both, key=lambda h: -h.similarity)[:k]

    def similarities(self, chunks: list[Chunk], vector: NDArray[np.float32]) -> dict[str, float]:
        if not self.hits or self.vectors is None:
            return {}
        wanted = {c.chunk_id for c in chunks}
        rows = [i for i, (c, _) in enumerate(self.hits) if c.chunk_id in wanted]
        return {self.hits[i][0].chunk_id: float(self.vectors[i] @ vector) for i in rows}


def _rrf(*rankings: list[Chunk]) -> dict[str, Chunk]:
    """Reciprocal rank fusion: chunks ordered by the sum of 1/(RRF_K + rank) over rankings."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, chunk in enumerate(ranking):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks[chunk.chunk_id] = chunk
    return {cid: chunks[cid] for cid in sorted(scores, key=lambda c: -scores[c])}
