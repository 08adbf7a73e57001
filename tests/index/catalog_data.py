"""Small articles for the catalog tests, and a check of the SQLite catalog's FTS5 table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.models import Article, Chunk, stable_id
from index.storage.catalog import Catalog


def article(n: int, title: str, *sentences: str) -> tuple[Article, list[Chunk]]:
    """An article whose chunks are its sentences (ids and offsets as the chunker makes them)."""
    text = " ".join(sentences)
    a = Article(article_id=stable_id(f"contract#{n}"), title=title, text=text, source=f"{n}.txt")
    chunks, start = [], 0
    for ordinal, sentence in enumerate(sentences):
        chunks.append(
            Chunk(
                f"{a.article_id}:{ordinal}",
                a.article_id,
                ordinal,
                sentence,
                start,
                start + len(sentence),
            )
        )
        start += len(sentence) + 1
    return a, chunks


TRAM = article(
    1, "Tram line approved", "The council approved a tram line.", "It costs 182 million."
)
FLOOD = article(
    2, "Valley under water", "Heavy rain flooded Millbrook.", "The river rose two metres."
)
CAFE = article(3, "Café reopens", "The harbour café reopened after the storms.")


def put(catalog: Catalog, *items: tuple[Article, list[Chunk]]) -> None:
    with catalog.transaction():
        for a, chunks in items:
            catalog.put(a, chunks)
        catalog.bump_generation()


def ids(chunks: list[Chunk]) -> list[str]:
    return [c.chunk_id for c in chunks]


def fts_consistent(path: Path) -> bool:
    """FTS5's integrity check, and exactly one lexical entry per chunk (checked apart here)."""
    db = sqlite3.connect(path)
    try:
        db.execute("INSERT INTO chunk_terms(chunk_terms) VALUES ('integrity-check')")
        entries = {r[0] for r in db.execute("SELECT id FROM chunk_terms_docsize")}
        chunks = {r[0] for r in db.execute("SELECT id FROM chunks")}
        return entries == chunks
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()
