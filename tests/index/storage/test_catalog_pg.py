"""What only the PostgreSQL catalog has: a server that goes away, and the cross-host write lock.
The shared behaviour runs in test_catalog_contract.py (param "postgres")."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import Timeout

from index.errors import StoreUnavailableError
from index.storage import catalog_pg, pg
from tests.index.catalog_data import FLOOD, TRAM, ids, put
from tests.servers import ServerProcess, new_database, port_of, server_tmp, start_postgres

pytestmark = [pytest.mark.slow, pytest.mark.server]


@pytest.fixture
def own_postgres(postgres_server: ServerProcess) -> Iterator[tuple[Path, ServerProcess]]:
    """A cluster of this test's own (it is killed), once the session's shows PostgreSQL works."""
    root = server_tmp("pg-own")
    server = start_postgres(root)
    try:
        yield root, server
    finally:
        server.stop()


def test_a_database_that_is_down_is_one_clear_error(closed_port_url: str) -> None:
    port = closed_port_url.rstrip("/").rsplit(":", 1)[1]
    url = f"postgresql://newsdesk:s3cret@127.0.0.1:{port}/news"
    with pytest.raises(StoreUnavailableError) as info:
        catalog_pg.PostgresCatalog(url)
    message = str(info.value)
    assert (
        f"cannot reach the PostgreSQL catalog at postgresql://newsdesk:***@127.0.0.1:{port}/news"
        in message
    )
    assert "(connection refused)" in message and "s3cret" not in message


def test_killed_mid_transaction_keeps_what_was_committed_and_reconnects(
    own_postgres: tuple[Path, ServerProcess],
) -> None:
    root, server = own_postgres
    url = new_database(server)
    catalog = catalog_pg.PostgresCatalog(url)
    put(catalog, TRAM)
    with pytest.raises(StoreUnavailableError, match="PostgreSQL catalog"), catalog.transaction():
        catalog.put(*FLOOD)
        server.kill()
        catalog.bump_generation()
    with pytest.raises(StoreUnavailableError):
        catalog.counts()  # still down
    restarted = start_postgres(root, port=port_of(server))
    try:
        assert catalog.counts() == (1, 2)  # the same object reconnects
        assert catalog.generation() == 1
        assert catalog.lexical_search("Millbrook flooded", 5) == []
        put(catalog, FLOOD)
        assert ids(catalog.lexical_search("Millbrook flooded", 5))[0] == FLOOD[1][0].chunk_id
    finally:
        restarted.stop()


def test_the_write_lock_serialises_writers_and_dies_with_its_holder(
    postgres_server: ServerProcess,
) -> None:
    url = new_database(postgres_server)
    first, second = pg.AdvisoryLock(url), pg.AdvisoryLock(url, timeout=0.3)
    with first, first:  # re-entrant
        started = time.monotonic()
        with pytest.raises(Timeout):
            second.__enter__()
        assert time.monotonic() - started >= 0.3
    with second:
        pass
    got = threading.Event()
    holder = pg.AdvisoryLock(url)
    holder.__enter__()

    def wait_for_it() -> None:
        with pg.AdvisoryLock(url):
            got.set()

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    assert not got.wait(0.3)
    holder._conn.close()  # the holder's session ends (as when its process dies)
    assert got.wait(10)
    waiter.join()


def test_rebuild_lexical_restores_search_from_the_chunks(postgres_server: ServerProcess) -> None:
    import psycopg

    url = new_database(postgres_server)
    catalog = catalog_pg.PostgresCatalog(url)
    put(catalog, TRAM, FLOOD)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE chunks SET terms = ''::tsvector")  # a lexical index gone wrong
    assert catalog.lexical_search("Millbrook flooded", 5) == []
    generation = catalog.generation()
    catalog.rebuild_lexical()
    assert ids(catalog.lexical_search("Millbrook flooded", 5))[0] == FLOOD[1][0].chunk_id
    assert catalog.generation() == generation + 1
