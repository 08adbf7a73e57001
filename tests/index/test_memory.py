"""Memory a long-running searching process holds: the C heap's arena cap, observed through
glibc's own report (`malloc_info`) in a fresh process each time (the cap must be set before
threads allocate), and the vector index a store reload frees."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.models import Chunk
from index.storage.store import ChunkStore
from tests.conftest import ROOT

LIBC = ctypes.util.find_library("c")
GLIBC = bool(LIBC) and hasattr(ctypes.CDLL(LIBC), "malloc_info")

# Eight threads each allocate from C at once; then glibc describes its heap, one <heap> an arena.
PROBE = """
import ctypes, ctypes.util, sys, tempfile, threading
from index.memory import limit_malloc_arenas
if sys.argv[1] != "none":
    limit_malloc_arenas(int(sys.argv[1]))
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
start = threading.Barrier(8)
def work():
    start.wait()
    blocks = [libc.malloc(4096) for _ in range(200)]
    start.wait()  # every thread holds its blocks at once
    for b in blocks:
        libc.free(b)
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    handle = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    print(open(out.name).read().count("<heap nr="))
"""


def arenas_used(cap: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, cap], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc only")
def test_the_cap_bounds_how_many_arenas_threads_get() -> None:
    assert arenas_used("none") > 2  # without it, threads get arenas of their own
    assert arenas_used("2") <= 2
    assert arenas_used("1") == 1


def chroma_systems() -> int:
    """Chroma client systems alive in this process, collected or not (each holds its indexes)."""
    return sum(
        type(o).__name__ == "System" and type(o).__module__.startswith("chromadb")
        for o in gc.get_objects()
    )


def test_refreshing_the_embedded_store_frees_its_old_vector_index_at_once(tmp_path: Path) -> None:
    """Not whenever Python's cycle collector next runs (Chroma's client sits in reference
    cycles): a reloading process would otherwise hold the old index and the new one at once."""
    gc.collect()
    before = chroma_systems()
    store = ChunkStore(tmp_path)
    chunk = Chunk("c1", "a1", 0, "The harbour wall was repaired.", 0, 30)
    vector = np.ones((1, 8), dtype=np.float32) / np.sqrt(8)
    store.upsert("chunks", [chunk], {"a1": "h1"}, vector)
    assert store.count("chunks") == 1
    assert chroma_systems() == before + 1
    gc.disable()  # only what refresh itself does counts
    try:
        store.refresh()
        assert chroma_systems() <= before  # (refresh clears Chroma's cache of every client)
    finally:
        gc.enable()
    assert store.count("chunks") == 1  # and the next call loads it afresh
