"""Recency never pushes a relevant article out: retrieval hit@1/@3 of the undated questions of
`eval/dev.jsonl` with and without the date-aware search.

    .venv/bin/python eval/dates/undated_hits.py [--data-dir data/eval-train]

`--data-dir` is `make eval`'s index (train.csv + the samples; `make eval-dev` builds it). Three
columns: the retriever as it was (`Retriever.search(question)`), the shipped path
(`Dates.search`) on that index (no article has a date), and the shipped path on a copy of the
index in which every article has a date (seeded, uniform over September 2004 – April 2005, every
sixth left undated; only the catalog's `published` column changes, the vectors are the same)
asked on 30 April 2005, so "the newer of two disagreeing articles leads" is in play. The hit is
the eval's own: the gold title among the first 1 / 3 articles retrieved.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from bot.engine.dated import Dates
from bot.engine.when import read_question
from index.models import Retrieved
from newsdesk.app import build_searching_app
from newsdesk.evaluate import EvalQuestion, load_questions
from newsdesk.settings import Settings

SEED = 1907
ASKED = date(2005, 4, 30)
FIRST, LAST = date(2004, 9, 1), date(2005, 4, 30)


def titles(hits: Sequence[Retrieved]) -> list[str]:
    return list(dict.fromkeys(h.article.title.casefold() for h in hits))


def hit_rates(
    questions: Sequence[EvalQuestion], search: Callable[[str], Sequence[Retrieved]]
) -> tuple[float, float, list[list[str]]]:
    at1 = at3 = 0
    ranked = []
    for q in questions:
        got = titles(search(q.question))
        ranked.append(got)
        wanted = (q.article or "").casefold()
        at1 += any(wanted in t for t in got[:1])
        at3 += any(wanted in t for t in got[:3])
    return at1 / len(questions), at3 / len(questions), ranked


def dated_copy(source: Path, target: Path) -> int:
    """`source` copied to `target` with a seeded date on every article; how many were dated."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("write.lock"))
    rng = random.Random(SEED)
    with sqlite3.connect(target / "catalog.sqlite3") as db:
        ids = [row[0] for row in db.execute("SELECT article_id FROM articles ORDER BY article_id")]
        span = (LAST - FIRST).days
        days = [FIRST + timedelta(days=rng.randrange(span + 1)) for _ in ids]
        rows = [
            (None if i % 6 == 5 else d.isoformat(), a) for i, (a, d) in enumerate(zip(ids, days))
        ]
        db.executemany("UPDATE articles SET published = ? WHERE article_id = ?", rows)
    return sum(1 for p, _ in rows if p)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data/eval-train"))
    parser.add_argument("--questions", type=Path, default=Path("eval/dev.jsonl"))
    args = parser.parse_args()
    questions = [q for q in load_questions(args.questions) if q.answerable]
    timed = [q.id for q in questions if read_question(q.question, ASKED).dated]
    print(f"{len(questions)} answerable questions; read as dated: {timed or 'none'}")

    plain_app = build_searching_app(Settings(data_dir=args.data_dir))
    retriever = plain_app.retriever
    before = hit_rates(questions, retriever.search)
    undated = Dates(retriever, lambda: ASKED)
    after = hit_rates(questions, lambda q: undated.search(q, q).hits)

    copy = args.data_dir.with_name(args.data_dir.name + "-dated")
    dated_n = dated_copy(args.data_dir, copy)
    dated_app = build_searching_app(Settings(data_dir=copy))
    dates = Dates(dated_app.retriever, lambda: ASKED)
    dated = hit_rates(questions, lambda q: dates.search(q, q).hits)
    moved = sum(a[:1] != b[:1] for a, b in zip(before[2], dated[2]))
    out_of_3 = sum(set(a[:3]) != set(b[:3]) for a, b in zip(before[2], dated[2]))

    print(f"\n{args.questions}, {len(questions)} answerable questions (retrieval only)\n")
    print("| | retriever as it was | with dates, undated index | with dates, dated index |")
    print("|---|---|---|---|")
    print(f"| hit@1 | {before[0]:.3f} | {after[0]:.3f} | {dated[0]:.3f} |")
    print(f"| hit@3 | {before[1]:.3f} | {after[1]:.3f} | {dated[1]:.3f} |")
    print(
        f"\ndated copy: {dated_n} of the articles dated; first article changed for {moved} "
        f"questions, the set of the first three for {out_of_3}"
    )


if __name__ == "__main__":
    main()
