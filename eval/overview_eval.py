"""Overview questions (issue 20, item 3): today's `ask` path against the digest answer.

    NEWSDESK_N_THREADS=1 NEWSDESK_EMBED_THREADS=1 nice -n 19 .venv/bin/python eval/overview_eval.py
        [--split dev|test|all] [--data-dir /tmp/newsdesk-bench-val] [--limit N] [--out FILE]

(--out defaults to bench/results/overview-<split>.json.) Each topic of `eval/digest_topics.jsonl`
(22 topics over BBC val.csv, each fact with the rows of the articles that state it) is asked as
one overview question in a template fixed before any result was seen, `TEMPLATE`, twice: through
today's path (`AnswerService` without a digester, as before issue 20's item 3) and through the
shipped one (`build_desk`: overview questions answered by the digest of their subject). For each
path it reports the share of the topic's facts the answer states (the summary bench's matcher,
`newsdesk.summary_eval.digest_coverage`) and states while citing an article that states it, the
distinct articles cited, the share of answers whose every citation on a line stating a fact
points at an article that states that fact (and the share of such citations overall), the modes,
and latency p50. The index is the summary bench's over val.csv (built in --data-dir when empty).
Tune on `dev` only; `test` is reported once with the final code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.answer import AnswerService  # noqa: E402
from bot.engine.dated import Dates  # noqa: E402
from bot.engine.evidence import Evidence, Weights  # noqa: E402
from bot.types import Answer  # noqa: E402
from index.ingest.load import load_source  # noqa: E402
from newsdesk.app import App, asking_day, build_desk  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402
from newsdesk.summary_eval import TopicFacts, digest_coverage, load_topics  # noqa: E402

TEMPLATE = "What has been said about {topic}?"  # fixed before the first run; never tuned
CORPUS = REPO.parent / "shared" / "corpus" / "bbc"
PATHS = ("today", "overview")


def rows_by_id(files: Sequence[str]) -> dict[str, int]:
    """The val.csv row of each article id, as `newsdesk index add` (and the bench) loads them."""
    rows: dict[str, int] = {}
    for file in files:
        articles = load_source(str(CORPUS / Path(file).name), max_bytes=1 << 30, timeout=10)
        rows |= {a.article_id: row for row, a in enumerate(articles)}
    return rows


def todays_path(app: App) -> Callable[[str], Answer]:
    """`ask` as it was: the same engine and settings, no digester."""
    s = app.settings
    weights = Weights.load().for_embedder(app.index.embedder.name)
    service = AnswerService(
        app.retriever,
        lambda: app.model,
        Evidence(app.index.embedder.embed, weights),
        max_tokens=s.max_tokens,
        dates=Dates(app.retriever, asking_day(s)),
    )
    return lambda question: service.answer(question)


def shipped_path(app: App) -> Callable[[str], Answer]:
    """`ask` as the composition root builds it now."""
    desk = build_desk(app.settings, app.index, app.retriever, lambda: app.model)
    return lambda question: asyncio.run(desk.ask(question))


def score(
    topic: TopicFacts, answer: Answer, rows: dict[str, int], seconds: float
) -> dict[str, Any]:
    row_of = {s.n: rows.get(s.article_id, -1) for s in answer.sources}
    stated, cited, (right, total) = digest_coverage(topic.facts, answer.text, row_of)
    return {
        "id": topic.id,
        "mode": answer.mode,
        "stated": stated,
        "stated_and_cited": cited,
        "articles_cited": len(set(answer.citations)),
        "citations_right": right,
        "citations_on_facts": total,
        "seconds": seconds,
        "answer": answer.text,
        "cited_rows": sorted({row_of[n] for n in answer.citations if n in row_of}),
    }


def run(
    ask: Callable[[str], Answer], topics: Sequence[TopicFacts], rows: dict[str, int], name: str
) -> list[dict[str, Any]]:
    results = []
    for topic in topics:
        question = TEMPLATE.format(topic=topic.topic)
        started = time.perf_counter()
        answer = ask(question)
        results.append(score(topic, answer, rows, time.perf_counter() - started))
        r = results[-1]
        print(
            f"[{name}] {topic.id} ({r['mode']}, {r['seconds']:.1f} s) stated {r['stated']:.2f},"
            f" cited rows {r['cited_rows']}\n  {question}\n  " + answer.text.replace("\n", "\n  "),
            file=sys.stderr,
            flush=True,
        )
    return results


def summary(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    with_citations = [r for r in results if r["citations_on_facts"]]
    return {
        "topics": len(results),
        "stated": statistics.mean(r["stated"] for r in results),
        "stated_and_cited": statistics.mean(r["stated_and_cited"] for r in results),
        "articles_cited_mean": statistics.mean(r["articles_cited"] for r in results),
        "two_or_more_articles": sum(r["articles_cited"] >= 2 for r in results) / len(results),
        "all_citations_right": sum(
            r["citations_right"] == r["citations_on_facts"] for r in with_citations
        )
        / max(len(with_citations), 1),
        "answers_with_cited_facts": len(with_citations),
        "citation_precision": sum(r["citations_right"] for r in results)
        / max(sum(r["citations_on_facts"] for r in results), 1),
        "modes": dict(Counter(r["mode"] for r in results)),
        "seconds_p50": statistics.median(r["seconds"] for r in results),
    }


def report(split: str, summaries: dict[str, dict[str, Any]]) -> None:
    print(f"overview questions ({split}): {TEMPLATE!r}")
    print(
        f"{'path':9} {'topics':>6} {'stated':>7} {'st+cited':>8} {'articles':>8} {'≥2 art':>6}"
        f" {'all right':>9} {'cit. prec':>9} {'p50 s':>6}  modes"
    )
    for name, s in summaries.items():
        print(
            f"{name:9} {s['topics']:6d} {s['stated']:7.3f} {s['stated_and_cited']:8.3f}"
            f" {s['articles_cited_mean']:8.2f} {s['two_or_more_articles']:6.2f}"
            f" {s['all_citations_right']:9.2f} {s['citation_precision']:9.3f}"
            f" {s['seconds_p50']:6.1f}  {s['modes']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=Path, default=REPO / "eval" / "digest_topics.jsonl")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/newsdesk-bench-val"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N topics")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    topics = [t for t in load_topics(args.topics) if args.split in ("all", t.split)]
    topics = topics[: args.limit or None]
    app = App(Settings(data_dir=args.data_dir))
    files = sorted({t.file for t in topics})
    if app.index.stats().articles == 0:
        for file in files:
            app.index.add(load_source(str(CORPUS / Path(file).name), max_bytes=1 << 30, timeout=10))
    rows = rows_by_id(files)
    makers = {"today": todays_path, "overview": shipped_path}
    results = {name: run(makers[name](app), topics, rows, name) for name in args.paths}
    summaries = {name: summary(r) for name, r in results.items()}
    report(args.split, summaries)
    out = args.out or REPO / "bench" / "results" / f"overview-{args.split}.json"
    data = {"split": args.split, "template": TEMPLATE, "model": app.model.name}
    data |= {"summary": summaries, "results": results}
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
