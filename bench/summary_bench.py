"""How well summaries cover an article's key facts, and how short they are.

Reads `eval/summary_facts.jsonl` (hand-written key facts of BBC articles, split dev/test once at
random) and the articles themselves from `../shared/corpus/bbc/` at run time, then scores:

- lead-3: the article's first three sentences (the plain baseline);
- old: today's summary before this change: the model's summary when it passes the checks,
  else lead-3;
- model: `NEWSDESK_SUMMARY_MODE=model`: the model's summary when it passes, else extractive;
- extractive: the default (`bot.engine.summarise.extractive_summary`).

The model runs once per article (its checked summary feeds both "old" and "model");
`--no-model` skips it. Prints a table, writes bench/results/summary.json and summary.png.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT, load_avg, machine, results_path, write_json
from rich.console import Console
from rich.table import Table

from bot.engine.summarise import Summariser, extractive_summary, lead
from index.ingest.load import load_source
from index.models import Article
from newsdesk.app import App
from newsdesk.settings import Settings
from newsdesk.summary_eval import compression, coverage, load_facts

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "bbc"
SUMMARISERS = ("lead-3", "old", "model", "extractive")


def articles_of(file: str) -> list[Article]:
    return load_source(str(CORPUS / Path(file).name), max_bytes=1 << 30, timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=REPO_ROOT / "eval" / "summary_facts.jsonl")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--no-model", action="store_true", help="skip the model summaries")
    args = parser.parse_args(argv)
    items = [i for i in load_facts(args.facts) if args.split in ("all", i.split)]
    corpora = {file: articles_of(file) for file in {i.file for i in items}}
    settings = Settings()
    summariser = None
    if not args.no_model:
        model = App(settings).model
        summariser = Summariser(  # no catalog: the bench never looks articles up or caches
            None,  # type: ignore[arg-type]
            lambda: model,
            max_tokens=settings.max_tokens,
            mode="model",
        )
    scores: dict[str, list[tuple[float, float]]] = {name: [] for name in SUMMARISERS}
    model_seconds: list[float] = []
    passed = 0
    for item in items:
        article = corpora[item.file][item.row]
        outputs = {"lead-3": lead(article.text), "extractive": extractive_summary(article.text)}
        if summariser is not None:
            started = time.perf_counter()
            checked = summariser.checked_model_summary(article)
            model_seconds.append(time.perf_counter() - started)
            passed += checked is not None
            outputs["old"] = checked or outputs["lead-3"]
            outputs["model"] = checked or outputs["extractive"]
        for name, text in outputs.items():
            scores[name].append((coverage(item.facts, text), compression(text, article.text)))
        print(f"row {item.row} ({item.split}) done", file=sys.stderr, flush=True)
    report(args, items, scores, model_seconds, passed)
    return 0


def report(
    args: argparse.Namespace,
    items: list[Any],
    scores: dict[str, list[tuple[float, float]]],
    model_seconds: list[float],
    passed: int,
) -> None:
    facts = sum(len(i.facts) for i in items)
    table = Table(
        title=f"Summaries of {len(items)} BBC articles ({args.split}, {facts} key facts); "
        f"load average {load_avg()}",
        title_justify="left",
    )
    for column in ("summariser", "key-fact coverage", "compression (chars)", "model used"):
        table.add_column(column, justify="left" if column == "summariser" else "right")
    rows: dict[str, dict[str, float]] = {}
    for name, pairs in scores.items():
        if not pairs:
            continue
        rows[name] = {
            "coverage": statistics.mean(c for c, _ in pairs),
            "compression": statistics.mean(r for _, r in pairs),
        }
        used = f"{passed}/{len(pairs)}" if name in ("old", "model") else "-"
        table.add_row(
            name, f"{rows[name]['coverage']:.3f}", f"{rows[name]['compression']:.3f}", used
        )
    Console().print(table)
    if model_seconds:
        print(f"model: {statistics.median(model_seconds):.1f} s an article (median)")
    data = {
        "split": args.split,
        "articles": len(items),
        "facts": facts,
        "rows": rows,
        "model_passed": passed,
        "model_seconds_median": statistics.median(model_seconds) if model_seconds else None,
        "machine": machine(),
    }
    print(f"wrote {write_json('summary.json', data)}")
    plot(rows, args.split)


def plot(rows: dict[str, dict[str, float]], split: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, row in rows.items():
        ax.scatter(row["compression"], row["coverage"], s=60)
        ax.annotate(
            name, (row["compression"], row["coverage"]), xytext=(6, 4), textcoords="offset points"
        )
    ax.set_xlabel("compression (summary chars / article chars; lower is shorter)")
    ax.set_ylabel("key-fact coverage")
    ax.set_title(f"Summaries on the {split} articles")
    ax.set_xlim(left=0)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = results_path("summary.png")
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
