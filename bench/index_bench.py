"""Index benchmark: the BBC corpus through the real indexer into a fresh data dir.

Measures articles/s and chunks/s of `Index.add`, the bare embedder on the identical texts and
batches (the indexer/bare ratio; goal >= 0.9), a time breakdown by stage, peak memory, index size
and an idempotent re-add. The indexer is not edited: its embedder, store, catalog and `chunk` are
wrapped in timing proxies (see `benchlib`). Run from the repository root:

    .venv/bin/python bench/index_bench.py [--limit N] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlib import (
    REPO_ROOT,
    Profile,
    TimedProxy,
    dir_bytes,
    load_avg,
    machine,
    peak_rss_mb,
    print_table,
    rate,
    results_path,
    rss_mb,
    write_json,
)

from index.indexer import Index
from index.ingest.load import load_source
from index.models import Article
from newsdesk.app import App
from newsdesk.settings import Settings

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "bbc"
SPLITS = ("train.csv", "val.csv", "test.csv")
GOAL_RATIO = 0.9
STAGE_ORDER = (
    "loading+cleaning",
    "chunking",
    "token counting",
    "embedding",
    "chroma upsert",
    "chroma other",
    "catalog commit",
    "catalog bookkeeping",
    "indexer other",
)


class RecordingEmbedder:
    """Passes everything through to the real embedder and keeps each list `embed` was given."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self.batches: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def embed(self, texts: Sequence[str]) -> Any:
        self.batches.append(list(texts))
        return self._embedder.embed(texts)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="Index only the first N articles.")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="An empty (or new) folder for the index, kept afterwards; default: a temp dir.",
    )
    return parser.parse_args(argv)


def load_corpus(limit: int | None, settings: Settings) -> tuple[list[Article], float]:
    """The first `limit` BBC articles and the loading+cleaning seconds they cost.

    Files are loaded whole; with a limit the time is prorated to the articles kept.
    """
    articles: list[Article] = []
    seconds = 0.0
    for name in SPLITS:
        started = time.perf_counter()
        articles += load_source(
            str(CORPUS / name), max_bytes=settings.max_source_bytes, timeout=settings.fetch_timeout
        )
        seconds += time.perf_counter() - started
        if limit is not None and len(articles) >= limit:
            break
    kept = articles[:limit] if limit is not None else articles
    return kept, seconds * len(kept) / max(1, len(articles))


def instrument(index: Index, profile: Profile) -> RecordingEmbedder:
    """Swap the index's parts for timing proxies of themselves (the objects stay the same)."""
    recorder = RecordingEmbedder(index.embedder)
    index.embedder = TimedProxy(
        recorder, profile, {"embed": "embedding", "count_tokens": "token counting"}
    )
    index.store = TimedProxy(  # type: ignore[assignment]
        index.store, profile, {"upsert": "chroma upsert"}, default="chroma other"
    )
    commit = {
        name: "catalog commit" for name in ("transaction", "put", "set_meta", "bump_generation")
    }
    index.catalog = TimedProxy(
        index.catalog,
        profile,
        commit,
        default="catalog bookkeeping",
        contexts=frozenset({"transaction"}),
    )
    index.chunk = profile.timed("chunking", index.chunk)  # type: ignore[method-assign]
    return recorder


def timed_add(index: Index, articles: list[Article], profile: Profile) -> dict[str, Any]:
    profile.reset()
    load_before = load_avg()
    started = time.perf_counter()
    with profile.stage("indexer other"):
        report = index.add(articles)
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "added": report.added,
        "unchanged": report.unchanged,
        "chunks": report.chunks,
        "stages_s": dict(profile.seconds),
        "calls": dict(profile.calls),
        "loadavg_before": load_before,
        "loadavg_after": load_avg(),
    }


def bare_embed(embedder: Any, batches: list[list[str]]) -> dict[str, Any]:
    """The real embedder alone, making the same `embed` calls the indexer made."""
    load_before = load_avg()
    started = time.perf_counter()
    for texts in batches:
        embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {
        "texts": sum(len(t) for t in batches),
        "seconds": seconds,
        "loadavg_before": load_before,
        "loadavg_after": load_avg(),
    }


def padding(embedder: Any, batches: list[list[str]], batch_size: int) -> dict[str, float]:
    """Padded tokens the ONNX model runs, as a share of real tokens: per call vs one global sort.

    MiniLmEmbedder sorts each `embed` call by length and pads each batch to its longest text;
    lengths are counted with the embedder's own tokenizer ([CLS] + [SEP], truncated at 256).
    """

    def lengths(texts: list[str]) -> list[int]:
        return [min(n + 2, embedder.max_tokens) for n in embedder.count_tokens(texts)]

    def padded(sizes: list[int]) -> int:
        ordered = sorted(sizes)
        return sum(
            max(ordered[i : i + batch_size]) * len(ordered[i : i + batch_size])
            for i in range(0, len(ordered), batch_size)
        )

    per_call = [lengths(texts) for texts in batches]
    real = sum(sum(sizes) for sizes in per_call)
    return {
        "real_tokens": real,
        "padding_per_call": sum(padded(s) for s in per_call) / real - 1,
        "padding_one_call": padded([n for s in per_call for n in s]) / real - 1,
    }


def disk_usage(data_dir: Path) -> dict[str, int]:
    chroma = data_dir / "chroma"
    total = dir_bytes(data_dir)
    chroma_bytes = dir_bytes(chroma) if chroma.exists() else 0
    return {"total": total, "chroma": chroma_bytes, "catalog_and_other": total - chroma_bytes}


def breakdown(load_s: float, first: dict[str, Any]) -> dict[str, float]:
    stages = {"loading+cleaning": load_s, **first["stages_s"]}
    return {name: stages[name] for name in STAGE_ORDER if name in stages}


def summarise(
    articles: list[Article],
    load_s: float,
    first: dict[str, Any],
    readd: dict[str, Any],
    bare: dict[str, Any],
    pad: dict[str, float],
    disk: dict[str, int],
    settings: Settings,
) -> dict[str, Any]:
    chunks, wall = first["chunks"], first["wall_s"]
    indexer_cps = rate(chunks, wall)
    bare_cps = rate(bare["texts"], bare["seconds"])
    return {
        "articles": len(articles),
        "chunks": chunks,
        "loading_s": load_s,
        "add_wall_s": wall,
        "articles_per_s": rate(len(articles), wall),
        "articles_per_s_incl_loading": rate(len(articles), wall + load_s),
        "chunks_per_s": indexer_cps,
        "bare_chunks_per_s": bare_cps,
        "ratio_indexer_to_bare": indexer_cps / bare_cps,
        "goal_ratio": GOAL_RATIO,
        "ratio_in_run": first["stages_s"]["embedding"] / wall,
        "breakdown_s": breakdown(load_s, first),
        "calls": first["calls"],
        "readd": {k: readd[k] for k in ("wall_s", "unchanged", "added", "stages_s")},
        "bare": bare,
        "padding": pad,
        "disk_bytes": disk,
        "peak_rss_mb": peak_rss_mb(),
        "rss_end_mb": rss_mb(),
        "loadavg": {
            "during_add": [first["loadavg_before"], first["loadavg_after"]],
            "during_bare": [bare["loadavg_before"], bare["loadavg_after"]],
            "end": load_avg(),
        },
        "machine": machine(),
        "settings": settings.model_dump(
            include={
                "embedder",
                "embed_batch_size",
                "embed_threads",
                "chunk_tokens",
                "chunk_overlap",
            }
        ),
    }


def table_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    total = r["loading_s"] + r["add_wall_s"]
    rows = [
        ("articles / chunks", f"{r['articles']:,} / {r['chunks']:,}"),
        ("Index.add wall", f"{r['add_wall_s']:.1f} s"),
        (
            "articles/s (add; incl. loading)",
            f"{r['articles_per_s']:.1f}; {r['articles_per_s_incl_loading']:.1f}",
        ),
        ("chunks/s indexer", f"{r['chunks_per_s']:.1f}"),
        ("chunks/s bare embedder (same calls)", f"{r['bare_chunks_per_s']:.1f}"),
        ("ratio indexer/bare, separate runs (goal >= 0.9)", f"{r['ratio_indexer_to_bare']:.3f}"),
        ("ratio in-run: embedding s / add wall s", f"{r['ratio_in_run']:.3f}"),
        (
            "padded tokens over real: per call; one sort",
            f"{100 * r['padding']['padding_per_call']:.1f}%; "
            f"{100 * r['padding']['padding_one_call']:.1f}%",
        ),
        ("time breakdown (share of loading + add)", ""),
    ]
    rows += [
        (f"  {name}", f"{s:.2f} s ({100 * s / total:.1f}%)") for name, s in r["breakdown_s"].items()
    ]
    rows += [
        (
            "re-add (all unchanged)",
            f"{r['readd']['wall_s']:.2f} s, {r['readd']['unchanged']:,} skipped",
        ),
        (
            "index on disk (chroma + catalog)",
            f"{r['disk_bytes']['total'] / 2**20:.1f} MiB "
            f"({r['disk_bytes']['chroma'] / 2**20:.1f} + "
            f"{r['disk_bytes']['catalog_and_other'] / 2**20:.1f})",
        ),
        ("peak RSS", f"{r['peak_rss_mb']:.0f} MiB"),
        (
            "load avg 1 min: add start/end; bare start/end",
            "{}/{}; {}/{}".format(
                *(r["loadavg"][k][i][0] for k in ("during_add", "during_bare") for i in (0, 1))
            ),
        ),
        ("cpus", str(r["machine"]["cpus"])),
    ]
    return rows


def plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]})
    names = list(r["breakdown_s"])[::-1]
    seconds = [r["breakdown_s"][n] for n in names]
    left.barh(names, seconds, color="tab:blue")
    for y, s in enumerate(seconds):
        left.text(s, y, f" {s:.1f} s", va="center", fontsize=9)
    left.set_xlabel("seconds (exclusive)")
    left.set_title("Where indexing time goes")
    left.set_xlim(0, max(seconds) * 1.25)
    labels = ["indexer\n(Index.add)", "bare embedder\n(same calls)", "embed stage\ninside add"]
    embed_s = r["breakdown_s"]["embedding"]
    values = [r["chunks_per_s"], r["bare_chunks_per_s"], rate(r["chunks"], embed_s)]
    right.bar(labels, values, color=["tab:orange", "tab:green", "tab:olive"])
    right.axhline(
        GOAL_RATIO * r["bare_chunks_per_s"],
        color="red",
        linestyle="--",
        label=f"goal: {GOAL_RATIO} x bare",
    )
    for x, v in enumerate(values):
        right.text(x, v, f"{v:.1f}", ha="center", va="bottom")
    right.set_ylabel("chunks / s")
    right.set_title(
        f"Throughput: ratio {r['ratio_indexer_to_bare']:.2f} (separate runs), "
        f"{r['ratio_in_run']:.2f} (in run)",
        fontsize=10,
    )
    right.legend(loc="lower right")
    fig.suptitle(
        f"Index bench: {r['articles']:,} BBC articles, {r['chunks']:,} chunks, "
        f"{r['machine']['cpus']} cpus, load avg {r['loadavg']['end'][0]}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(data_dir: Path, limit: int | None) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, embedder="minilm")
    app = App(settings, indexing=True)  # build_indexing_app's embedder, without its nice level
    app.embedder.embed(["warm-up: load the ONNX session and its thread pool"])
    articles, load_s = load_corpus(limit, settings)
    profile = Profile()
    recorder = instrument(app.index, profile)
    first = timed_add(app.index, articles, profile)
    readd = timed_add(app.index, articles, profile)
    bare = bare_embed(app.embedder, recorder.batches)
    pad = padding(app.embedder, recorder.batches, settings.embed_batch_size)
    return summarise(articles, load_s, first, readd, bare, pad, disk_usage(data_dir), settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.data_dir is not None and args.data_dir.exists() and any(args.data_dir.iterdir()):
        print(
            f"error: {args.data_dir} is not empty; the bench needs a fresh index", file=sys.stderr
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="newsdesk-index-bench-") as tmp:
        results = run(args.data_dir or Path(tmp), args.limit)
    suffix = f"-{args.limit}" if args.limit else ""
    print_table(f"Index bench ({results['articles']:,} articles)", table_rows(results))
    png = results_path(f"index_bench{suffix}.png")
    plot(results, png)
    print(f"wrote {write_json(f'index_bench{suffix}.json', results)} and {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
