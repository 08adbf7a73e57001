"""The C heap (glibc malloc) of a long-running process: how it holds on to memory, and less of it.

Both calls are no-ops where the C library lacks them (musl, macOS).
"""

from __future__ import annotations

from typing import Any

M_ARENA_MAX = -8  # glibc's mallopt parameter


def _libc_function(name: str) -> Any:
    import ctypes
    import ctypes.util

    library = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(library), name, None) if library else None


def release_freed_memory() -> None:
    """Return memory the C heap has freed to the OS (glibc `malloc_trim`)."""
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def limit_malloc_arenas(arenas: int) -> None:
    """At most `arenas` malloc arenas from now on (glibc `mallopt(M_ARENA_MAX)`).

    glibc gives threads that allocate their own arenas, up to 8 a core, and memory freed in
    one arena is not reused by the others. A searching process has many threads (onnxruntime's,
    Chroma's Rust runtime, SQLite, the bot's worker): capped at 2 it held 4-15 MB less at 56k
    chunks, with the same search times (issue 9). Call it first, before those threads start.
    """
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, arenas)
