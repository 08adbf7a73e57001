"""Real servers on 127.0.0.1 for the scale-out modes: Chroma, llama-cpp-python, PostgreSQL.

Each is started once per test session (a pytest plugin, see `tests/conftest.py`) and torn down at
the end; tests that kill a server start their own with the same helpers. Nothing here is a fake:
these are the engines a multi-host deployment runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A server we started: its URL, its process and its log (shown when it fails)."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL, as a crash would (for the outage tests)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, self.stop_signal)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _spawn(command: list[str], log: Path, **options: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"}
    with log.open("ab") as out:
        return subprocess.Popen(  # its own process group: kill() takes its children too
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            **options,
        )


def wait_until(server: ServerProcess, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited ({server.proc.returncode}):\n{server.log_tail()}"
            )
        with contextlib.suppress(httpx.HTTPError, OSError):
            if ready():
                return
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} not ready after {timeout:g} s:\n{server.log_tail()}")


def _http_ok(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=2).status_code == 200


# --- Chroma ------------------------------------------------------------------------------------
def start_chroma(path: Path, port: int | None = None) -> ServerProcess:
    """`chroma run` (the server shipped with the chromadb package) on 127.0.0.1."""
    chroma = Path(sys.executable).parent / "chroma"
    port = port or free_port()
    path.mkdir(parents=True, exist_ok=True)
    log = path.parent / f"{path.name}.log"
    command = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    server = ServerProcess("chroma", f"http://127.0.0.1:{port}", _spawn(command, log), log)
    wait_until(server, _http_ok(f"{server.url}/api/v2/heartbeat"), timeout=60)
    return server


# --- llama-cpp-python's OpenAI-compatible server -----------------------------------------------
def start_llama_server(model: Path, log_dir: Path, *options: str) -> ServerProcess:
    """`python -m llama_cpp.server --model GGUF` on 127.0.0.1 (needs llama-cpp-python[server])."""
    port = free_port()
    log = log_dir / f"llama-server-{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--verbose", "False", *options,
    ]  # fmt: skip
    server = ServerProcess(
        "llama.cpp server", f"http://127.0.0.1:{port}", _spawn(command, log), log
    )
    wait_until(server, _http_ok(f"{server.url}/v1/models"), timeout=120)
    return server


# --- PostgreSQL --------------------------------------------------------------------------------
def postgres_bin() -> Path | None:
    import glob

    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name))
    for candidate in reversed(found):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _as_postgres_user() -> dict[str, Any]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return {}
    try:
        import pwd

        entry = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise RuntimeError("running as root and there is no `postgres` user") from exc
    return {"user": entry.pw_uid, "group": entry.pw_gid}


def start_postgres(root: Path, port: int | None = None) -> ServerProcess:
    """A throwaway cluster: `initdb` into `root/db` (once), then `postgres` on 127.0.0.1:port.

    Called again with the same `root` (and port) it restarts that cluster, as after a crash."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError(f"no PostgreSQL binaries in {PG_BIN_GLOB}")
    as_user = _as_postgres_user()
    data, log = root / "db", root / "postgres.log"
    if not data.exists():
        if as_user:
            os.chown(root, as_user["user"], as_user["group"])
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "newsdesk",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, timeout=120, cwd=root, **as_user,
        )  # fmt: skip
    port = port or free_port()
    command = [
        str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
        "-k", str(root), "-c", "fsync=off", "-c", "max_connections=50",
    ]  # fmt: skip
    url = f"postgresql://newsdesk@127.0.0.1:{port}/postgres"
    proc = _spawn(command, log, cwd=root, **as_user)
    server = ServerProcess("postgres", url, proc, log, stop_signal=signal.SIGINT)  # fast shutdown

    def ready() -> bool:
        probe = [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "newsdesk"]
        return subprocess.run(probe, capture_output=True, timeout=5, check=False).returncode == 0

    wait_until(server, ready, timeout=60)
    return server


def port_of(server: ServerProcess) -> int:
    return int(server.url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])


def new_database(server: ServerProcess) -> str:
    """A fresh, empty database on `server`; returns its URL."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + "/" + name


def server_tmp(prefix: str) -> Path:
    """A temp dir outside pytest's root-only basetemp (the postgres user must enter it)."""
    path = Path(tempfile.mkdtemp(prefix=f"newsdesk-{prefix}-"))
    path.chmod(0o755)
    return path


def server_env(settings: object) -> dict[str, str]:
    """The NEWSDESK_* variables that point a child process at the same servers as `settings`."""
    env = {}
    for name in ("chroma_url", "catalog_url", "llama_server_url"):
        value = getattr(settings, name, None)
        if value:
            env[f"NEWSDESK_{name.upper()}"] = str(value)
    return env


# --- session fixtures (this module is a pytest plugin) -----------------------------------------
@pytest.fixture(scope="session")
def chroma_server() -> Iterator[ServerProcess]:
    root = server_tmp("chroma")
    server = start_chroma(root / "chroma")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def llama_server() -> Iterator[ServerProcess]:
    pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")
    from bot.engine.model import DEFAULT_MODEL, packaged_model_path

    root = server_tmp("llama")
    model = packaged_model_path(DEFAULT_MODEL)  # the default reader, as a deployment would serve
    server = start_llama_server(model, root, "--n_ctx", "2048", "--seed", "0")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ServerProcess]:
    if postgres_bin() is None:
        pytest.skip(
            f"PostgreSQL is not installed (no {PG_BIN_GLOB}/initdb; apt-get install postgresql)"
        )
    pytest.importorskip("psycopg", reason="needs psycopg[binary]")
    root = server_tmp("postgres")
    server = start_postgres(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
