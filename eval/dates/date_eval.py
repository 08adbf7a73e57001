"""Measure the date questions: the answering path with dates against the same path without them.

    .venv/bin/python eval/dates/date_eval.py [--split dev|test] [--data-dir data/dates/index]

Builds (once; re-runs skip unchanged articles) an index of `data/dates/corpus.csv`
(`eval/dates/dated_corpus.py`) with the configured embedder and model, then asks every question of
the split twice, each on its own asking day: through `Dates` (the shipped path) and through a
stand-in that ignores time words, as Newsdesk answered before dates were used. Prints a table per
kind:

- accuracy: an expected string is in the answer, and it is not a refusal (windowed, latest,
  undated);
- cited@1: the answer's first cited source is the gold article (the one in the window, the
  newest); hit@3: the gold article is among the first three sources;
- stale avoided (stale questions): nothing was answered from articles outside the asked window;
  stale note right: the answer says the newest article is from the right day.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from date_questions import CORPUS, HERE, KINDS, DateQuestion, load
from dated_corpus import write

from bot.engine.answer import AnswerService
from bot.engine.dated import Dates, Found
from bot.engine.evidence import Evidence, Weights
from bot.engine.when import Asked
from bot.types import Answer
from index.dates import Window
from index.ingest.load import load_source
from newsdesk.app import build_searching_app
from newsdesk.settings import Settings


class Undated(Dates):
    """The path as it was before dates: time words are search words, no window, no dates said."""

    def search(self, question: str, query: str) -> Found:
        return Found(self._retriever.search(query), Asked(Window(), question))

    def dated(self, answer: Answer, found: Found) -> Answer:
        return answer


@dataclass(frozen=True)
class Scored:
    question: DateQuestion
    answer: str
    correct: bool
    cited_gold: bool
    hit_at_3: bool
    stale_avoided: bool
    stale_note: bool


def score(q: DateQuestion, answer: Answer) -> Scored:
    refused = answer.mode == "refusal"
    text = answer.text.casefold()
    titles = [s.title.casefold() for s in answer.sources]
    cited = [s.title.casefold() for s in answer.sources if s.n in answer.citations]
    gold = q.article.casefold()
    return Scored(
        q,
        answer.text,
        correct=not refused and any(e.casefold() in text for e in q.expected),
        cited_gold=bool(cited) and gold in cited[0],
        hit_at_3=any(gold in t for t in titles[:3]),
        stale_avoided=refused,
        stale_note=f"newest article on this is from {q.stale_date}".casefold() in text,
    )


def ask_all(
    questions: list[DateQuestion],
    before: Callable[[date], AnswerService],
    after: Callable[[date], AnswerService],
) -> tuple[list[Scored], list[Scored]]:
    """Each question through both paths, one after the other, printing as it goes."""
    results: tuple[list[Scored], list[Scored]] = ([], [])
    for q in questions:
        for name, make, out in (("before", before, results[0]), ("after", after, results[1])):
            started = time.perf_counter()
            answer = make(q.asked).answer(q.question)
            out.append(score(q, answer))
            r = out[-1]
            mark = "ok" if (r.stale_note if q.kind == "stale" else r.correct) else "--"
            took = time.perf_counter() - started
            print(f"  {mark} {name:6} {q.id} ({took:.1f}s): {answer.text[:100]!r}", flush=True)
    return results


def rate(flags: list[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f}" if flags else "-"


def pair(before: list[Scored], after: list[Scored], get: Callable[[Scored], bool]) -> str:
    if not before:
        return "-"
    return f"{rate([get(r) for r in before])} → {rate([get(r) for r in after])}"


def table(before: list[Scored], after: list[Scored]) -> str:
    lines = [
        "| kind | n | accuracy | cited@1 | hit@3 | stale avoided | stale note right |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in (*KINDS, "all"):
        b = [r for r in before if kind in ("all", r.question.kind)]
        a = [r for r in after if kind in ("all", r.question.kind)]
        b_ans, a_ans = (
            [r for r in b if r.question.kind != "stale"],
            [r for r in a if r.question.kind != "stale"],
        )
        b_st, a_st = (
            [r for r in b if r.question.kind == "stale"],
            [r for r in a if r.question.kind == "stale"],
        )
        cells = (
            pair(b_ans, a_ans, lambda r: r.correct),
            pair(b_ans, a_ans, lambda r: r.cited_gold),
            pair(b_ans, a_ans, lambda r: r.hit_at_3),
            pair(b_st, a_st, lambda r: r.stale_avoided),
            pair(b_st, a_st, lambda r: r.stale_note),
        )
        lines.append(f"| {kind} | {len(a)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n(each cell: before → after; before = the path without dates)"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--data-dir", type=Path, default=Path("data/dates/index"))
    args = parser.parse_args()
    if not CORPUS.exists():
        write(CORPUS)
    settings = Settings(data_dir=args.data_dir)
    app = build_searching_app(settings)
    report = app.index.add(load_source(str(CORPUS), max_bytes=50_000_000, timeout=10))
    print(f"index {args.data_dir}: added {report.added}, unchanged {report.unchanged}")
    weights = Weights.load().for_embedder(app.embedder.name)
    evidence = Evidence(app.embedder.embed, weights)

    def service(kind: type[Dates]) -> Callable[[date], AnswerService]:
        def make(day: date) -> AnswerService:
            dates = kind(app.retriever, lambda: day)
            return AnswerService(
                app.retriever,
                lambda: app.model,
                evidence,
                max_tokens=settings.max_tokens,
                dates=dates,
            )

        return make

    questions = load(HERE / f"{args.split}.jsonl")
    print(f"{args.split}: {len(questions)} questions, before (no dates) and after (dates)")
    before, after = ask_all(questions, service(Undated), service(Dates))
    print(f"\n{args.split} split, {len(questions)} questions\n")
    print(table(before, after))


if __name__ == "__main__":
    main()
