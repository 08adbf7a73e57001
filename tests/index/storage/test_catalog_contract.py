"""The `Catalog` contract: every implementation runs these same tests.

To add an implementation, add a param to `open_catalog` that returns a function opening a new
connection to one fresh, empty catalog (each call: another connection to the same catalog).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from index.models import Chunk, Feed, feed_id
from index.storage.catalog import Catalog, query_terms
from index.storage.catalog_sqlite import SqliteCatalog
from tests.index.catalog_data import CAFE, FLOOD, TRAM, article, ids, put

Opener = Callable[[], Catalog]


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.slow, pytest.mark.server])]
)
def open_catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    if request.param == "sqlite":
        return lambda: SqliteCatalog(tmp_path / "catalog.sqlite3")
    if request.param == "postgres":  # a fresh database on the session's real PostgreSQL
        from index.storage.catalog_pg import PostgresCatalog
        from tests.servers import new_database

        url = new_database(request.getfixturevalue("postgres_server"))
        return lambda: PostgresCatalog(url)
    raise AssertionError(request.param)


@pytest.fixture
def catalog(open_catalog: Opener) -> Catalog:
    return open_catalog()


def test_put_records_articles_and_chunks(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD)
    assert catalog.counts() == (2, 4)
    assert catalog.hashes([TRAM[0].article_id, "nope"]) == {
        TRAM[0].article_id: TRAM[0].content_hash
    }
    assert catalog.article(FLOOD[0].article_id) == FLOOD[0]
    assert catalog.article("nope") is None
    record = catalog.records([TRAM[0].article_id])[0]
    assert (record.title, record.chunks) == ("Tram line approved", 2)
    assert {r.article_id for r in catalog.records()} == {TRAM[0].article_id, FLOOD[0].article_id}
    assert catalog.chunks() == sorted(TRAM[1] + FLOOD[1], key=lambda c: (c.article_id, c.ordinal))
    assert catalog.versions() == {a.article_id: a.content_hash for a, _ in (TRAM, FLOOD)}
    assert catalog.article_chunks(TRAM[0].article_id) == sorted(TRAM[1], key=lambda c: c.ordinal)
    assert catalog.article_chunks("nope") == []
    assert [a.article_id for a in catalog.all_articles()] == sorted(
        [TRAM[0].article_id, FLOOD[0].article_id]
    )


def test_a_failed_transaction_leaves_nothing(catalog: Catalog) -> None:
    put(catalog, TRAM)
    with pytest.raises(RuntimeError), catalog.transaction():
        catalog.put(*FLOOD)
        catalog.delete(TRAM[0].article_id)
        catalog.bump_generation()
        raise RuntimeError("crash")
    assert catalog.counts() == (1, 2)
    assert catalog.generation() == 1
    assert catalog.lexical_search("flooded Millbrook", 5) == []
    assert ids(catalog.lexical_search("tram", 5))[0] == TRAM[1][0].chunk_id


def test_lexical_search_ranks_chunks_by_the_question_words(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD, CAFE)
    assert ids(catalog.lexical_search("How much did the tram cost?", 5))[0] == TRAM[1][1].chunk_id
    assert ids(catalog.lexical_search("Which council approved it?", 5))[0] == TRAM[1][0].chunk_id
    assert ids(catalog.lexical_search("182 million", 5)) == [TRAM[1][1].chunk_id]
    assert catalog.lexical_search("quantum chromodynamics", 5) == []
    assert len(catalog.lexical_search("the river rose and the rain flooded", 1)) == 1


def test_lexical_search_stems_and_folds_diacritics(catalog: Catalog) -> None:
    put(catalog, FLOOD, CAFE)
    assert ids(catalog.lexical_search("flooding", 5)) == [FLOOD[1][0].chunk_id]
    assert ids(catalog.lexical_search("CAFES", 5)) == [CAFE[1][0].chunk_id]


def test_lexical_search_covers_the_title(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD)
    # "valley" is in no passage, only in the flood article's title, which covers both its chunks
    found = ids(catalog.lexical_search("valley", 5))
    assert set(found) == {c.chunk_id for c in FLOOD[1]}


@pytest.mark.parametrize(
    "query",
    [
        'tram "line',
        '"tram" AND "line"',
        "tram NEAR(line council, 2)",
        "tram*",
        "-tram",
        "tram - line",
        "(tram OR (line",
        "title:tram",
        "^tram",
        "tram) NOT line",
        "tram \udcff\ud800 line",
        "tram'; DROP TABLE chunks; --",
        "{title text}: tram",
        "tram + line",
    ],
)
def test_user_text_is_never_read_as_query_syntax(catalog: Catalog, query: str) -> None:
    put(catalog, TRAM, FLOOD)
    found = ids(catalog.lexical_search(query, 5))
    assert found[0] == TRAM[1][0].chunk_id  # the words still count, as plain words
    assert FLOOD[1][0].chunk_id not in found
    assert catalog.counts() == (2, 4)


@pytest.mark.parametrize("query", ["", "   ", "the of and", '"" ()', "*", "\udcff", "NEAR AND OR"])
def test_a_query_without_words_finds_nothing(catalog: Catalog, query: str) -> None:
    put(catalog, TRAM)
    assert catalog.lexical_search(query, 5) == []


def test_operator_words_are_searched_as_words(catalog: Catalog) -> None:
    near = article(4, "Near miss", "A near miss at the crossing.")
    put(catalog, TRAM, near)
    assert ids(catalog.lexical_search("NEAR", 5)) == [near[1][0].chunk_id]


def test_a_new_version_replaces_every_lexical_entry(catalog: Catalog) -> None:
    put(catalog, TRAM)
    changed = article(1, "Tram line shelved", "The ferry plan replaced the tram.")
    put(catalog, changed)
    assert catalog.counts() == (1, 1)
    assert catalog.lexical_search("182 million", 5) == []
    assert catalog.lexical_search("approved", 5) == []
    assert ids(catalog.lexical_search("shelved ferry", 5)) == [changed[1][0].chunk_id]


def test_delete_removes_the_article_its_chunks_and_their_lexical_entries(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD)
    with catalog.transaction():
        assert catalog.delete(TRAM[0].article_id)
        assert not catalog.delete("nope")
    assert catalog.counts() == (1, 2)
    assert catalog.lexical_search("tram cost million", 5) == []
    assert catalog.hashes([TRAM[0].article_id]) == {}


def test_replace_chunks_swaps_the_lexical_index(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD)
    tram, _ = TRAM
    whole = Chunk(f"{tram.article_id}:0", tram.article_id, 0, tram.text, 0, len(tram.text))
    with catalog.transaction():
        catalog.replace_chunks([whole, *FLOOD[1]])
    assert catalog.counts() == (2, 3)
    assert catalog.records([tram.article_id])[0].chunks == 1
    assert ids(catalog.lexical_search("182 million", 5)) == [whole.chunk_id]
    assert ids(catalog.lexical_search("Millbrook", 5)) == [FLOOD[1][0].chunk_id]


def test_another_connection_sees_a_commit_at_its_next_search(open_catalog: Opener) -> None:
    writer, reader = open_catalog(), open_catalog()
    put(writer, TRAM)
    assert reader.lexical_search("flooded", 5) == []
    assert reader.generation() == 1
    put(writer, FLOOD)
    assert ids(reader.lexical_search("flooded", 5)) == [FLOOD[1][0].chunk_id]
    assert reader.generation() == 2
    assert open_catalog().counts() == (2, 4)


def test_meta_pending_and_summaries(catalog: Catalog) -> None:
    assert catalog.get_meta("collection") is None
    catalog.set_meta("collection", "chunks-1")
    catalog.set_meta("collection", "chunks-2")
    assert catalog.get_meta("collection") == "chunks-2"
    catalog.add_pending([("a", "h1"), ("a", "h1"), ("b", "h2")])
    assert sorted(catalog.pending()) == [("a", "h1"), ("b", "h2")]
    catalog.clear_pending([("a", "h1")])
    assert catalog.pending() == [("b", "h2")]
    assert catalog.cached_summary("h") is None
    catalog.cache_summary("h", "A summary.", True)
    assert catalog.cached_summary("h") == ("A summary.", True)
    assert catalog.disk_bytes() >= 0
    put(catalog, TRAM, FLOOD)
    assert catalog.integrity() == ""


def test_visible_chunks_are_those_of_the_committed_version(catalog: Catalog) -> None:
    put(catalog, TRAM, FLOOD)
    tram, flood = TRAM[0], FLOOD[0]
    wanted = [
        (TRAM[1][1].chunk_id, tram.content_hash),
        (FLOOD[1][0].chunk_id, "0" * 64),  # a version never committed (or replaced)
        (f"{tram.article_id}:9", tram.content_hash),  # no such chunk
    ]
    assert catalog.visible_chunks(wanted) == {wanted[0]: TRAM[1][1]}
    assert catalog.visible_chunks([]) == {}
    changed = article(1, "Tram line shelved", "The ferry plan replaced the tram.")
    put(catalog, changed)
    assert catalog.visible_chunks([(TRAM[1][0].chunk_id, tram.content_hash)]) == {}
    both = [(TRAM[1][0].chunk_id, h) for h in (tram.content_hash, changed[0].content_hash)]
    assert catalog.visible_chunks(both) == {both[1]: changed[1][0]}  # same id, two versions
    with catalog.transaction():
        catalog.delete(flood.article_id)
    assert catalog.visible_chunks([(FLOOD[1][0].chunk_id, flood.content_hash)]) == {}


def test_many_ids_at_once(catalog: Catalog) -> None:
    items = [article(100 + n, f"Story {n}", f"Sentence number {n}.") for n in range(1200)]
    put(catalog, *items)
    wanted = [a.article_id for a, _ in items] + ["nope"]
    assert len(catalog.hashes(wanted)) == 1200
    assert len(catalog.records(wanted)) == 1200
    keys = [(chunks[0].chunk_id, a.content_hash) for a, chunks in items]
    assert len(catalog.visible_chunks(keys)) == 1200


def test_query_terms_keeps_only_plain_distinct_content_words() -> None:
    assert query_terms('What did "Ada" say -- about the TRAM* (tram) NEAR Café?') == [
        "ada",
        "say",
        "tram",
        "near",
        "café",
    ]
    assert query_terms("snake_case x2") == ["snake", "case", "x2"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(100)))) == 32


def _feed(url: str, **state: object) -> Feed:
    return replace(Feed(feed_id(url), url, every=1800.0, added_at=1000.0), **state)  # type: ignore[arg-type]


def test_watched_feeds_are_added_once_listed_oldest_first_and_removed(catalog: Catalog) -> None:
    first, second = _feed("https://a.example/feed"), _feed("https://b.example/rss", added_at=2000.0)
    assert catalog.feeds() == []
    assert catalog.add_feed(second) and catalog.add_feed(first)
    assert not catalog.add_feed(replace(first, every=60.0))  # already watched: unchanged
    assert catalog.feeds() == [first, second]
    assert catalog.remove_feed(first.feed_id)
    assert not catalog.remove_feed(first.feed_id)
    assert catalog.feeds() == [second]


def test_a_feeds_state_round_trips_and_an_update_never_brings_it_back(
    open_catalog: Opener,
) -> None:
    catalog, other = open_catalog(), open_catalog()
    feed = _feed("https://a.example/feed", announce_channel=2**62)  # a Discord id needs 64 bits
    catalog.add_feed(feed)
    polled = replace(
        feed,
        etag='W/"abc"',
        last_modified="Sun, 06 Dec 2026 10:00:00 GMT",
        next_poll=5000.5,
        last_poll=3200.25,
        last_success=3200.25,
        last_error="HTTP 503 Service Unavailable",
        last_error_at=3100.0,
        failures=2,
        entries_added=17,
    )
    assert catalog.update_feed(polled)
    assert other.feeds() == [polled]  # another connection (process) sees the poll's state
    assert other.remove_feed(feed.feed_id)
    assert not catalog.update_feed(replace(polled, failures=0))  # removed meanwhile: stays gone
    assert catalog.feeds() == []
