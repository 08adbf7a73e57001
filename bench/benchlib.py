"""Shared helpers of the benchmarks: stage profiling, timing proxies, memory, local servers, output.

Stages are timed *exclusively*: while a nested stage runs, its parent's clock is paused, so the
stage totals of one run add up to its wall time (minus whatever ran outside every stage).
Nothing here imports the project; the benchmarks wrap its objects with `TimedProxy` instead of
editing them.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
console = Console()


@dataclass
class Profile:
    """Exclusive seconds and call counts per stage name."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    _stack: list[list[Any]] = field(default_factory=list)  # [name, started]

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        now = time.perf_counter()
        if self._stack:
            self._charge(self._stack[-1], now)
        self._stack.append([name, now])
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            yield
        finally:
            now = time.perf_counter()
            self._charge(self._stack.pop(), now)
            if self._stack:
                self._stack[-1][1] = now

    def _charge(self, frame: list[Any], now: float) -> None:
        self.seconds[frame[0]] = self.seconds.get(frame[0], 0.0) + now - frame[1]

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)

        return wrapper

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


class TimedProxy:
    """Wraps an object: calls of the methods named in `stages` are timed under that stage.

    Other attributes pass through untimed, unless `default` names a stage for every other call.
    A method listed in `contexts` returns a context manager whose whole block is timed.
    """

    def __init__(
        self,
        target: object,
        profile: Profile,
        stages: dict[str, str],
        *,
        default: str | None = None,
        contexts: frozenset[str] = frozenset(),
    ) -> None:
        self._target = target
        self._profile = profile
        self._stages = stages
        self._default = default
        self._contexts = contexts

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        stage = self._stages.get(name, self._default)
        if stage is None or not callable(value):
            return value
        if name in self._contexts:
            return self._timed_context(stage, value)
        return self._profile.timed(stage, value)

    def _timed_context(
        self, stage: str, factory: Callable[..., AbstractContextManager[Any]]
    ) -> Callable[..., AbstractContextManager[Any]]:
        @contextmanager
        def block(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with self._profile.stage(stage), factory(*args, **kwargs) as value:
                yield value

        return block


# --- environment ----------------------------------------------------------------------------------
def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_avg() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "loadavg_1_5_15": load_avg()}


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- local servers --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A server process on 127.0.0.1 (its own process group, output to `log`), ready once
    `health` (a path under its URL) answers 200; `stop()` ends the whole group."""

    def __init__(self, name: str, command: Sequence[str], port: int, health: str, log: Path):
        self.name, self.url = name, f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                list(command), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"error: the {name} at {self.url} exited ({self.proc.returncode})")
            try:
                if httpx.get(f"{self.url}{health}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"error: the {name} at {self.url} did not start (log: {log})")

    def rss_mb(self) -> float:
        return float(psutil.Process(self.proc.pid).memory_info().rss) / 2**20

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


# --- statistics -----------------------------------------------------------------------------------
def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.nan


# --- output ---------------------------------------------------------------------------------------
def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def results_path(name: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR / name
