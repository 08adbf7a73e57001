"""Extraction benchmark: Newsdesk's HTML pipeline against bare trafilatura on real pages.

Each page of `bench/data/extraction/` goes through what `index add URL` does with an HTML page
(`index.ingest.html.parse_html`: trafilatura, then Newsdesk's splitting and cleaning) and
through bare `trafilatura.bare_extraction` with the same options; both are scored against the page's
hand-made article body by word 4-gram shingles, the way the article-extraction benchmarks score
(see `extraction.py`). Every page holds one article, so a page cut into several is a false split.
Run from the repository root:

    .venv/bin/python bench/extract_bench.py                 # the dev pages (tune on these)
    .venv/bin/python bench/extract_bench.py --split test    # the held-out pages (score only)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlib import load_avg, machine, results_path, write_json
from extraction import (
    CORPUS,
    NGRAM,
    OPTIONS,
    Match,
    bare_trafilatura,
    load_pages,
    load_split,
    make_split,
    match,
    newsdesk,
    summary,
)
from rich.console import Console
from rich.table import Table

GOAL_RECALL_GAP = 0.005
console = Console(width=150)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--worst", type=int, default=10, help="How many losing pages to list.")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N pages.")
    parser.add_argument(
        "--make-split", action="store_true", help="Write split.json (once; refuses to overwrite)."
    )
    return parser.parse_args(argv)


def score_page(page: Any) -> dict[str, Any]:
    started = time.perf_counter()
    bare = bare_trafilatura(page)
    bare_s = time.perf_counter() - started
    ours = newsdesk(page, bare.title)
    ours_s = time.perf_counter() - started - bare_s
    row: dict[str, Any] = {"page_id": page.page_id, "url": page.url}
    for name, extraction, seconds in (("newsdesk", ours, ours_s), ("trafilatura", bare, bare_s)):
        m = match(page.truth, extraction.text)
        row[name] = {
            "precision": m.precision,
            "recall": m.recall,
            "tp_fp_fn": [m.tp, m.fp, m.fn],
            "articles": extraction.articles,
            "words": len(extraction.text.split()),
            "seconds": seconds,
        }
    return row


def _matches(rows: list[dict[str, Any]], name: str) -> list[Match]:
    return [Match(*row[name]["tp_fp_fn"]) for row in rows]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ours, bare = summary(_matches(rows, "newsdesk")), summary(_matches(rows, "trafilatura"))
    split = [r["page_id"] for r in rows if r["newsdesk"]["articles"] > 1]
    empty = [r["page_id"] for r in rows if r["newsdesk"]["articles"] == 0]
    kept = [
        r["newsdesk"]["recall"] / r["trafilatura"]["recall"]
        for r in rows
        if r["trafilatura"]["recall"]
    ]
    return {
        "pages": len(rows),
        "worst_page_recall_ratio": min(kept, default=1.0),
        "newsdesk": ours,
        "trafilatura": bare,
        "pages_split": len(split),
        "pages_split_ids": split,
        "pages_without_article": len(empty),
        "pages_without_article_ids": empty,
        "seconds": {
            name: sum(r[name]["seconds"] for r in rows) for name in ("newsdesk", "trafilatura")
        },
        "targets": {
            "f1_at_least_trafilatura": ours["f1"] >= bare["f1"],
            "recall_within_0.005": ours["recall"] >= bare["recall"] - GOAL_RECALL_GAP,
            "no_false_split": not split,
        },
    }


def losses(rows: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The pages where Newsdesk's F1 falls furthest below trafilatura's."""

    def f1(scores: dict[str, Any]) -> float:
        p, r = scores["precision"], scores["recall"]
        return 2 * p * r / (p + r) if p + r else 0.0

    gaps = [(f1(r["newsdesk"]) - f1(r["trafilatura"]), r) for r in rows]
    return [{"gap_f1": gap, **row} for gap, row in sorted(gaps, key=lambda g: g[0]) if gap < 0][
        :count
    ]


def print_report(name: str, result: dict[str, Any], worst: list[dict[str, Any]]) -> None:
    title = f"Extraction on {result['pages']} {name} pages (word {NGRAM}-gram shingles)"
    table = Table(title=title)
    for column in ("system", "F1", "precision", "recall", "pages split", "no article", "seconds"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for system in ("newsdesk", "trafilatura"):
        s = result[system]
        split = str(result["pages_split"]) if system == "newsdesk" else "-"
        empty = str(result["pages_without_article"]) if system == "newsdesk" else "-"
        table.add_row(
            system if system == "newsdesk" else "bare trafilatura",
            f"{s['f1']:.4f}",
            f"{s['precision']:.4f}",
            f"{s['recall']:.4f}",
            split,
            empty,
            f"{result['seconds'][system]:.1f}",
        )
    console.print(table)
    console.print(
        f"worst page: Newsdesk kept {result['worst_page_recall_ratio']:.0%} of what trafilatura "
        f"kept (recall ratio)\ntargets: {result['targets']}   load average {load_avg()}"
    )
    losing = Table(title="Pages where Newsdesk loses most (F1)", title_justify="left")
    for column in ("page", "F1 gap", "P ours/bare", "R ours/bare", "articles", "url"):
        losing.add_column(column)
    for row in worst:
        ours, bare = row["newsdesk"], row["trafilatura"]
        losing.add_row(
            row["page_id"][:10],
            f"{row['gap_f1']:+.3f}",
            f"{ours['precision']:.2f}/{bare['precision']:.2f}",
            f"{ours['recall']:.2f}/{bare['recall']:.2f}",
            str(ours["articles"]),
            row["url"][:70],
        )
    console.print(losing)


def plot(name: str, rows: list[dict[str, Any]], result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    width = 0.38
    metrics = ("f1", "precision", "recall")
    for offset, system in ((-width / 2, "newsdesk"), (width / 2, "trafilatura")):
        values = [result[system][m] for m in metrics]
        left.bar([i + offset for i in range(3)], values, width, label=system)
    left.set_xticks(range(3), metrics)
    low = min(result[s][m] for s in ("newsdesk", "trafilatura") for m in metrics)
    left.set_ylim(max(0.0, low - 0.05), 1.0)
    left.set_title(f"{name}: {result['pages']} pages, {result['pages_split']} split")
    left.legend()
    bare = [r["trafilatura"]["recall"] for r in rows]
    ours = [r["newsdesk"]["recall"] for r in rows]
    right.scatter(bare, ours, s=12, alpha=0.6)
    right.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    right.set_xlabel("bare trafilatura recall")
    right.set_ylabel("Newsdesk recall")
    right.set_title("per page (below the line: Newsdesk lost text)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pages = load_pages()
    if args.make_split:
        path = CORPUS / "split.json"
        if path.exists():
            console.print(f"{path} exists: the split is made once and never redrawn")
            return 1
        import json

        path.write_text(json.dumps(make_split(list(pages)), indent=1) + "\n", encoding="utf-8")
        return 0
    split = load_split()
    ids = sorted(pages) if args.split == "all" else split[args.split]
    ids = ids[: args.limit] if args.limit else ids
    rows = [score_page(pages[page_id]) for page_id in ids]
    result = summarise(rows)
    worst = losses(rows, args.worst)
    print_report(args.split, result, worst)
    data = {
        "split": args.split,
        "options": OPTIONS,
        "machine": machine(),
        **result,
        "worst": worst,
        "per_page": rows,
    }
    json_path = write_json(f"extract_bench_{args.split}.json", data)
    png = results_path(f"extract_bench_{args.split}.png")
    plot(args.split, rows, result, png)
    console.print(f"wrote {json_path} and {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
