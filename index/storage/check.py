"""`index check`: do the catalog, the vector store and the lexical index agree?

The catalog is the source of truth (it holds every article's text and chunk text), so what the
vector store lacks can be re-embedded from it and what the store holds beyond it can be dropped.
`check` only reads; `repair` fixes what is safe to fix and leaves the rest, saying why.
Both hold the write lock, so they never race an `index add`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from filelock import Timeout

from index.errors import NewsdeskError, StoreBrokenError
from index.indexer import Index, embed_text
from index.models import Chunk
from index.storage.store import MissingCollectionError, record_id

log = logging.getLogger(__name__)

EMBED_BATCH = 256
COLLECTION_PREFIX = "chunks-"


@dataclass(frozen=True)
class Finding:
    """One disagreement, in plain words, and what fixes it."""

    kind: str  # a stable key: vectors-gone, missing-vectors, orphan-vectors, ...
    problem: str
    fix: str
    repairable: bool  # whether `index check --repair` fixes it


@dataclass(frozen=True)
class CheckReport:
    articles: int
    chunks: int
    vectors: int  # records in the active collection; -1 when it does not exist
    collection: str
    embedder: str
    findings: tuple[Finding, ...] = ()
    repaired: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = ()  # advice, not problems: the index is ok with them

    @property
    def ok(self) -> bool:
        return not self.findings


class IndexBusyError(NewsdeskError):
    def __init__(self) -> None:
        super().__init__(
            "an index write is running (write.lock is held); check again when it has finished"
        )


def check(index: Index, *, wait: float = 10.0) -> CheckReport:
    """Compare catalog, vector store and lexical index; change nothing."""
    with _locked(index, wait):
        return _check(index)


def repair(index: Index, *, wait: float = 10.0) -> CheckReport:
    """Fix what is safe to fix, then check again; the report lists what was done and what is
    left (with its fix). Nothing is re-embedded while the configured embedder is not the one
    that built the index, and nothing at all is touched in a damaged catalog."""
    index.catalog.refuse_writes()
    with _locked(index, wait):
        before = _check(index)
        kinds = {f.kind for f in before.findings}
        done: list[str] = []
        if "catalog-damaged" not in kinds:
            first = ("store-broken", "vectors-gone")  # the others need a working store
            ordered = sorted(before.findings, key=lambda f: f.kind not in first)
            for finding in ordered:
                if not finding.repairable or ("embedder" in kinds and finding.kind in _EMBEDS):
                    continue
                done.append(_REPAIRS[finding.kind](index))
        after = _check(index)
        return replace(after, repaired=tuple(done))


@contextmanager
def _locked(index: Index, wait: float) -> Iterator[None]:
    if index.catalog.read_only:  # nobody can write a read-only folder: nothing to wait for
        yield
        return
    lock = index.write_lock
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise IndexBusyError() from exc
    try:
        yield
    finally:
        lock.release()


def _check(index: Index) -> CheckReport:
    catalog = index.catalog
    articles, chunk_count = catalog.counts()
    findings: list[Finding] = []
    findings += _catalog_findings(index)
    built_with = catalog.get_meta("embedder")
    if built_with and built_with != index.embedder.name:
        findings.append(
            Finding(
                "embedder",
                f"the vectors were made by embedder {built_with!r} but {index.embedder.name!r} "
                "is configured",
                "run `newsdesk index rebuild` to re-embed with the configured embedder, or set "
                "NEWSDESK_EMBEDDER back (--repair leaves this choice to you)",
                repairable=False,
            )
        )
    rebuilding = catalog.get_meta("rebuilding")
    if rebuilding:
        findings.append(
            Finding(
                "interrupted-rebuild",
                f"an `index rebuild` was interrupted and left a half-built collection "
                f"{rebuilding!r} (the index keeps answering from the previous one)",
                "--repair removes it; run `newsdesk index rebuild` again if you still want it",
                repairable=True,
            )
        )
    if catalog.pending():
        findings.append(
            Finding(
                "interrupted-add",
                f"{len(catalog.pending())} article versions from an interrupted `index add` were "
                "never committed (they are invisible)",
                "--repair removes their vectors; re-run the `index add` to index them",
                repairable=True,
            )
        )
    collection = index.collection()
    vectors = -1
    try:
        findings += _store_findings(index, collection, articles, chunk_count, rebuilding or "")
        vectors = index.store.count(collection) if collection else -1
    except MissingCollectionError:
        vectors = -1
    except StoreBrokenError as exc:
        findings.append(
            Finding(
                "store-broken",
                str(exc).split("; run")[0],
                "--repair moves its folder aside (kept as chroma.broken-*) and re-embeds every "
                "chunk from the catalog's text into a new one",
                repairable=not index.store.remote,
            )
        )
    findings += _chunkless_articles(index)
    return CheckReport(
        articles=articles,
        chunks=chunk_count,
        vectors=vectors,
        collection=collection,
        embedder=built_with or index.embedder.name,
        findings=tuple(findings),
        notes=_notes(index, collection) if vectors > 0 else (),
    )


def _notes(index: Index, collection: str) -> tuple[str, ...]:
    if index.store.holds_text(collection):
        return (
            "the vector store also holds every chunk's text (written by an older Newsdesk; "
            "searches ignore it): `newsdesk index rebuild` writes it without, which makes the "
            "vector store about a third of its size on disk and faster to load",
        )
    return ()


def _store_findings(
    index: Index, collection: str, articles: int, chunk_count: int, rebuilding: str
) -> list[Finding]:
    findings: list[Finding] = []
    exists = bool(collection) and index.store.exists(collection)
    if chunk_count and not exists:
        findings.append(
            Finding(
                "vectors-gone",
                f"the catalog lists {articles} articles ({chunk_count} chunks) but the vector "
                f"store has no collection {collection!r}: its data was deleted or replaced",
                "--repair re-embeds every chunk from the catalog's text",
                repairable=True,
            )
        )
    elif exists:
        findings += _vector_findings(index, collection)
    return findings + _stray_collections(index, collection, rebuilding)


def _catalog_findings(index: Index) -> list[Finding]:
    """The catalog file's own integrity, and its lexical index against its chunks."""
    damage = index.catalog.integrity()
    if not damage:
        return []
    if all("lexical" in part for part in damage.split("; ")):
        return [
            Finding(
                "lexical-mismatch",
                f"the lexical (word) index disagrees with the chunks ({damage})",
                "--repair rebuilds the lexical index from the chunks",
                repairable=True,
            )
        ]
    return [
        Finding(
            "catalog-damaged",
            f"the catalog file is damaged ({damage})",
            "restore it from a backup, or move it aside and re-add your sources with "
            "`newsdesk index add` (--repair cannot rebuild lost catalog rows)",
            repairable=False,
        )
    ]


def _repair_lexical(index: Index) -> str:
    index.catalog.rebuild_lexical()
    return "rebuilt the lexical index"


def _expected(index: Index) -> dict[str, Chunk]:
    """Record id → chunk, for every chunk the catalog says is visible."""
    hashes = {r.article_id: r.content_hash for r in index.catalog.records()}
    return {
        record_id(c, hashes[c.article_id]): c
        for c in index.catalog.chunks()
        if c.article_id in hashes
    }


def _vector_findings(index: Index, collection: str) -> list[Finding]:
    expected = _expected(index)
    stored = index.store.record_ids(collection)
    out: list[Finding] = []
    missing = [rid for rid in expected if rid not in stored]
    if missing:
        n_articles = len({expected[rid].article_id for rid in missing})
        out.append(
            Finding(
                "missing-vectors",
                f"{len(missing)} chunks of {n_articles} articles have no vector, so searches "
                "cannot find them",
                "--repair re-embeds them from the catalog's text",
                repairable=True,
            )
        )
    orphans = stored - expected.keys()
    pending = {h[:16] for _, h in index.catalog.pending()}
    orphans = {rid for rid in orphans if rid.rpartition("@")[2] not in pending}
    if orphans:
        out.append(
            Finding(
                "orphan-vectors",
                f"{len(orphans)} vectors belong to no catalogued article version (left by an "
                "interrupted write or removal); they are never shown but waste space",
                "--repair deletes them",
                repairable=True,
            )
        )
    return out


def _stray_collections(index: Index, active: str, rebuilding: str) -> list[Finding]:
    stray = [
        name
        for name in index.store.collections()
        if name.startswith(COLLECTION_PREFIX) and name not in (active, rebuilding)
    ]
    if not stray:
        return []
    return [
        Finding(
            "stray-collections",
            f"{len(stray)} old vector collections are no longer used ({', '.join(stray)})",
            "--repair deletes them",
            repairable=True,
        )
    ]


def _chunkless_articles(index: Index) -> list[Finding]:
    with_chunks = {c.article_id for c in index.catalog.chunks()}
    bare = [r for r in index.catalog.records() if r.article_id not in with_chunks]
    if not bare:
        return []
    return [
        Finding(
            "chunkless-articles",
            f"{len(bare)} catalogued articles have no chunks, so no search can find them",
            "--repair chunks and embeds them again from the catalog's text",
            repairable=True,
        )
    ]


# --- repairs: each returns one line saying what it did -----------------------------------------


def _reembed(index: Index, chunks: list[Chunk], collection: str) -> None:
    records = {r.article_id: r for r in index.catalog.records()}
    for start in range(0, len(chunks), EMBED_BATCH):
        part = [c for c in chunks[start : start + EMBED_BATCH] if c.article_id in records]
        texts = [embed_text(records[c.article_id].title, c) for c in part]
        hashes = {c.article_id: records[c.article_id].content_hash for c in part}
        index.store.upsert(collection, part, hashes, index.embedder.embed(texts))


def _repair_vectors_gone(index: Index) -> str:
    collection = index.collection() or index.new_collection_name()
    chunks = index.catalog.chunks()
    _reembed(index, chunks, collection)
    with index.catalog.transaction():
        index.catalog.set_meta("collection", collection)
        index.catalog.bump_generation()
    return f"re-embedded {len(chunks)} chunks into {collection!r}"


def _repair_missing_vectors(index: Index) -> str:
    collection = index.collection()
    stored = index.store.record_ids(collection)
    missing = [c for rid, c in _expected(index).items() if rid not in stored]
    _reembed(index, missing, collection)
    return f"re-embedded {len(missing)} chunks"


def _repair_orphans(index: Index) -> str:
    collection = index.collection()
    pending = {h[:16] for _, h in index.catalog.pending()}
    orphans = [
        rid
        for rid in index.store.record_ids(collection) - _expected(index).keys()
        if rid.rpartition("@")[2] not in pending
    ]
    index.store.delete_ids(collection, orphans)
    return f"deleted {len(orphans)} orphan vectors"


def _repair_store(index: Index) -> str:
    aside = index.store.set_aside()
    return f"moved the broken store to {aside}; " + _repair_vectors_gone(index)


def _repair_interrupted(index: Index) -> str:
    index.recover()
    return "cleaned up the interrupted write"


def _repair_stray(index: Index) -> str:
    active, rebuilding = index.collection(), index.catalog.get_meta("rebuilding") or ""
    stray = [
        n
        for n in index.store.collections()
        if n.startswith(COLLECTION_PREFIX) and n not in (active, rebuilding)
    ]
    for name in stray:
        index.store.drop(name)
    return f"deleted {len(stray)} unused collections"


def _repair_chunkless(index: Index) -> str:
    with_chunks = {c.article_id for c in index.catalog.chunks()}
    articles = [a for a in index.catalog.all_articles() if a.article_id not in with_chunks]
    collection = index.collection() or index.new_collection_name()
    by_article: dict[str, list[Chunk]] = defaultdict(list)
    for article in articles:
        by_article[article.article_id] = index.chunk(article)
    _reembed(index, [c for cs in by_article.values() for c in cs], collection)
    with index.catalog.transaction():
        for article in articles:
            index.catalog.put(article, by_article[article.article_id])
        index.catalog.set_meta("collection", collection)
        index.catalog.bump_generation()
    return f"chunked and embedded {len(articles)} articles"


_EMBEDS = frozenset({"vectors-gone", "missing-vectors", "chunkless-articles", "store-broken"})
_REPAIRS = {
    "store-broken": _repair_store,
    "lexical-mismatch": _repair_lexical,
    "interrupted-rebuild": _repair_interrupted,
    "interrupted-add": _repair_interrupted,
    "vectors-gone": _repair_vectors_gone,
    "missing-vectors": _repair_missing_vectors,
    "orphan-vectors": _repair_orphans,
    "stray-collections": _repair_stray,
    "chunkless-articles": _repair_chunkless,
}
