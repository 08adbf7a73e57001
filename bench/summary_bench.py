"""Summaries and topic digests against hand-written key facts of BBC `val.csv` articles.

Reads `eval/summary_keyfacts.jsonl` (43 articles, 6–8 facts each) and `eval/digest_topics.jsonl`
(22 topics, each fact with the rows of the 2–3 articles that state it), both split once into
dev and test (`eval/split_summaries.py`), and the articles from `../shared/corpus/bbc/val.csv` at
run time. For each article it scores:

- lead-3: the article's first three sentences (the plain baseline);
- lead: the lead within the extractive budget (`extractive_summary` in article order, the
  default before the salience model);
- extractive: the default summary, the sentences likeliest to state a key fact within the same
  budget (`bot.engine.salience`), in article order;
- bullets: what `--mode` makes (`shorten`, the default: the extractive selection with the
  sentences past the third shortened by the reader model, each checked, a failing one shown
  whole; `model`: the reader model's bullets, each checked, a failing one replaced by its
  sentence; `extractive`: the same as the extractive row).

Reported: key-fact coverage, compression, the share of the model's bullets that pass the check,
unverified bullets shown (re-checked here: a bullet must be a quoted article sentence or pass
`bullets.verified`), latency p50 cold and cached. Topic digests run over an index of `val.csv`
(built once in `--data-dir`): facts stated, facts stated *and* cited to an article that states
them; digests use the shipped summaries (`NEWSDESK_SUMMARY_MODE`, extractive by default),
whatever `--mode`. Prints tables, writes bench/results/summary.json and summary.png
(summary-<mode>.* for the other modes).

    NEWSDESK_MODEL_PATH=/tmp/qwen05.gguf NEWSDESK_N_CTX=4096 .venv/bin/python bench/summary_bench.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, load_avg, machine, results_path, write_json
from rich.console import Console
from rich.table import Table

from bot.engine.bullets import read_rendered, verified
from bot.engine.digest import Digester
from bot.engine.summarise import Summariser, extractive_summary, lead
from index.ingest.load import load_source
from index.models import Article
from index.storage.catalog_sqlite import SqliteCatalog
from newsdesk.app import App, build_summariser
from newsdesk.settings import Settings
from newsdesk.summary_eval import (
    compression,
    coverage,
    digest_coverage,
    load_facts,
    load_topics,
)

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "bbc"
NAMES = ("lead-3", "lead", "extractive", "bullets")


def articles_of(file: str) -> list[Article]:
    return load_source(str(CORPUS / Path(file).name), max_bytes=1 << 30, timeout=10)


def unverified(summary: str, article: str) -> int:
    """Shown bullets that are neither a sentence of the article (quoted) nor pass the check."""
    bad = 0
    for bullet in read_rendered(summary):
        quoted_ok = bullet.quoted and bullet.text in article.replace("\n", " ")
        bad += not (quoted_ok or (not bullet.quoted and verified(bullet.text, article)))
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=REPO_ROOT / "eval/summary_keyfacts.jsonl")
    parser.add_argument("--topics", type=Path, default=REPO_ROOT / "eval/digest_topics.jsonl")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/newsdesk-bench-val"))
    parser.add_argument("--no-digests", action="store_true", help="skip the topic digests")
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles/topics")
    parser.add_argument(
        "--mode",
        choices=("shorten", "model", "extractive"),
        default="shorten",
        help="how the bullets row is made",
    )
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir)
    app = App(settings)
    with tempfile.TemporaryDirectory() as cache_dir:
        cache = SqliteCatalog(Path(cache_dir) / "cache.sqlite3")  # a fresh summary cache
        summariser = build_summariser(settings, cache, lambda: app.model, args.mode)
        singles = run_articles(args, summariser, cache)
        # digests as shipped: the default summaries
        shipped = build_summariser(settings, cache, lambda: app.model)
        digests = None if args.no_digests else run_digests(args, app, shipped)
    report(args, singles, digests, app.model.name if args.mode != "extractive" else "none")
    return 0


def run_articles(
    args: argparse.Namespace, summariser: Summariser, cache: SqliteCatalog
) -> dict[str, Any]:
    items = [i for i in load_facts(args.facts) if args.split in ("all", i.split)]
    items = items[: args.limit or None]
    corpora = {file: articles_of(file) for file in {i.file for i in items}}
    scores: dict[str, list[tuple[float, float]]] = {name: [] for name in NAMES}
    cold: list[float] = []
    cpu_seconds: list[float] = []  # all threads: on 2 idle cores, wall time is about half
    cached: list[float] = []
    read = passed = shown = bad = 0
    for item in items:
        article = corpora[item.file][item.row]
        started, cpu = time.perf_counter(), time.process_time()
        written = summariser.write(article)
        cold.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu)
        cache.cache_summary(summariser.cache_key(article), written.text, True)  # as cached_text
        started = time.perf_counter()
        bullets = summariser.cached_text(article)
        cached.append(time.perf_counter() - started)
        read, passed = read + written.read, passed + written.passed
        shown += len(read_rendered(bullets))
        bad += unverified(bullets, article.text)
        outputs = {
            "lead-3": lead(article.text),
            "lead": extractive_summary(article.text),
            "extractive": summariser.extractive(article.text, article.title),
            "bullets": bullets,
        }
        for name, text in outputs.items():
            scores[name].append((coverage(item.facts, text), compression(text, article.text)))
        print(
            f"row {item.row} ({item.split}) {cold[-1]:.1f} s, CPU {cpu_seconds[-1]:.1f} s,"
            f" passed {written.passed}/{written.read}"
            f"\n{bullets}\n",
            file=sys.stderr,
            flush=True,
        )
    return {
        "articles": len(items),
        "facts": sum(len(i.facts) for i in items),
        "rows": {
            name: {
                "coverage": statistics.mean(c for c, _ in pairs),
                "compression": statistics.mean(r for _, r in pairs),
            }
            for name, pairs in scores.items()
        },
        "model_bullets_read": read,
        "model_bullets_passed": passed,
        "bullets_shown": shown,
        "unverified_shown": bad,
        "seconds_p50_cold": statistics.median(cold),
        "seconds_p90_cold": sorted(cold)[int(0.9 * (len(cold) - 1))],
        "seconds_p50_cached": statistics.median(cached),
        "cpu_seconds_p50": statistics.median(cpu_seconds),
    }


def run_digests(args: argparse.Namespace, app: App, summariser: Summariser) -> dict[str, Any]:
    topics = [t for t in load_topics(args.topics) if args.split in ("all", t.split)]
    topics = topics[: args.limit or None]
    files = {t.file for t in topics}
    if app.index.stats().articles == 0:
        print(f"indexing {', '.join(files)} into {args.data_dir}", file=sys.stderr)
        for file in files:
            app.index.add(articles_of(file))
    digester = Digester(app.index.catalog, app.retriever, summariser)
    rows_by_id = {a.article_id: row for f in files for row, a in enumerate(articles_of(f))}
    stated: list[float] = []
    cited: list[float] = []
    seconds: list[float] = []
    found_rows: list[float] = []
    citations = [0, 0]  # on lines stating a fact: citations of an article that states it, all
    for topic in topics:
        started = time.perf_counter()
        digest = digester.digest(topic.topic)
        seconds.append(time.perf_counter() - started)
        row_of = {s.n: rows_by_id.get(s.article_id, -1) for s in digest.sources}
        s, c, (right, total) = digest_coverage(topic.facts, digest.summary, row_of)
        citations[0] += right
        citations[1] += total
        stated.append(s)
        cited.append(c)
        wanted = {r for _, rows in topic.facts for r in rows}
        found_rows.append(len(wanted & set(row_of.values())) / len(wanted))
        print(f"{topic.id}: {s:.2f}/{c:.2f}\n{digest.summary}\n{row_of}\n", file=sys.stderr)
    return {
        "topics": len(topics),
        "facts": sum(len(t.facts) for t in topics),
        "stated": statistics.mean(stated),
        "stated_and_cited": statistics.mean(cited),
        "article_recall": statistics.mean(found_rows),
        "citation_precision": citations[0] / max(citations[1], 1),
        "seconds_p50": statistics.median(seconds),
    }


def report(
    args: argparse.Namespace, singles: dict[str, Any], digests: dict[str, Any] | None, model: str
) -> None:
    console = Console()
    table = Table(
        title=f"Summaries of {singles['articles']} BBC val.csv articles ({args.split}, "
        f"{singles['facts']} key facts); model {model}; load average {load_avg()}",
        title_justify="left",
    )
    for column in ("summariser", "key-fact coverage", "compression (chars)"):
        table.add_column(column, justify="left" if column == "summariser" else "right")
    for name, row in singles["rows"].items():
        table.add_row(name, f"{row['coverage']:.3f}", f"{row['compression']:.3f}")
    console.print(table)
    read = singles["model_bullets_read"]
    print(
        f"model bullets passing the check: {singles['model_bullets_passed']}/{read}"
        f" ({singles['model_bullets_passed'] / max(read, 1):.2f}); bullets shown:"
        f" {singles['bullets_shown']}, unverified shown: {singles['unverified_shown']}\n"
        f"latency per summary: p50 {singles['seconds_p50_cold']:.1f} s cold, p90"
        f" {singles['seconds_p90_cold']:.1f} s, cached p50"
        f" {singles['seconds_p50_cached'] * 1000:.1f} ms;"
        f" CPU time p50 {singles['cpu_seconds_p50']:.1f} s (all threads)"
    )
    if digests:
        print(
            f"topic digests ({digests['topics']} topics, {digests['facts']} facts): stated"
            f" {digests['stated']:.3f}, stated and cited to an article that states it"
            f" {digests['stated_and_cited']:.3f}, citations on those lines that point at an article"
            f" stating the fact {digests['citation_precision']:.3f}, article recall"
            f" {digests['article_recall']:.3f},"
            f" p50 {digests['seconds_p50']:.1f} s (article summaries cached across topics)"
        )
    data = {"split": args.split, "mode": args.mode, "model": model}
    data |= {"single": singles, "digests": digests}
    data["machine"] = machine()
    name = "summary" if args.mode == "shorten" else f"summary-{args.mode}"
    print(f"wrote {write_json(f'{name}.json', data)}")
    plot(singles["rows"], args.split, name)


def plot(rows: dict[str, dict[str, float]], split: str, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, row in rows.items():
        ax.scatter(row["compression"], row["coverage"], s=60)
        ax.annotate(
            name, (row["compression"], row["coverage"]), xytext=(6, 4), textcoords="offset points"
        )
    ax.axhline(0.60, color="grey", linestyle=":", linewidth=1)
    ax.axvline(0.25, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("compression (summary chars / article chars; lower is shorter)")
    ax.set_ylabel("key-fact coverage")
    ax.set_title(f"Summaries of BBC val.csv articles ({split} split); targets dotted")
    ax.set_xlim(left=0)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = results_path(f"{out}.png")
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
