"""What only the SQLite catalog has: schema upgrades in place and FTS5's own consistency check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.errors import NewsdeskError
from index.storage.catalog_sqlite import (
    COMMON_SHARE,
    PRUNE_FROM_CHUNKS,
    SCHEMA_VERSION,
    SqliteCatalog,
)
from tests.index.catalog_data import FLOOD, TRAM, article, fts_consistent, ids, put

# The catalog as version 1 (no lexical index, no schema version) wrote it.
_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, url TEXT,
    site TEXT, byline TEXT, published TEXT, content_hash TEXT NOT NULL,
    chunks INTEGER NOT NULL, indexed_at REAL NOT NULL, text TEXT NOT NULL);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX chunks_by_article ON chunks(article_id);
CREATE TABLE pending (article_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    PRIMARY KEY (article_id, content_hash));
CREATE TABLE summaries (content_hash TEXT PRIMARY KEY, summary TEXT NOT NULL,
    grounded INTEGER NOT NULL);
"""


def write_v1(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(_V1)
    for a, chunks in (TRAM, FLOOD):
        db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, 0, ?)",
            (a.article_id, a.title, a.source, a.content_hash, len(chunks), a.text),
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, c.article_id, c.ordinal, c.start, c.end, c.text) for c in chunks],
        )
    db.execute("INSERT INTO meta VALUES ('generation', '7')")
    db.commit()
    db.close()


def test_a_version_1_catalog_is_upgraded_in_place_with_its_lexical_index(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    write_v1(path)
    catalog = SqliteCatalog(path)
    assert catalog.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert catalog.counts() == (2, 4)
    assert catalog.generation() == 7
    assert catalog.chunks() == sorted(TRAM[1] + FLOOD[1], key=lambda c: (c.article_id, c.ordinal))
    assert ids(catalog.lexical_search("Millbrook flooding", 5)) == [FLOOD[1][0].chunk_id]
    assert set(ids(catalog.lexical_search("approved", 5))) == {c.chunk_id for c in TRAM[1]}
    assert fts_consistent(path)
    # opening again changes nothing; writing after the upgrade keeps the index consistent
    again = SqliteCatalog(path)
    assert again.counts() == (2, 4)
    with again.transaction():
        again.delete(TRAM[0].article_id)
    assert fts_consistent(path)


def test_a_catalog_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    SqliteCatalog(path).set_meta("schema_version", str(SCHEMA_VERSION + 1))
    with pytest.raises(NewsdeskError, match="newer Newsdesk"):
        SqliteCatalog(path)


def test_the_consistency_check_catches_an_orphan_entry(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    put(SqliteCatalog(path), TRAM)
    assert fts_consistent(path)
    db = sqlite3.connect(path)
    db.execute("INSERT INTO chunk_terms(rowid, title, text) VALUES (999, 'Orphan', 'no chunk')")
    db.commit()
    db.close()
    assert not fts_consistent(path)
    assert SqliteCatalog(path).integrity()  # what `index check` reports


def test_integrity_names_orphans_and_unindexed_chunks(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    put(SqliteCatalog(path), TRAM)
    assert SqliteCatalog(path).integrity() == ""
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER chunks_added")
    db.execute(
        'INSERT INTO chunks (chunk_id, article_id, ordinal, start, "end", text, title) '
        "VALUES ('x:0', 'x', 0, 0, 5, 'Stray', 'Stray')"
    )
    db.execute("INSERT INTO chunk_terms(rowid, title, text) VALUES (999, 'Orphan', 'no chunk')")
    db.commit()
    db.close()
    assert SqliteCatalog(path).integrity() == (
        "1 lexical entries without a chunk; 1 chunks not in the lexical index"
    )


def test_a_large_index_leaves_out_words_in_most_chunks_without_changing_the_ranking(
    tmp_path: Path,
) -> None:
    items = [
        article(
            n, f"Report {n}", f"Council report number {n} {'harbour dredging' * (n % 13 == 0)}."
        )
        for n in range(PRUNE_FROM_CHUNKS + 200)
    ]
    small = SqliteCatalog(tmp_path / "small.sqlite3")
    put(small, *items[:10])
    assert len(small.lexical_search("council", 5)) == 5  # below PRUNE_FROM_CHUNKS: every word
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    put(catalog, *items)
    assert catalog.lexical_search("council", 5) == []  # in every chunk: bm25 gives it no weight
    both = catalog.lexical_search("council harbour dredging", 20)
    assert both == catalog.lexical_search("harbour dredging", 20)
    assert len(both) == 20
    db = sqlite3.connect(tmp_path / "catalog.sqlite3")  # FTS5 itself ranks them the same way
    ranked = db.execute(
        "SELECT chunks.chunk_id FROM chunk_terms JOIN chunks ON chunks.id = chunk_terms.rowid "
        'WHERE chunk_terms MATCH \'"council" OR "harbour" OR "dredging"\' ORDER BY rank LIMIT 20'
    ).fetchall()
    assert [r[0] for r in ranked] == ids(both)


def test_common_words_are_left_out_unless_the_query_has_nothing_rarer(tmp_path: Path) -> None:
    total = PRUNE_FROM_CHUNKS + 200
    ferry = int(total * COMMON_SHARE * 2)  # "ferry" is in 2 x COMMON_SHARE of the chunks
    items = [
        article(
            n,
            f"Report {n}",
            f"Council report {n}. {'Ferry fares rise.' * (n < ferry)}"
            f" {'Harbour dredging.' * (n == 7)}",
        )
        for n in range(total)
    ]
    catalog = SqliteCatalog(tmp_path / "catalog.sqlite3")
    put(catalog, *items)
    # a common word beside a rare one: only the rare one is looked for
    assert ids(catalog.lexical_search("ferry dredging", 50)) == ids(
        catalog.lexical_search("dredging", 50)
    )
    # counter-example: a query of common words keeps its rarest one (under half the chunks),
    # so the lexical side still finds something; a word in every chunk still finds nothing
    found = catalog.lexical_search("council ferry", 50)
    assert len(found) == 50
    assert all("Ferry" in chunk.text for chunk in found)
    assert catalog.lexical_search("council", 5) == []
