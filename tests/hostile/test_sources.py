"""Hostile sources through `newsdesk index add`: each gets one clear line naming it and the
reason, the rest of the batch completes, nothing hangs and nothing is a traceback.

Each row builds a source under a temp folder (or names a path on the misbehaving server) and
states the exit code and the words the one error line must hold. Rows that pass today stay in
the table so they keep passing.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.hostile.conftest import LIMIT, assert_one_clear_line, run

SAMPLE = ROOT / "samples" / "articles" / "lowick-green-library.md"
GOOD = SAMPLE.read_text(encoding="utf-8") if SAMPLE.exists() else ""
UNDECODABLE = os.fsdecode(b"caf\xe9-\xff.txt")  # Latin-1 bytes: not valid UTF-8


@dataclass(frozen=True)
class Env:
    tmp: Path
    url: str  # the hostile server's base URL
    closed_port: int

    def write(self, name: str, data: bytes | str) -> str:
        path = self.tmp / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)


def _fifo(env: Env) -> str:
    path = env.tmp / "src" / "pipe.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return str(path)


def _socket(env: Env) -> str:
    path = env.tmp / "src" / "sock.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))  # left bound: the file stays a socket for the test's life
    _KEEP.append(sock)
    return str(path)


_KEEP: list[socket.socket] = []


def _symlink(target: str, name: str) -> Callable[[Env], str]:
    def make(env: Env) -> str:
        path = env.tmp / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        return str(path)

    return make


def _folder_with(*entries: Callable[[Env], str]) -> Callable[[Env], str]:
    def make(env: Env) -> str:
        for entry in entries:
            entry(env)
        return str(env.tmp / "src")

    return make


@dataclass(frozen=True)
class Row:
    id: str
    source: Callable[[Env], str]
    says: tuple[str, ...]  # words the error line must hold ("" row: no error expected)
    code: int = 1


ROWS = [
    # --- files ---------------------------------------------------------------------------------
    Row("binary", lambda e: e.write("b.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), ("binary",)),
    Row("empty", lambda e: e.write("e.txt", b""), ("empty",)),
    Row("whitespace only", lambda e: e.write("w.txt", b"  \n\t\n"), ("empty",)),
    Row("only NUL bytes", lambda e: e.write("n.txt", b"\0" * 4096), ("binary",)),
    Row("badly encoded", lambda e: e.write("l.txt", b"\x81\x8d\x8f\x90\x9d" * 50), ("decode",)),
    Row("too large", lambda e: e.write("big.txt", b"word " * LIMIT), ("too large",)),
    Row("pdf", lambda e: e.write("s.pdf", b"%PDF-1.4"), ("unsupported file type '.pdf'",)),
    Row("no suffix", lambda e: e.write("README", b"hello"), ("unsupported file type",)),
    Row("csv without text", lambda e: e.write("c.csv", "a,b\n1,2\n"), ("no 'text' column",)),
    Row("boilerplate only", lambda e: e.write("j.txt", "Share this\nComments\n"), ("empty",)),
    Row("html without article", lambda e: e.write("x.html", "<html></html>"), ("empty",)),
    Row("missing", lambda e: str(e.tmp / "nope.txt"), ("no such file",)),
    Row("broken symlink", _symlink("/no/such/target.txt", "dangling.txt"), ("broken",)),
    Row("symlink to /dev/zero", _symlink("/dev/zero", "zero.txt"), ("character device",)),
    Row("symlink to /dev/null", _symlink("/dev/null", "null.md"), ("character device",)),
    Row("symlink to /dev/urandom", _symlink("/dev/urandom", "r.txt"), ("character device",)),
    Row("FIFO named .txt", _fifo, ("FIFO",)),
    Row("socket named .txt", _socket, ("socket",)),
    Row("folder: FIFO inside", _folder_with(_fifo), ("pipe.txt", "FIFO")),
    Row("folder: /dev/zero link", _folder_with(_symlink("/dev/zero", "z.txt")), ("z.txt",)),
    Row("folder with nothing", lambda e: e.write("d/p.pdf", "x").rsplit("/", 1)[0], ("no sup",)),
    Row("undecodable name, binary", lambda e: e.write(UNDECODABLE, b"\0\1\2" * 9), ("\\xe9",)),
    Row("only a scheme", lambda e: "ftp://example.org/a.txt", ("http",)),
    # --- URLs (a real server on 127.0.0.1 misbehaving on purpose) -----------------------------
    Row("404", lambda e: e.url + "/404", ("404",)),
    Row("500", lambda e: e.url + "/500", ("500",)),
    Row("redirect loop", lambda e: e.url + "/loop", ("too many redirects",)),
    Row("hanging", lambda e: e.url + "/hang", ("timed out",)),
    Row("body one byte at a time", lambda e: e.url + "/trickle", ("timed out",)),
    Row("headers one byte at a time", lambda e: e.url + "/trickle-headers", ("timed out",)),
    Row("gzip bomb", lambda e: e.url + "/bomb", ("too large",)),
    Row("declared too large", lambda e: e.url + "/huge", ("too large",)),
    Row("endless body", lambda e: e.url + "/endless", ("too large",)),
    Row("image", lambda e: e.url + "/png", ("unsupported content type",)),
    Row("empty page", lambda e: e.url + "/empty", ("empty",)),
    Row("NUL text", lambda e: e.url + "/nul-text", ("binary",)),
    Row("refused", lambda e: f"http://127.0.0.1:{e.closed_port}/", ("refused",)),
    Row("bad host", lambda e: "http://exa mple.org/", ("http",)),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_a_hostile_source_is_one_clear_line_and_the_batch_completes(
    row: Row, cli: CliRunner, tmp_path: Path, hostile_url: str, closed_port: int
) -> None:
    env = Env(tmp_path, hostile_url, closed_port)
    source = row.source(env)
    good = env.write("good/ok.md", GOOD)
    started = time.monotonic()
    result = run(cli, "index", "add", source, good)
    assert time.monotonic() - started < 20  # fetch timeout is 2 s: nothing may hang
    line = assert_one_clear_line(result, *row.says, code=row.code)
    assert "1 sources failed" in result.err and "added 1," in result.err  # the good one indexed
    assert len(line) < 400


def test_a_trickling_body_fails_at_the_whole_fetch_deadline(
    cli: CliRunner, hostile_url: str
) -> None:
    started = time.monotonic()
    result = run(cli, "index", "add", hostile_url + "/trickle")
    elapsed = time.monotonic() - started
    assert_one_clear_line(result, "/trickle", "timed out after 2s")
    assert 1.5 < elapsed < 6, elapsed  # NEWSDESK_FETCH_TIMEOUT=2, not one byte per 0.1 s forever


@pytest.mark.parametrize("where", ["named", "in a folder"])
def test_a_file_name_that_is_not_utf8_is_indexed_and_shown_escaped(
    cli: CliRunner, tmp_path: Path, where: str
) -> None:
    env = Env(tmp_path, "", 0)
    path = env.write(UNDECODABLE, GOOD)
    result = run(cli, "index", "add", path if where == "named" else str(tmp_path / "src"))
    assert result.code == 0, result.text
    assert "added 1," in result.err
    (listed,) = json.loads(run(cli, "index", "list", "--json").out)
    assert listed["source"].endswith("caf\\xe9-\\xff.txt")


def test_a_symlinked_folder_loop_is_not_followed(cli: CliRunner, tmp_path: Path) -> None:
    env = Env(tmp_path, "", 0)
    env.write("a/ok.md", GOOD)
    (tmp_path / "src" / "a" / "loop").symlink_to(tmp_path / "src")
    result = run(cli, "index", "add", str(tmp_path / "src"))
    assert result.code == 0, result.text
    assert "added 1," in result.err


def test_a_feed_is_deduplicated_by_guid_idempotent_and_keeps_only_http_links(
    cli: CliRunner, hostile_url: str
) -> None:
    first = run(cli, "index", "add", hostile_url + "/feed")
    assert first.code == 0, first.text
    assert "added 450," in first.err  # 450 unique GUIDs, link sharing does not merge them
    again = run(cli, "index", "add", hostile_url + "/feed")
    assert "added 0, updated 0, unchanged 450" in again.err
    listed = json.loads(run(cli, "index", "list", "--json").out)
    urls = [a["url"] for a in listed if a["url"] is not None]
    assert len(listed) == 450 and len(urls) == 450 - 20
    assert all(u.startswith("https://") for u in urls)


def test_piped_stderr_has_unwrapped_lines_and_no_library_warnings(tmp_path: Path) -> None:
    """The real CLI with stderr a pipe (not a terminal): a long error line stays one line, and
    trafilatura's own "discarding data" warning does not leak next to ours."""
    import subprocess
    import sys

    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "page-without-any-article-text.html"
    deep.parent.mkdir(parents=True)
    deep.write_text("<html></html>")  # trafilatura logs "discarding data: None" for this
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(tmp_path / "data")}
    env["NEWSDESK_EMBEDDER"] = "hashing"
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "index", "add", str(deep)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr
    assert "discarding" not in done.stderr and "WARNING" not in done.stderr, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert str(deep) in line and "empty" in line and len(line) > 120
