"""Answers per minute: the in-process model vs llama-cpp-python servers, on the same questions.

Every setup answers the same questions (the first `--limit` answerable ones of the question file)
through the real answering path (`AnswerService`: retrieval, coverage, generation, checks) on one
prepared index. A setup is either `inprocess` (the bot's default: one model in the process, one
answer at a time) or `server:P:T:C`: P `python -m llama_cpp.server` processes on 127.0.0.1 with
`--n_threads T` each (and `--interrupt_requests False`, without which a second request cuts the
first one's stream short), and C client threads sharing the questions, client i talking to server
i mod P. llama-cpp-python's server has no parallel slots (it answers one request at a time behind
a lock), so parallelism on one host means more server processes. Run from the repository root:

    .venv/bin/python bench/server_bench.py [--questions eval/questions.jsonl] [--limit 20]
        [--data-dir DIR] [--setups inprocess server:1:2:1 server:1:2:2 server:2:1:2]

The index is built in DATA_DIR (samples, ../shared/samples and val.csv) unless it exists.
Timings on a shared 2-core machine are noisy: the load average is printed with every setup.
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, LocalServer, free_port, load_avg, machine, print_table, write_json

from bot.engine.answer import AnswerService
from bot.engine.evidence import Evidence, Weights
from bot.engine.model import ChatModel, small_model_path
from bot.engine.reader import OnnxReader
from newsdesk.app import App
from newsdesk.evaluate import load_questions, percentile
from newsdesk.settings import Settings

SOURCES = ("samples/articles", "../shared/samples", "../shared/corpus/bbc/val.csv")


@dataclass(frozen=True)
class Setup:
    name: str
    servers: int = 0  # 0: in process
    threads: int = 0
    clients: int = 1

    @classmethod
    def parse(cls, text: str) -> Setup:
        if text == "inprocess":
            return cls(text)
        kind, servers, threads, clients = text.split(":")
        if kind != "server":
            raise ValueError(text)
        return cls(text, int(servers), int(threads), int(clients))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--setups",
        nargs="+",
        default=["inprocess", "server:1:2:1", "server:1:2:2", "server:2:1:2"],
    )
    return parser.parse_args(argv)


def answerable_questions(path: Path, limit: int) -> list[str]:
    """The first `limit` answerable questions of an eval file, read by the eval's own loader."""
    return [q.question for q in load_questions(path) if q.answerable][:limit]


def ensure_index(data_dir: Path) -> None:
    if (data_dir / "catalog.sqlite3").exists():
        return
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir)}
    newsdesk = Path(sys.executable).parent / "newsdesk"
    print(f"indexing {', '.join(SOURCES)} into {data_dir} ...", flush=True)
    subprocess.run([str(newsdesk), "index", "add", *SOURCES], cwd=REPO_ROOT, env=env, check=True)


class Servers:
    """P llama-cpp-python servers on free loopback ports, stopped on exit."""

    def __init__(self, count: int, threads: int, log_dir: Path) -> None:
        model = small_model_path()
        self.servers: list[LocalServer] = []
        for n in range(count):
            port = free_port()
            command = [
                sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(threads),
                "--n_ctx", "2048", "--interrupt_requests", "False", "--verbose", "False",
            ]  # fmt: skip
            log = log_dir / f"server-{n}.log"
            self.servers.append(LocalServer("llama.cpp server", command, port, "/v1/models", log))
        self.urls = [server.url for server in self.servers]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def client_services(setup: Setup, data_dir: Path, urls: list[str]) -> list[AnswerService]:
    """One answering service per client, each with its own App (index handles, model client)."""
    services = []
    for n in range(setup.clients):
        update: dict[str, Any] = {"data_dir": data_dir}
        if urls:
            update["llama_server_url"] = urls[n % len(urls)]
        app = App(Settings(**update))
        model: ChatModel = app.model
        evidence = Evidence(app.embedder.embed, Weights.load().for_embedder(app.embedder.name))
        services.append(
            AnswerService(
                app.retriever,
                _always(model),
                evidence,
                max_tokens=app.settings.max_tokens,
                reader=cache(OnnxReader),
                veto_below=app.settings.reader_veto,
            )
        )
    return services


def _always(model: ChatModel) -> Callable[[], ChatModel]:
    return lambda: model


def run_setup(setup: Setup, data_dir: Path, questions: list[str], log_dir: Path) -> dict[str, Any]:
    servers = Servers(setup.servers, setup.threads, log_dir) if setup.servers else None
    try:
        services = client_services(setup, data_dir, servers.urls if servers else [])
        for service in services:  # warm up: model pages, tokenizer, index handles (untimed)
            service.answer(questions[-1])
        todo: queue.Queue[str] = queue.Queue()
        for q in questions:
            todo.put(q)
        latencies: list[float] = []
        model_answers = [0]
        lock = threading.Lock()

        def client(service: AnswerService) -> None:
            while True:
                try:
                    question = todo.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                answer = service.answer(question)
                with lock:
                    latencies.append(time.perf_counter() - started)
                    model_answers[0] += int(answer.used_model)

        load_before = load_avg()
        started = time.perf_counter()
        workers = [threading.Thread(target=client, args=(s,)) for s in services]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.perf_counter() - started
    finally:
        if servers is not None:
            servers.stop()
    return {
        "setup": setup.name,
        "answers": len(latencies),
        "used_model": model_answers[0],
        "wall_s": wall,
        "answers_per_min": 60.0 * len(latencies) / wall,
        "p50_s": percentile(latencies, 50),
        "p90_s": percentile(latencies, 90),
        "load_before": load_before,
        "load_after": load_avg(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    questions = answerable_questions(args.questions, args.limit)
    if not questions:
        print(f"error: no answerable questions in {args.questions}", file=sys.stderr)
        return 1
    setups = [Setup.parse(s) for s in args.setups]
    with tempfile.TemporaryDirectory(prefix="newsdesk-server-bench-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        ensure_index(data_dir)
        results = []
        for setup in setups:
            print(f"{setup.name}: {len(questions)} questions ...", flush=True)
            results.append(run_setup(setup, data_dir, questions, Path(tmp)))
            r = results[-1]
            print(
                f"  {r['answers_per_min']:.1f} answers/min, p50 {r['p50_s']:.1f} s, "
                f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}",
                flush=True,
            )
    rows = [
        (
            r["setup"],
            f"{r['answers_per_min']:.1f}/min  p50 {r['p50_s']:.1f} s  p90 {r['p90_s']:.1f} s  "
            f"model {r['used_model']}/{r['answers']}  load {r['load_before'][0]:.1f}"
            f"->{r['load_after'][0]:.1f}",
        )
        for r in results
    ]
    print_table(f"Answers per minute ({len(questions)} questions)", rows)
    path = write_json("server_bench.json", {"machine": machine(), "results": results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
