"""ChunkStore: the vectors, in Chroma. The only module that imports chromadb.

Chroma never embeds anything itself (its default embedding function would download a model): we
always pass our own vectors. Record ids are `{chunk_id}@{content_hash[:16]}`, so a new version of
an article is written beside the old one and becomes visible only when the catalog commits it.

The store is embedded (a folder under the data dir) or a Chroma server (`chroma run`), reached
with `chromadb.HttpClient`. A server that is down, drops the connection or answers slower than
`timeout` seconds raises `StoreUnavailableError`; nothing is lost (the catalog commits a batch only
after its vectors are stored) and the next call reconnects.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import StoreUnavailableError
from index.models import Chunk

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredHit:
    chunk: Chunk
    content_hash: str
    similarity: float


def record_id(chunk: Chunk, content_hash: str) -> str:
    return f"{chunk.chunk_id}@{content_hash[:16]}"


def _metadata(c: Chunk, content_hash: str) -> dict[str, str | int]:
    return {
        "article_id": c.article_id,
        "content_hash": content_hash,
        "chunk_id": c.chunk_id,
        "ordinal": c.ordinal,
        "start": c.start,
        "end": c.end,
    }


class _ServerDown(Exception):
    """chromadb reports "cannot connect" at client creation as a bare ValueError."""


class ChunkStore:
    """Named collections of chunk vectors (cosine space) in an embedded or remote Chroma."""

    def __init__(
        self, data_dir: Path, chroma_url: str | None = None, *, timeout: float = 60.0
    ) -> None:
        self._path = data_dir / "chroma"
        self._url = chroma_url
        self._timeout = timeout
        self._client: Any = None
        self._collections: dict[str, Any] = {}

    def _connect(self) -> Any:
        if self._client is None:
            os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
            import chromadb  # heavy: imported on first use, never at import time
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            if self._url:
                self._client = _http_client(self._url, settings, self._timeout)
            else:
                self._client = chromadb.PersistentClient(path=str(self._path), settings=settings)
        return self._client

    @contextmanager
    def _remote(self) -> Iterator[None]:
        """Turn a Chroma server's outage (down, restarting, too slow) into one clear error."""
        if not self._url:
            yield
            return
        import httpx
        from chromadb.errors import ChromaError

        try:
            yield
        except (httpx.TransportError, _ServerDown, ChromaError) as exc:
            if isinstance(exc, ChromaError) and exc.code() < 500:
                raise  # a request we got wrong is a bug, not an outage
            self.refresh()
            if isinstance(exc, httpx.TimeoutException):
                reason = f"no answer within {self._timeout:g} s"
            elif isinstance(exc, httpx.ConnectError):
                reason = "connection refused"
            elif isinstance(exc, _ServerDown):
                reason = str(exc)
            else:
                reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
            log.info("chroma server failed url=%s error=%r", self._url, exc)
            raise StoreUnavailableError("Chroma server", self._url, reason) from exc

    def refresh(self) -> None:
        """Drop cached handles so the next call sees what another process wrote."""
        if self._client is not None and not self._url:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._client = None
        self._collections.clear()

    def _collection(self, name: str) -> Any:
        if name not in self._collections:
            self._collections[name] = self._connect().get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._collections[name]

    def upsert(
        self,
        name: str,
        chunks: Sequence[Chunk],
        hashes: dict[str, str],
        vectors: NDArray[np.float32],
    ) -> None:
        if not chunks:
            return
        with self._remote():
            collection = self._collection(name)
            step = self.max_batch()
            for start in range(0, len(chunks), step):  # the store's limit, however big an article
                part = chunks[start : start + step]
                collection.upsert(
                    ids=[record_id(c, hashes[c.article_id]) for c in part],
                    embeddings=vectors[start : start + step],
                    documents=[c.text for c in part],
                    metadatas=[_metadata(c, hashes[c.article_id]) for c in part],
                )

    def max_batch(self) -> int:
        """How many records one write may carry (Chroma's `get_max_batch_size`)."""
        with self._remote():
            return max(1, int(self._connect().get_max_batch_size()))

    def query(self, name: str, vector: NDArray[np.float32], k: int) -> list[StoredHit]:
        with self._remote():
            collection = self._collection(name)
            if k <= 0 or collection.count() == 0:
                return []
            result = collection.query(
                query_embeddings=vector.reshape(1, -1),
                n_results=k,
                include=["documents", "metadatas", "distances"],
            )
        hits = []
        for doc, meta, dist in zip(
            result["documents"][0], result["metadatas"][0], result["distances"][0]
        ):
            chunk = Chunk(
                chunk_id=str(meta["chunk_id"]),
                article_id=str(meta["article_id"]),
                ordinal=int(meta["ordinal"]),
                text=str(doc),
                start=int(meta["start"]),
                end=int(meta["end"]),
            )
            hits.append(StoredHit(chunk, str(meta["content_hash"]), 1.0 - float(dist)))
        return hits

    def similarities(
        self, name: str, ids: Sequence[tuple[Chunk, str]], vector: NDArray[np.float32]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to stored chunks given as (chunk, content_hash)."""
        if not ids:
            return {}
        import numpy as np

        with self._remote():
            got = self._collection(name).get(
                ids=[record_id(c, h) for c, h in ids], include=["embeddings", "metadatas"]
            )
        out: dict[str, float] = {}
        for meta, emb in zip(got["metadatas"], got["embeddings"]):
            out[str(meta["chunk_id"])] = float(np.dot(np.asarray(emb, dtype=np.float32), vector))
        return out

    def delete_other_versions(self, name: str, article_id: str, keep_hash: str | None) -> None:
        """Delete every version of an article's chunks except `keep_hash` (None: delete all)."""
        where: dict[str, Any] = {"article_id": article_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        with self._remote():
            self._collection(name).delete(where=where)

    def delete_version(self, name: str, article_id: str, content_hash: str) -> None:
        with self._remote():
            self._collection(name).delete(
                where={"$and": [{"article_id": article_id}, {"content_hash": content_hash}]}
            )

    def count(self, name: str) -> int:
        with self._remote():
            return int(self._collection(name).count())

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        with self._remote():
            client = self._connect()
            try:
                client.delete_collection(name)
            except Exception as exc:  # Chroma raises various types for "no such collection"
                if _is_outage(exc):
                    raise
                log.debug("drop: no collection name=%s", name)

    def disk_bytes(self) -> int:
        if self._url or not self._path.exists():
            return 0
        return sum(p.stat().st_size for p in self._path.rglob("*") if p.is_file())


def _http_client(url: str, settings: Any, timeout: float) -> Any:
    """A `chromadb.HttpClient` for `url` whose requests give up after `timeout` seconds."""
    from urllib.parse import urlparse

    import chromadb
    import httpx

    parsed = urlparse(url)
    # chromadb's own requests have no timeout until we set one below: ask for a heartbeat
    # first, so a server that is down or hung fails here, within `timeout`.
    response = httpx.get(f"{url.rstrip('/')}/api/v2/heartbeat", timeout=min(timeout, 10.0))
    if response.status_code != 200:
        raise _ServerDown(f"heartbeat answered HTTP {response.status_code}")
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    except ValueError as exc:  # chromadb 1.5: "Could not connect to a Chroma server..."
        raise _ServerDown("connection refused") from exc
    # chromadb's HTTP session has no timeout (a hung server would hang us forever); its
    # constructor offers none, so set it on the httpx session where this version keeps it.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
    else:  # pragma: no cover - a chromadb that moved its session
        log.warning("chroma client: cannot set a request timeout on this chromadb version")
    return client


def _is_outage(exc: BaseException) -> bool:
    import httpx
    from chromadb.errors import ChromaError

    if isinstance(exc, ChromaError):
        return exc.code() >= 500
    return isinstance(exc, httpx.TransportError | _ServerDown)
