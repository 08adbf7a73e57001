"""Damaged state through the CLI: every command meets a broken index with one clear line that
names the problem and the way out (exit 1), never a traceback and never a silent wrong answer."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.hostile.conftest import assert_one_clear_line, run

SAMPLES = ROOT / "samples" / "articles"
QUESTION = "How much did the Eastgate tram line cost?"


@dataclass(frozen=True)
class Ctx:
    data: Path
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    closed_port: int


def _chroma_deleted(ctx: Ctx) -> None:
    shutil.rmtree(ctx.data / "chroma")
    _as_a_new_process()


def _chroma_deleted_bot_configured(ctx: Ctx) -> None:
    _chroma_deleted(ctx)
    ctx.monkeypatch.setenv("NEWSDESK_DISCORD_TOKEN", "not-used: the check fails first")


def _as_a_new_process() -> None:
    """Forget the embedded Chroma this test process already opened, as a new CLI run would."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def _chroma_server_down(ctx: Ctx) -> None:
    ctx.monkeypatch.setenv("NEWSDESK_CHROMA_URL", f"http://127.0.0.1:{ctx.closed_port}")


def _embedder_changed(ctx: Ctx) -> None:
    ctx.monkeypatch.setenv("NEWSDESK_EMBEDDER", "minilm")


def _settled_catalog(ctx: Ctx) -> Path:
    """The catalog file with everything in it (WAL folded in), as after a clean exit."""
    import sqlite3

    path = ctx.data / "catalog.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    return path


def _catalog_truncated(ctx: Ctx) -> None:
    path = _settled_catalog(ctx)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _catalog_garbage(ctx: Ctx) -> None:
    path = _settled_catalog(ctx)
    path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256))


def _catalog_pages_zeroed(ctx: Ctx) -> None:
    path = _settled_catalog(ctx)
    data = bytearray(path.read_bytes())
    data[4096 : len(data) - 4096] = b"\xee" * (len(data) - 8192)
    path.write_bytes(bytes(data))


def _catalog_is_a_folder(ctx: Ctx) -> None:
    path = _settled_catalog(ctx)
    path.unlink()
    path.mkdir()


@dataclass(frozen=True)
class Row:
    id: str
    damage: Callable[[Ctx], None]
    argv: tuple[str, ...]
    says: tuple[str, ...]


GONE = ("the index is damaged", "vectors are gone", "newsdesk index check --repair")
SERVER = ("cannot reach the Chroma server", "NEWSDESK_CHROMA_URL")
DAMAGED = ("the catalog", "catalog.sqlite3", "is damaged", "restore it")
COMMANDS = {
    "stats": ("index", "stats"),
    "list": ("index", "list"),
    "ask": ("ask", QUESTION),
    "search": ("index", "search", "tram"),
    "add": ("index", "add", "{tmp}/new.md"),
    "rebuild": ("index", "rebuild"),
    "remove": ("index", "remove", "0123456789abcdef"),
    "check": ("index", "check"),
    "repair": ("index", "check", "--repair"),
}
ROWS = [
    *(
        Row(f"{label}: {name}", damage, argv, DAMAGED)
        for label, damage in (
            ("catalog truncated", _catalog_truncated),
            ("catalog garbage", _catalog_garbage),
        )
        for name, argv in COMMANDS.items()
    ),
    *(
        Row(f"catalog is a folder: {name}", _catalog_is_a_folder, COMMANDS[name], ("a folder",))
        for name in ("stats", "ask", "add")
    ),
    Row("vectors gone: ask", _chroma_deleted, ("ask", QUESTION), GONE),
    Row("vectors gone: ask --json", _chroma_deleted, ("ask", "--json", QUESTION), GONE),
    Row("vectors gone: search", _chroma_deleted, ("index", "search", "tram"), GONE),
    Row("vectors gone: chat", _chroma_deleted, ("chat",), GONE),
    Row("vectors gone: bot", _chroma_deleted_bot_configured, ("bot",), GONE),
    Row("server down: ask", _chroma_server_down, ("ask", QUESTION), SERVER),
    Row("server down: search", _chroma_server_down, ("index", "search", "tram"), SERVER),
    Row("server down: add", _chroma_server_down, ("index", "add", "{tmp}/new.md"), SERVER),
    Row("server down: check", _chroma_server_down, ("index", "check"), SERVER),
    Row("embedder changed: ask", _embedder_changed, ("ask", QUESTION), ("index rebuild",)),
    Row("embedder changed: add", _embedder_changed, ("index", "add", str(SAMPLES)), ("rebuild",)),
]


@pytest.fixture
def indexed(cli: CliRunner) -> CliRunner:
    result = run(cli, "index", "add", str(SAMPLES))
    assert result.code == 0, result.text
    return cli


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_damaged_state_is_one_clear_line(
    row: Row,
    indexed: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
) -> None:
    row.damage(Ctx(tmp_path / "data", tmp_path, monkeypatch, closed_port))
    (tmp_path / "new.md").write_text("# Pier reopens\n\nThe pier reopened on Friday after repairs.")
    argv = [arg.format(tmp=tmp_path) for arg in row.argv]
    assert_one_clear_line(run(indexed, *argv), *row.says)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_overwritten_catalog_pages_are_a_clear_line_or_a_correct_answer(
    name: str, indexed: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Garbage inside the file is met only when a command reads that page: then it is one clear
    line; a command that never touches it may answer (correctly); `index check` always finds it."""
    _catalog_pages_zeroed(Ctx(tmp_path / "data", tmp_path, monkeypatch, 0))
    (tmp_path / "new.md").write_text("# Pier reopens\n\nThe pier reopened on Friday.")
    result = run(indexed, *[arg.format(tmp=tmp_path) for arg in COMMANDS[name]])
    assert "Traceback" not in result.text
    if name in ("check", "repair"):
        assert result.code == 1 and "catalog" in result.text and "damaged" in result.text
    elif result.code:
        assert_one_clear_line(result, *DAMAGED)
    elif name == "stats":
        assert "articles: 7" in result.out


def test_vectors_gone_is_repaired_by_index_check(indexed: CliRunner, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "data" / "chroma")
    _as_a_new_process()
    checked = run(indexed, "index", "check")
    assert checked.code == 1 and "no collection" in checked.out and "--repair" in checked.out
    repaired = run(indexed, "index", "check", "--repair")
    assert repaired.code == 0, repaired.text
    assert "re-embedded 21 chunks" in repaired.out and "ok:" in repaired.out
    hits = run(indexed, "index", "search", "Eastgate tram", "--json")
    assert hits.code == 0 and "Eastgate" in hits.out


def _without_write_access() -> list[str]:
    """A command prefix under which the data folder's missing write bits really apply: as root,
    drop the capabilities that override file permissions; as anyone else, nothing."""
    import os

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot take away write access")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.mark.slow  # seven real processes
@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (("index", "stats"), 0, "articles: 7"),
        (("index", "list", "--json"), 0, "Eastgate"),
        (("index", "search", "Eastgate tram", "--json"), 0, "Eastgate"),
        (("index", "check"), 0, "ok: the index is consistent"),
        (("ask", "--json", QUESTION), 0, '"question"'),
        (("index", "add", "{tmp}/new.md"), 1, "read-only"),
        (("index", "remove", "x"), 1, "read-only"),
    ],
    ids=["stats", "list", "search", "check", "ask", "add", "remove"],
)
def test_a_read_only_data_folder_still_answers(
    tmp_path: Path, argv: tuple[str, ...], code: int, says: str
) -> None:
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data), "NEWSDESK_EMBEDDER": "hashing"}
    newsdesk = [sys.executable, "-m", "newsdesk"]
    subprocess.run(
        [*newsdesk, "index", "add", str(SAMPLES)],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
    )
    (tmp_path / "new.md").write_text("# Pier reopens\n\nThe pier reopened on Friday.")
    subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
    try:
        done = subprocess.run(
            [*_without_write_access(), *newsdesk] + [a.format(tmp=tmp_path) for a in argv],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
            env=env,
        )
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=True)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, done.stdout + done.stderr
    assert says in done.stdout + done.stderr
    if code:
        assert len([ln for ln in done.stderr.splitlines() if ln.startswith("error:")]) == 1


FULL_DISK_SCRIPT = """
mount -t tmpfs -o size=24m tmpfs "$MNT" || exit 97
newsdesk() { "$PY" -m newsdesk "$@"; }
newsdesk index add "$SAMPLES" >/dev/null 2>&1 || exit 98
avail=$(df -k "$MNT" | tail -1 | awk '{print $4}')
head -c $(( (avail - 300) * 1024 )) /dev/zero > "$MNT/filler" 2>/dev/null
echo "== add"; newsdesk index add "$NEW" 2>&1 | grep -v '━'; echo "rc=$?"
echo "== stats"; newsdesk index stats 2>&1; echo "rc=$?"
echo "== list"; newsdesk index list --json 2>&1 | grep -c article_id
rm "$MNT/filler"
echo "== again"; newsdesk index add "$NEW" 2>&1 | grep -v '━'
echo "== repair"; newsdesk index check --repair 2>&1
echo "== third"; newsdesk index add "$NEW" 2>&1 | grep -v '━'
echo "== check"; newsdesk index check 2>&1
"""


@pytest.mark.slow  # real processes on a real (tiny) file system
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    """On a real full file system (a small tmpfs in a private mount namespace, gone when the
    script ends): `index add` says so in one line, reading still works and nothing is lost.
    Chroma's embedded store may stay wedged after a full disk (its write log no longer applies,
    even with space freed): that is one line pointing at `index check --repair`, which rebuilds
    the store from the catalog, after which the same `index add` completes."""
    import os
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a small tmpfs privately")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    new = tmp_path / "new.md"
    sentences = " ".join(f"Sentence {n} about the pier and its repairs." for n in range(20_000))
    new.write_text(f"# Pier reopens\n\n{sentences}\n")
    env = {
        **os.environ,
        "MNT": str(mnt),
        "PY": sys.executable,
        "SAMPLES": str(SAMPLES),
        "NEW": str(new),
        "NEWSDESK_DATA_DIR": str(mnt / "data"),
        "NEWSDESK_EMBEDDER": "hashing",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "sh", "-c", FULL_DISK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    if done.returncode == 97:
        pytest.skip("cannot mount a tmpfs here")
    parts = dict(p.split("\n", 1) for p in done.stdout.split("== ")[1:])
    assert "Traceback" not in done.stdout + done.stderr, done.stdout
    errors = [ln for ln in parts["add"].splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "free some space" in errors[0], parts["add"]
    assert "articles: 7" in parts["stats"] and "rc=0" in parts["stats"]
    assert parts["list"].strip() == "7"
    again = parts["again"]
    if "added 1, updated 0, unchanged 0" not in again:
        (line,) = [ln for ln in again.splitlines() if ln.startswith("error:")]
        assert "newsdesk index check --repair" in line
    assert "ok: the index is consistent" in parts["repair"], parts["repair"]
    assert "added 1," in again + parts["third"], parts["third"]
    assert "ok: the index is consistent" in parts["check"], parts["check"]


@pytest.mark.slow  # two real processes
def test_two_concurrent_adds_both_complete_and_the_counts_add_up(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    files = sorted(SAMPLES.iterdir())
    for n, path in enumerate(files):
        target = tmp_path / ("a" if n % 2 else "b") / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(path, target)
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(tmp_path / "data")}
    env["NEWSDESK_EMBEDDER"] = "hashing"
    newsdesk = [sys.executable, "-m", "newsdesk"]
    adds = [
        subprocess.Popen(
            [*newsdesk, "index", "add", str(tmp_path / half)],
            env=env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in ("a", "b")
    ]
    outputs = [p.communicate(timeout=300)[1] for p in adds]
    assert [p.returncode for p in adds] == [0, 0], outputs
    added = sum(int(out.split("added ")[1].split(",")[0]) for out in outputs)
    assert added == len(files)
    done = subprocess.run(
        [*newsdesk, "index", "check"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and f"catalog: {len(files)} articles" in done.stdout
