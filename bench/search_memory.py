"""Where a searching process's memory goes: its RSS after each step of start-up and use.

This process is the searching process, built as the CLI and the bot build theirs, over an index
made by `scale_bench.py` (hashing embedder; every query is also embedded by MiniLM, as there). It
reads /proc/self/smaps_rollup after: its imports, building MiniLM, importing chromadb, the first
search (Chroma loads the collection's HNSW index, the catalog opens), the warm searches, and
`--reloads` reloads of the vector store (what a searching process does after another process
wrote many chunks). Linux only. Table on stdout, JSON in bench/results/search_memory.json.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, load_avg, machine, print_table, write_json

QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"


def smaps() -> dict[str, float]:
    """This process's resident memory (MB): all of it, anonymous, and file-backed."""
    kb: dict[str, int] = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            kb[parts[0].rstrip(":")] = int(parts[1])
    rss, anon = kb["Rss"] / 1024, kb["Anonymous"] / 1024
    return {"rss_mb": rss, "anon_mb": anon, "file_mb": rss - anon}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="an index made by scale_bench.py")
    parser.add_argument("--searches", type=int, default=120, help="warm searches")
    parser.add_argument("--reloads", type=int, default=3, help="vector store reloads")
    args = parser.parse_args()
    steps: list[dict[str, Any]] = []

    def step(name: str) -> None:
        steps.append({"step": name, **smaps()})

    step("Python, this script")
    from newsdesk.app import build_searching_app
    from newsdesk.evaluate import load_questions, percentile  # the CLI imports it too
    from newsdesk.settings import Settings

    step("Newsdesk's imports")
    app = build_searching_app(Settings(data_dir=args.data_dir, embedder="hashing"))
    from index.embed import MiniLmEmbedder

    minilm = MiniLmEmbedder(threads=app.settings.embed_threads)
    step("MiniLM built")
    import chromadb  # noqa: F401  (imported by the first search anyway: measured apart)

    step("chromadb imported")
    questions = [q.question for q in load_questions(QUESTIONS)]
    minilm.embed([questions[0]])
    app.retriever.search(questions[0])
    step("first search")
    warm = []
    for n in range(args.searches):
        query = questions[(n + 1) % len(questions)]
        started = time.perf_counter()
        minilm.embed([query])
        app.retriever.search(query)
        warm.append(time.perf_counter() - started)
    step(f"after {args.searches} warm searches")
    for n in range(args.reloads):
        app.index.store.refresh()  # the next search loads the vector index afresh
        app.retriever.search(questions[n % len(questions)])
        step(f"after reload {n + 1}")
    rows, previous = [], 0.0
    for s in steps:
        rows.append(
            (
                s["step"],
                f"{s['rss_mb']:.1f} MB ({s['rss_mb'] - previous:+.1f}); "
                f"anon {s['anon_mb']:.1f}, file {s['file_mb']:.1f}",
            )
        )
        previous = s["rss_mb"]
    if warm:
        p50, p95 = 1000 * percentile(warm, 50), 1000 * percentile(warm, 95)
        rows.append(("warm search p50 / p95 (ms, wall)", f"{p50:.1f} / {p95:.1f}"))
    rows.append(("load average", str(load_avg())))
    print_table(f"RSS of a searching process over {args.data_dir}", rows)
    out = write_json(
        "search_memory.json", {"machine": machine(), "data_dir": str(args.data_dir), "steps": steps}
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
