"""Indexing: articles → chunks → vectors → store, committed through the catalog.

Every write holds one file lock, so the CLI and a running bot never write at the same time.
Visibility is all-or-nothing per batch: vectors are written first under versioned ids, then one
catalog transaction commits the batch; a crash (even kill -9) before the commit leaves nothing
visible, and the next write removes the leftovers and re-running the command completes the work.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

from index.chunk import chunk_article
from index.embed import Embedder
from index.errors import EmbedderMismatchError, IndexDamagedError
from index.models import Article, Chunk, IndexStats
from index.storage.catalog import Catalog
from index.storage.store import ChunkStore, MissingCollectionError

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
"""Called with the number of articles just processed."""

BATCH_ARTICLES = 64


@dataclass(frozen=True)
class AddReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0


class WriteLock(Protocol):
    """What the index needs of its write lock (`filelock.FileLock` on one host; a catalog shared
    by many hosts brings its own, e.g. `index.storage.pg.AdvisoryLock`): re-entrant, `timeout` in
    seconds (-1: wait for ever), `filelock.Timeout` when it runs out."""

    timeout: float

    def acquire(self, timeout: float | None = None) -> object: ...

    def release(self) -> None: ...

    def __enter__(self) -> object: ...

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None: ...


class Index:
    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        store: ChunkStore,
        catalog: Catalog,
        *,
        chunk_tokens: int = 200,
        overlap: int = 1,
        lock: WriteLock | None = None,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.catalog = catalog
        self._lock: WriteLock = lock if lock is not None else FileLock(str(data_dir / "write.lock"))
        self.data_dir = data_dir
        self._chunk_tokens = chunk_tokens
        self._overlap = overlap

    @property
    def write_lock(self) -> WriteLock:
        """Held by every write (and by `index check`), across processes."""
        return self._lock

    def recover(self) -> None:
        """Remove what an interrupted write left behind (call holding `write_lock`)."""
        self._recover()

    def new_collection_name(self) -> str:
        return self._new_collection_name()

    # --- reading -------------------------------------------------------------------------------
    def collection(self) -> str:
        """The active collection (the one the chunk rows describe); "" before any write."""
        return self.catalog.get_meta("collection") or ""

    def check_embedder(self) -> None:
        built_with = self.catalog.get_meta("embedder")
        if built_with is not None and built_with != self.embedder.name:
            raise EmbedderMismatchError(built_with, self.embedder.name)

    def quick_check(self) -> None:
        """The cheap part of `index check`, run before answering: the embedder matches and the
        vector store holds at least one vector per catalogued chunk (a write only ever has more,
        never fewer), so a deleted or emptied store is refused rather than answered from."""
        self.check_embedder()
        articles, chunks = self.catalog.counts()
        if not chunks:
            return
        collection = self.collection()
        try:
            vectors = self.store.count(collection) if collection else 0
        except MissingCollectionError:
            vectors = -1
        if vectors < 0 or not collection:
            raise IndexDamagedError(
                f"the catalog lists {articles} articles ({chunks} chunks) but their vectors are "
                f"gone (no collection {collection!r} in the vector store)"
            )
        if vectors < chunks:
            raise IndexDamagedError(f"{chunks - vectors} of {chunks} chunks have no vector")

    def stats(self) -> IndexStats:
        articles, chunks = self.catalog.counts()
        return IndexStats(
            articles=articles,
            chunks=chunks,
            embedder=self.catalog.get_meta("embedder") or self.embedder.name,
            collection=self.collection(),
            disk_bytes=self.store.disk_bytes() + self.catalog.disk_bytes(),
        )

    # --- writing -------------------------------------------------------------------------------
    def _writable(self) -> None:
        self.catalog.refuse_writes()

    def add(self, articles: Iterable[Article], progress: Progress | None = None) -> AddReport:
        self._writable()
        self.check_embedder()
        report = AddReport()
        with self._lock:
            self._recover()
            batch: list[Article] = []
            for article in articles:
                batch.append(article)
                if len(batch) >= BATCH_ARTICLES:
                    report = _merge(report, self._write(batch))
                    _notify(progress, len(batch))
                    batch = []
            if batch:
                report = _merge(report, self._write(batch))
                _notify(progress, len(batch))
        return report

    def remove(self, article_id: str) -> bool:
        self._writable()
        with self._lock:
            self._recover()
            hashes = self.catalog.hashes([article_id])
            if not hashes:
                return False
            self.catalog.add_pending(hashes.items())
            with self.catalog.transaction():
                self.catalog.delete(article_id)
                self.catalog.bump_generation()
            self._recover()
        return True

    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-chunk and re-embed every article into a new collection, then switch atomically."""
        self._writable()
        with self._lock:
            self._recover()
            old, new = self.catalog.get_meta("collection"), self._new_collection_name()
            self.catalog.set_meta("rebuilding", new)
            chunks: list[Chunk] = []
            batch: list[Article] = []
            for article in self.catalog.all_articles():
                batch.append(article)
                if len(batch) >= BATCH_ARTICLES:
                    chunks += self._embed_into(new, batch)
                    _notify(progress, len(batch))
                    batch = []
            chunks += self._embed_into(new, batch)
            _notify(progress, len(batch))
            with self.catalog.transaction():
                self.catalog.replace_chunks(chunks)
                self.catalog.set_meta("collection", new)
                self.catalog.set_meta("embedder", self.embedder.name)
                self.catalog.set_meta("rebuilding", "")
                self.catalog.bump_generation()
            if old and old != new:
                self.store.drop(old)
        return len(chunks)

    def _write(self, batch: list[Article]) -> AddReport:
        latest = {a.article_id: a for a in batch}  # the last version of a repeated id wins
        existing = self.catalog.hashes(latest)
        todo = [a for a in latest.values() if existing.get(a.article_id) != a.content_hash]
        if not todo:
            return AddReport(unchanged=len(latest))
        collection = self.collection()
        if not collection:  # recorded before any vector is written, so recovery can find them
            collection = self._new_collection_name()
            self.catalog.set_meta("collection", collection)
        self.catalog.add_pending((a.article_id, a.content_hash) for a in todo)
        chunks = self._embed_into(collection, todo)
        by_article: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_article.setdefault(chunk.article_id, []).append(chunk)
        with self.catalog.transaction():  # the commit point: the batch becomes visible here
            for article in todo:
                self.catalog.put(article, by_article.get(article.article_id, []))
            self.catalog.set_meta("embedder", self.embedder.name)
            self.catalog.bump_generation()
        for article in todo:
            if article.article_id in existing:
                self.store.delete_other_versions(
                    collection, article.article_id, article.content_hash
                )
        self.catalog.clear_pending((a.article_id, a.content_hash) for a in todo)
        updated = sum(a.article_id in existing for a in todo)
        return AddReport(
            added=len(todo) - updated,
            updated=updated,
            unchanged=len(latest) - len(todo),
            chunks=len(chunks),
        )

    def _embed_into(self, collection: str, articles: list[Article]) -> list[Chunk]:
        if not articles:
            return []
        chunks = [c for a in articles for c in self.chunk(a)]
        titles = {a.article_id: a.title for a in articles}
        vectors = self.embedder.embed([embed_text(titles[c.article_id], c) for c in chunks])
        hashes = {a.article_id: a.content_hash for a in articles}
        self.store.upsert(collection, chunks, hashes, vectors)
        return chunks

    def chunk(self, article: Article) -> list[Chunk]:
        title_tokens = self.embedder.count_tokens([article.title])[0]
        budget = min(self._chunk_tokens, self.embedder.max_tokens - 3 - title_tokens)
        return chunk_article(
            article,
            count_tokens=self.embedder.count_tokens,
            max_tokens=max(32, budget),
            overlap=self._overlap,
        )

    def _recover(self) -> None:
        """Remove what an interrupted write left behind (it was never visible)."""
        stale = self.catalog.get_meta("rebuilding")
        if stale:
            self.store.drop(stale)
            self.catalog.set_meta("rebuilding", "")
        pending = self.catalog.pending()
        if not pending:
            return
        log.info("recovering interrupted write pending=%d", len(pending))
        collection = self.collection()
        committed = self.catalog.hashes(a for a, _ in pending)
        for article_id, content_hash in pending:
            if committed.get(article_id) == content_hash:
                self.store.delete_other_versions(collection, article_id, content_hash)
            else:
                self.store.delete_version(collection, article_id, content_hash)
        self.catalog.clear_pending(pending)

    def _new_collection_name(self) -> str:
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", self.embedder.name).strip("-").lower()
        return f"chunks-{slug}-{int(time.time() * 1000)}"


def embed_text(title: str, chunk: Chunk) -> str:
    """What the embedder sees for a chunk: the headline gives short passages their topic."""
    return f"{title}\n{chunk.text}"


def _merge(a: AddReport, b: AddReport) -> AddReport:
    return replace(
        a,
        added=a.added + b.added,
        updated=a.updated + b.updated,
        unchanged=a.unchanged + b.unchanged,
        chunks=a.chunks + b.chunks,
    )


def _notify(progress: Progress | None, n: int) -> None:
    if progress is not None and n:
        progress(n)
