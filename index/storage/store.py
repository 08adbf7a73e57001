"""ChunkStore: the vectors, in Chroma. The only module that imports chromadb.

Chroma never embeds anything itself (its default embedding function would download a model): we
always pass our own vectors. Record ids are `{chunk_id}@{content_hash[:16]}`, so a new version of
an article is written beside the old one and becomes visible only when the catalog commits it.

Chroma holds vectors only, with the two metadata fields its deletes select on (article_id,
content_hash): chunk text and offsets live in the catalog, which resolves a hit to its chunk
(`Catalog.visible_chunks`). Indexes written before kept each chunk's text and offsets in Chroma
too; reading ignores them, and `index rebuild` writes a collection without them (smaller on disk,
faster to load).

The store is embedded (a folder under the data dir) or a Chroma server (`chroma run`), reached
with `chromadb.HttpClient`. A server that is down, drops the connection or answers slower than
`timeout` seconds raises `StoreUnavailableError` from any method; nothing is lost (the catalog
commits a batch only after its vectors are stored) and the next call reconnects.
"""

from __future__ import annotations

import errno
import functools
import gc
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from index.errors import DiskFullError, NewsdeskError, StoreBrokenError, StoreUnavailableError
from index.memory import release_freed_memory
from index.models import Chunk

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class StoredHit:
    """A vector found by a query: which chunk (of which version), and how similar."""

    chunk_id: str
    content_hash: str
    similarity: float

    @property
    def key(self) -> tuple[str, str]:
        """(chunk id, content hash): what the catalog resolves to a visible chunk."""
        return self.chunk_id, self.content_hash


def record_id(chunk: Chunk, content_hash: str) -> str:
    return f"{chunk.chunk_id}@{content_hash[:16]}"


def chunk_id_of(record: str) -> str:
    """The chunk id in a record id (`record_id`'s inverse, less the hash)."""
    return record.rpartition("@")[0]


class MissingCollectionError(LookupError):
    """A collection that was read does not exist (its data folder was deleted or replaced)."""


class _ServerDown(Exception):
    """The server did not answer its heartbeat (chromadb says so with a bare ValueError)."""


def _remote(
    method: Callable[Concatenate[ChunkStore, P], R],
) -> Callable[Concatenate[ChunkStore, P], R]:
    """A store method whose server outages (down, restarting, too slow) become one clear error."""

    @functools.wraps(method)
    def guarded(self: ChunkStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._outage():
            return method(self, *args, **kwargs)

    return guarded


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
        self.read_only = False  # True when serving a read-only data folder from a copy

    def _connect(self) -> Any:
        if self._client is None:
            os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
            import chromadb  # heavy: imported on first use, never at import time
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            if self._url:
                self._client = _http_client(self._url, settings, self._timeout)
            else:
                self._client = self._persistent(chromadb, settings)
        return self._client

    def _persistent(self, chromadb: Any, settings: Any) -> Any:
        """The embedded store. Chroma always opens its files for writing, so a data folder we
        may only read is served from a private temporary copy (reading needs no write access)."""
        try:
            return chromadb.PersistentClient(path=str(self._path), settings=settings)
        except Exception as exc:
            if "readonly" not in str(exc).lower().replace("-", ""):
                raise
        import atexit
        import shutil
        import tempfile

        copy = Path(tempfile.mkdtemp(prefix="newsdesk-readonly-")) / "chroma"
        shutil.copytree(self._path, copy, copy_function=shutil.copyfile)
        for folder, _, _ in os.walk(copy):
            os.chmod(folder, 0o700)  # copytree kept the folders' read-only modes
        atexit.register(shutil.rmtree, copy.parent, ignore_errors=True)
        log.info("read-only data folder: reading vectors from a copy path=%s", copy)
        self.read_only = True
        return chromadb.PersistentClient(path=str(copy), settings=settings)

    @contextmanager
    def _outage(self) -> Iterator[None]:
        if not self._url:
            with self._local_failure():
                yield
            return
        import httpx
        from chromadb.errors import ChromaError

        try:
            yield
        except (httpx.TransportError, _ServerDown, ChromaError) as exc:
            if isinstance(exc, ChromaError) and exc.code() < 500:
                raise  # a request we got wrong is a bug, not an outage
            self.refresh()  # the next call reconnects
            log.info("chroma server failed url=%s error=%r", self._url, exc)
            raise StoreUnavailableError(self._url, self._reason(exc)) from exc

    @contextmanager
    def _local_failure(self) -> Iterator[None]:
        """The embedded store's failures as one clear error: a full disk, or a store that no
        longer works (e.g. a write log it cannot apply after a full disk; `index check
        --repair` rebuilds it from the catalog)."""
        try:
            yield
        except (MissingCollectionError, NewsdeskError):
            raise
        except Exception as exc:
            text = str(exc).lower()
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError(self._path.parent, exc.strerror or "no space") from exc
            if any(w in text for w in ("no space", "disk is full", "disk full", "disk i/o")):
                raise DiskFullError(self._path.parent) from exc
            if _is_not_found(exc) or type(exc).__name__ not in ("InternalError", "ChromaError"):
                raise
            log.info("embedded chroma failed path=%s error=%r", self._path, exc)
            raise StoreBrokenError(str(self._path), _short(exc)) from exc

    @property
    def remote(self) -> bool:
        """A Chroma server (not ours to move or delete), rather than the embedded store."""
        return bool(self._url)

    def set_aside(self) -> Path | None:
        """Move a broken embedded store's folder aside (kept, renamed) so a fresh one can be
        built from the catalog; None for a server store (which is not ours to move)."""
        if self._url or not self._path.exists():
            return None
        self.refresh()
        aside = self._path.with_name(f"chroma.broken-{int(time.time())}")
        self._path.rename(aside)
        return aside

    def _reason(self, exc: BaseException) -> str:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within {self._timeout:g} s"
        if isinstance(exc, httpx.ConnectError):
            return "connection refused"
        if isinstance(exc, _ServerDown):
            return str(exc)
        return f"{type(exc).__name__}: {_short(exc)}"

    @property
    def live(self) -> bool:
        """Whether searches see other processes' writes without `refresh` (a Chroma server)."""
        return bool(self._url)

    def refresh(self) -> None:
        """Drop cached handles so the next call sees what another process wrote.

        Embedded Chroma then reloads the collection's vector index on its next query: a cost
        that grows with the collection (see `Retriever` for how searches avoid paying it).
        """
        embedded = self._client is not None and not self._url
        if embedded:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._client = None
        self._collections.clear()
        if embedded:
            # Chroma's client is freed by Python's cycle collector, whenever that next runs:
            # free the old vector index now and hand its memory back, before the next load
            # (otherwise a process kept 20-30 MB more after each reload at 56k chunks; issue 9)
            gc.collect()
            release_freed_memory()

    def _collection(self, name: str, *, create: bool = True) -> Any:
        """The collection `name`; reading (`create=False`) never creates an empty one, so a
        deleted store is noticed instead of looking like an index that covers nothing."""
        if name not in self._collections:
            client = self._connect()
            try:
                if create:
                    got = client.get_or_create_collection(
                        name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                    )
                else:
                    got = client.get_collection(name, embedding_function=None)
            except Exception as exc:
                if not create and _is_not_found(exc):
                    raise MissingCollectionError(name) from exc
                raise
            self._collections[name] = got
        return self._collections[name]

    @_remote
    def exists(self, name: str) -> bool:
        try:
            self._collection(name, create=False)
        except MissingCollectionError:
            return False
        return True

    @_remote
    def upsert(
        self,
        name: str,
        chunks: Sequence[Chunk],
        hashes: dict[str, str],
        vectors: NDArray[np.float32],
    ) -> None:
        if not chunks:
            return
        collection = self._collection(name)
        step = self.max_batch()
        for start in range(0, len(chunks), step):  # the store's own limit, however big an article
            part = chunks[start : start + step]
            collection.upsert(
                ids=[record_id(c, hashes[c.article_id]) for c in part],
                embeddings=vectors[start : start + step],
                metadatas=[
                    {"article_id": c.article_id, "content_hash": hashes[c.article_id]} for c in part
                ],
            )

    @_remote
    def max_batch(self) -> int:
        """How many records one write may carry (Chroma's `get_max_batch_size`)."""
        return max(1, int(self._connect().get_max_batch_size()))

    @_remote
    def query(self, name: str, vector: NDArray[np.float32], k: int) -> list[StoredHit]:
        """The `k` nearest vectors, best first, as ids and hashes (no text: see the module)."""
        collection = self._collection(name, create=False)
        if k <= 0:
            return []
        result = collection.query(
            query_embeddings=vector.reshape(1, -1), n_results=k, include=["metadatas", "distances"]
        )
        hits = []
        for rid, meta, dist in zip(
            result["ids"][0], result["metadatas"][0], result["distances"][0]
        ):
            if meta is None:  # deleted by another process since this handle loaded the index
                continue
            hits.append(
                StoredHit(chunk_id_of(str(rid)), str(meta["content_hash"]), 1.0 - float(dist))
            )
        return hits

    @_remote
    def similarities(
        self, name: str, ids: Sequence[tuple[Chunk, str]], vector: NDArray[np.float32]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to stored chunks given as (chunk, content_hash)."""
        if not ids:
            return {}
        import numpy as np

        got = self._collection(name, create=False).get(
            ids=[record_id(c, h) for c, h in ids], include=["embeddings"]
        )
        out: dict[str, float] = {}
        for rid, emb in zip(got["ids"], got["embeddings"]):
            out[chunk_id_of(str(rid))] = float(np.dot(np.asarray(emb, dtype=np.float32), vector))
        return out

    @_remote
    def delete_other_versions(self, name: str, article_id: str, keep_hash: str | None) -> None:
        """Delete every version of an article's chunks except `keep_hash` (None: delete all)."""
        where: dict[str, Any] = {"article_id": article_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        self._collection(name).delete(where=where)

    @_remote
    def delete_version(self, name: str, article_id: str, content_hash: str) -> None:
        self._collection(name).delete(
            where={"$and": [{"article_id": article_id}, {"content_hash": content_hash}]}
        )

    @_remote
    def count(self, name: str) -> int:
        """Records in collection `name`; `MissingCollectionError` if it does not exist."""
        return int(self._collection(name, create=False).count())

    @_remote
    def record_ids(self, name: str) -> set[str]:
        """Every record id in collection `name` (paged, so any size works)."""
        collection = self._collection(name, create=False)
        ids: set[str] = set()
        step = self.max_batch()
        while True:
            got = collection.get(include=[], limit=step, offset=len(ids))
            ids.update(got["ids"])
            if len(got["ids"]) < step:
                return ids

    @_remote
    def delete_ids(self, name: str, ids: Sequence[str]) -> None:
        collection = self._collection(name, create=False)
        step = self.max_batch()
        for start in range(0, len(ids), step):
            collection.delete(ids=list(ids[start : start + step]))

    @_remote
    def holds_text(self, name: str) -> bool:
        """Whether collection `name` also keeps chunk text (as written by Newsdesk before it
        kept vectors only; `index rebuild` writes a collection without it)."""
        got = self._collection(name, create=False).get(limit=1, include=["documents"])
        return any(doc is not None for doc in got["documents"] or [])

    @_remote
    def collections(self) -> list[str]:
        """The names of every collection in the store."""
        return sorted(str(getattr(c, "name", c)) for c in self._connect().list_collections())

    @_remote
    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        client = self._connect()
        try:
            client.delete_collection(name)
        except Exception as exc:  # Chroma raises various types for "no such collection"
            if not _is_not_found(exc):
                raise
            log.debug("drop: no collection name=%s", name)

    def disk_bytes(self) -> int:
        if self._url or not self._path.exists():
            return 0
        return sum(p.stat().st_size for p in self._path.rglob("*") if p.is_file())


def _is_not_found(exc: BaseException) -> bool:
    from chromadb.errors import NotFoundError

    text = str(exc).lower()
    return isinstance(exc, NotFoundError) or "does not exist" in text or "not found" in text


def _http_client(url: str, settings: Any, timeout: float) -> Any:
    """A `chromadb.HttpClient` for `url` whose requests give up after `timeout` seconds."""
    from urllib.parse import urlparse

    import chromadb
    import httpx

    # chromadb's requests have no timeout until we set one below: ask for a heartbeat first,
    # so a server that is down or hung fails here, within the timeout.
    response = httpx.get(f"{url.rstrip('/')}/api/v2/heartbeat", timeout=min(timeout, 10.0))
    if response.status_code != 200:
        raise _ServerDown(f"heartbeat answered HTTP {response.status_code}")
    parsed = urlparse(url)
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    except ValueError as exc:  # chromadb 1.5: "Could not connect to a Chroma server..."
        raise _ServerDown("connection refused") from exc
    # chromadb's HTTP session has no timeout (a hung server would hang us forever) and its
    # constructor offers none, so set it on the httpx session where this version keeps it.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
    else:  # pragma: no cover - a chromadb that moved its session
        log.warning("chroma client: cannot set a request timeout on this chromadb version")
    return client


def _short(exc: BaseException) -> str:
    return str(exc).strip().split("\n")[0][:200] or type(exc).__name__
