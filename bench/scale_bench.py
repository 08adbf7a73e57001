"""How search behaves as the index grows: the BBC corpus ×1, ×10 (and more) with variants.

For each size it builds an index with the hashing embedder (kept under --data-root and reused by
later runs), then starts a fresh searching process and measures: cold start → first search, warm
search p50/p95, the stall that process sees after another process adds one article, its RSS, plus
the index's disk size and build time. Table on stdout, JSON and PNG in bench/results/.

Cold start is measured twice, because this machine's OS drops cached file pages quickly: first
with the index's files evicted from the page cache (`posix_fadvise(DONTNEED)` on them only; the
Python libraries may or may not be cached), as the first search after an idle spell sees it; then
a process restart right after, with the index in the OS cache. Wall and CPU time both, and the
load average: on a shared 2-core machine wall time also says how busy the others were.

The ×k corpus is built at run time from ../shared/corpus/bbc/*.csv: copy 0 is the corpus itself,
copy i ≥ 1 is each article with its sentences shuffled and one dropped (seeded by copy and id),
under its own id and a title marked "[vi]". No article text is written into the repository.

The query side: `--query-embedder minilm` (default) has the searching process embed every query
with the real MiniLM embedder, as the bot would, and then search with the hashing vector (the
index was built with it); so the timings include the real embedder's cost on the real path,
reported apart as "MiniLM embed". `--query-embedder hashing` times the hashing-only path.

`--chroma-server` measures the scale-out set-up instead: per size, `chroma run` (the server in the
chromadb package) serves the index's vectors on 127.0.0.1 and the searching and adding processes
reach it through `NEWSDESK_CHROMA_URL`, the catalog staying local. The vector index then lives in
the server's memory, so the table adds the server's RSS after the warm searches; the evicted cold
start includes the server's first load of the vector index from disk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchlib import (
    REPO_ROOT,
    LocalServer,
    dir_bytes,
    free_port,
    load_avg,
    machine,
    peak_rss_mb,
    print_table,
    results_path,
    rss_mb,
    write_json,
)

from newsdesk.evaluate import load_questions, percentile

BBC = REPO_ROOT.parent / "shared" / "corpus" / "bbc"
QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"
STALL_QUERY = "What did the minister say about the budget?"
TARGETS = {
    "cold_start_s": 3.0,
    "cold_evicted_s": 3.0,
    "stall_s": 0.2,
    "warm_p95_ms": 100.0,
    "rss_mb": 350.0,
}


# --- the corpus ---------------------------------------------------------------------------------
def corpus(copies: int) -> Iterator[Any]:
    from index.chunk import sentence_spans
    from index.ingest.load import load_source
    from index.models import Article, stable_id

    originals = [
        a
        for name in ("train", "val", "test")
        for a in load_source(str(BBC / f"{name}.csv"), max_bytes=10**8, timeout=10)
    ]
    for copy in range(copies):
        for a in originals:
            if copy == 0:
                yield a
                continue
            rng = random.Random(f"{copy}:{a.article_id}")
            sentences = [a.text[s:e] for s, e in sentence_spans(a.text)]
            rng.shuffle(sentences)
            if len(sentences) > 3:
                sentences.pop(rng.randrange(len(sentences)))
            yield Article(
                article_id=stable_id(f"{a.article_id}~v{copy}"),
                title=f"{a.title} [v{copy}]",
                text=" ".join(sentences),
                source=f"{a.source}~v{copy}",
            )


def build(data_dir: Path, copies: int) -> dict[str, Any]:
    """Index the ×`copies` corpus into `data_dir` (or reuse it); the build's own numbers."""
    done = data_dir / "bench-build.json"
    if done.exists():
        return dict(json.loads(done.read_text()), reused=True)
    from newsdesk.app import App
    from newsdesk.settings import Settings

    app = App(Settings(data_dir=data_dir, embedder="hashing"))
    started, load = time.perf_counter(), load_avg()
    report = app.index.add(corpus(copies))
    seconds = time.perf_counter() - started
    articles, chunks = app.index.catalog.counts()
    result = {
        "copies": copies,
        "articles": articles,
        "chunks": chunks,
        "build_s": round(seconds, 1),
        "added": report.added,
        "load_before": load,
        "load_after": load_avg(),
    }
    done.write_text(json.dumps(result) + "\n")
    return dict(result, reused=False)


# --- the searching process ------------------------------------------------------------------------
class QueryCost:
    """The index's (hashing) embedder, with every query also embedded by MiniLM (timed)."""

    def __init__(self, fast: Any, real: Any) -> None:
        self._fast, self._real = fast, real
        self.name, self.dim, self.max_tokens = fast.name, fast.dim, fast.max_tokens
        self.seconds: list[float] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return list(self._fast.count_tokens(texts))

    def embed(self, texts: Sequence[str]) -> Any:
        started = time.perf_counter()
        self._real.embed(texts)
        self.seconds.append(time.perf_counter() - started)
        return self._fast.embed(texts)


def reader(data_dir: str, query_embedder: str, queries_file: str) -> None:
    """Runs in a fresh process: first search, warm searches, then one search per stdin line."""
    from index.embed import MiniLmEmbedder
    from newsdesk.app import build_searching_app
    from newsdesk.settings import Settings

    # built as the CLI and the bot build theirs
    app = build_searching_app(Settings(data_dir=Path(data_dir), embedder="hashing"))
    cost = None
    if query_embedder == "minilm":
        cost = QueryCost(app.index.embedder, MiniLmEmbedder(threads=app.settings.embed_threads))
        app.index.embedder = cost
    queries = json.loads(Path(queries_file).read_text())
    app.retriever.search(queries[0])
    _say({"cpu_s": time.process_time()})  # all of this process's CPU so far, every thread
    warm, cpu = [], []
    for query in queries[1:]:
        started, used = time.perf_counter(), time.process_time()
        app.retriever.search(query)
        warm.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    embeds = cost.seconds[1:] if cost else []
    _say(
        {
            "warm": warm,
            "cpu": cpu,
            "embed": embeds,
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    for line in sys.stdin:
        if line.strip() != "search":
            break
        started, used = time.perf_counter(), time.process_time()
        app.retriever.search(STALL_QUERY)
        _say({"search_s": time.perf_counter() - started, "cpu_s": time.process_time() - used})


def _say(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)


class Reader:
    """The parent's handle on a reader process."""

    def __init__(
        self, data_dir: Path, query_embedder: str, queries: Path, env: dict[str, str]
    ) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "_reader", str(data_dir), query_embedder, str(queries)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
            env=env,
        )

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"reader exited with {self.proc.wait()}")
        return dict(json.loads(line))

    def search(self) -> tuple[float, float]:
        """(wall, CPU) seconds of one search."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("search\n")
        self.proc.stdin.flush()
        got = self.read()
        return float(got["search_s"]), float(got["cpu_s"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _env(data_dir: Path, chroma_url: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_EMBEDDER": "hashing",
        "PYTHONPATH": str(REPO_ROOT),
    }
    if chroma_url:
        env["NEWSDESK_CHROMA_URL"] = chroma_url
    return env


def start_chroma(data_dir: Path) -> LocalServer:
    """`chroma run` serving `data_dir`'s vector store on a free loopback port."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "chroma"), "run", "--path", str(data_dir / "chroma"),
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    log = data_dir.parent / f"chroma-{data_dir.name}.log"
    return LocalServer("Chroma server", command, port, "/api/v2/heartbeat", log)


def evict(data_dir: Path) -> None:
    """Drop the index's files (only those) from the OS page cache, as after a long idle spell."""
    for path in data_dir.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)  # dirty pages cannot be dropped
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def first_start(
    data_dir: Path, query_embedder: str, queries: Path, env: dict[str, str]
) -> dict[str, Any]:
    """Cold start → first search of a process whose index files are not in the OS cache."""
    evict(data_dir)
    load = load_avg()
    reader_ = Reader(data_dir, query_embedder, queries, env)
    cpu = reader_.read()["cpu_s"]
    wall = time.perf_counter() - reader_.started
    reader_.proc.kill()  # our own child: its warm searches are measured by the next one
    reader_.proc.wait(timeout=60)
    return {"cold_evicted_s": wall, "cold_evicted_cpu_s": cpu, "load_evicted": load}


def measure(
    data_dir: Path, query_embedder: str, rounds: int, queries: Path, env: dict[str, str]
) -> dict[str, Any]:
    """One fresh reader: cold start, warm searches, RSS, and the stall after one-article adds.

    It starts right after `first_start`'s, so the index files are in the OS cache: this cold
    start is a process restart's."""
    load = load_avg()
    reader_ = Reader(data_dir, query_embedder, queries, env)
    cold_cpu = reader_.read()["cpu_s"]
    cold = time.perf_counter() - reader_.started
    warm = reader_.read()
    stalls, stalls_cpu, adds = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            page = Path(tmp) / f"scale-bench-{n}.md"
            page.write_text(
                f"# Scale bench notice {n}\n\nThe harbour board of Kessock met on day {n} and "
                f"agreed the budget for dredging the channel, the minister said.\n"
            )
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "newsdesk", "index", "add", str(page)],
                cwd=REPO_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            adds.append(time.perf_counter() - started)
            (after, after_cpu), (steady, steady_cpu) = reader_.search(), reader_.search()
            stalls.append(max(0.0, after - steady))
            stalls_cpu.append(max(0.0, after_cpu - steady_cpu))
    reader_.close()
    _remove_notices(data_dir)
    w, cpu = warm["warm"], warm["cpu"]
    return {
        "query_embedder": query_embedder,
        "cold_start_s": cold,
        "cold_start_cpu_s": cold_cpu,
        "warm_p50_ms": 1000 * percentile(w, 50),
        "warm_p95_ms": 1000 * percentile(w, 95),
        "embed_p50_ms": 1000 * percentile(warm["embed"], 50) if warm["embed"] else None,
        "embed_p95_ms": 1000 * percentile(warm["embed"], 95) if warm["embed"] else None,
        "warm_cpu_p50_ms": 1000 * percentile(cpu, 50),
        "warm_cpu_p95_ms": 1000 * percentile(cpu, 95),
        "searches": len(w),
        "stall_s": max(stalls) if stalls else None,
        "stall_median_s": percentile(stalls, 50) if stalls else None,
        "stalls_s": stalls,
        "stall_cpu_s": max(stalls_cpu) if stalls_cpu else None,
        "one_article_add_s": percentile(adds, 50) if adds else None,
        "rss_mb": warm["rss_mb"],
        "peak_rss_mb": warm["peak_rss_mb"],
        "load_before": load,
        "load_after": load_avg(),
    }


def _remove_notices(data_dir: Path) -> None:
    from newsdesk.app import App
    from newsdesk.settings import Settings

    index = App(Settings(data_dir=data_dir, embedder="hashing")).index
    for record in index.catalog.records():
        if record.title.startswith("Scale bench notice"):
            index.remove(record.article_id)


# --- report ---------------------------------------------------------------------------------------
def report(rows: list[dict[str, Any]]) -> None:
    metrics = [
        ("chunks", "{:,.0f}"),
        ("build_s", "{:.0f}"),
        ("disk_mb", "{:.0f}"),
        ("cold_evicted_s", "{:.2f}"),
        ("cold_evicted_cpu_s", "{:.2f}"),
        ("cold_start_s", "{:.2f}"),
        ("cold_start_cpu_s", "{:.2f}"),
        ("warm_p50_ms", "{:.1f}"),
        ("warm_p95_ms", "{:.1f}"),
        ("warm_cpu_p50_ms", "{:.1f}"),
        ("warm_cpu_p95_ms", "{:.1f}"),
        ("embed_p95_ms", "{:.1f}"),
        ("stall_s", "{:.3f}"),
        ("stall_cpu_s", "{:.3f}"),
        ("one_article_add_s", "{:.2f}"),
        ("rss_mb", "{:.0f}"),
        ("peak_rss_mb", "{:.0f}"),
        ("server_rss_mb", "{:.0f}"),
    ]
    for row in rows:
        table = [(k, fmt.format(row[k]) if row.get(k) is not None else "—") for k, fmt in metrics]
        table.append(("load before/after", f"{row['load_before']} / {row['load_after']}"))
        table.append(("load at the evicted start", f"{row.get('load_evicted')}"))
        where = ", vectors on a Chroma server" if row.get("chroma_server") else ""
        print_table(f"×{row['copies']} corpus, {row['query_embedder']} queries{where}", table)
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        ratio = big["chunks"] / small["chunks"]
        growth = [
            (k, f"×{big[k] / small[k]:.2f}") for k, _ in metrics[1:] if big.get(k) and small.get(k)
        ]
        print_table(f"growth for ×{ratio:.1f} chunks", growth)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    panels = [  # (wall-time key, its CPU-time twin or "", title)
        ("cold_start_s", "cold_start_cpu_s", "cold start → first search (s)"),
        ("cold_evicted_s", "cold_evicted_cpu_s", "… index files not in the OS cache (s)"),
        ("warm_p95_ms", "warm_cpu_p95_ms", "warm search p95 (ms)"),
        ("stall_s", "stall_cpu_s", "stall after a one-article add (s)"),
        ("rss_mb", "", "RSS of the searching process (MB)"),
        ("disk_mb", "", "index on disk (MB)"),
        ("build_s", "", "build time, hashing embedder (s)"),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(17, 7))
    for ax, (key, cpu_key, label) in zip(axes.flat, panels):
        pts = [(r["chunks"], r[key]) for r in rows if r.get(key) is not None]
        if not pts:
            continue
        xs, ys = zip(*pts)
        ax.plot(xs, ys, "o-", label="measured (wall)" if cpu_key else "measured")
        cpu = [r.get(cpu_key) for r in rows] if cpu_key else []
        if cpu and all(c is not None for c in cpu):
            ax.plot(xs, cpu, "s-", label="CPU")
        if ys[0] > 0:  # what linear growth from the smallest index would look like
            ax.plot(xs, [ys[0] * x / xs[0] for x in xs], ":", color="grey", label="linear")
        key_target = TARGETS.get(key)
        if key_target is not None:
            ax.axhline(key_target, color="red", linestyle="--", linewidth=1, label="target")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # 2×10⁴, 3×10⁴… overlapped
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("chunks")
        ax.legend(fontsize=8)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,10", help="comma-separated corpus multiples")
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT / "data" / "scale-bench")
    parser.add_argument("--query-embedder", choices=["minilm", "hashing"], default="minilm")
    parser.add_argument("--rounds", type=int, default=3, help="one-article adds per size")
    parser.add_argument("--searches", type=int, default=120, help="warm searches per size")
    parser.add_argument(
        "--chroma-server", action="store_true", help="vectors served by `chroma run` (scale-out)"
    )
    args = parser.parse_args()
    questions = [q.question for q in load_questions(QUESTIONS)]
    queries = [questions[i % len(questions)] for i in range(args.searches + 1)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        queries_file = Path(tmp) / "queries.json"
        queries_file.write_text(json.dumps(queries))
        for copies in [int(c) for c in args.copies.split(",")]:
            data_dir = args.data_root / f"bbc-x{copies}"
            built = build(data_dir, copies)
            server = start_chroma(data_dir) if args.chroma_server else None
            env = _env(data_dir, server.url if server else None)
            try:
                first = first_start(data_dir, args.query_embedder, queries_file, env)
                found = measure(data_dir, args.query_embedder, args.rounds, queries_file, env)
                row = built | first | found | {"chroma_server": server is not None}
                if server:
                    row["server_rss_mb"] = server.rss_mb()
            finally:
                if server:
                    server.stop()
            row["disk_mb"] = dir_bytes(data_dir) / 2**20
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    report(rows)
    suffix = ("" if args.query_embedder == "minilm" else "-hashing") + (
        "-server" if args.chroma_server else ""
    )
    out = write_json(f"scale_bench{suffix}.json", {"machine": machine(), "rows": rows})
    png = results_path(f"scale_bench{suffix}.png")
    plot(rows, png)
    print(f"wrote {out} and {png}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_reader":
        reader(*sys.argv[2:5])
    else:
        main()
