"""The date questions that are now overview questions ("What's the latest on UK house prices?"):
today's single-answer path against the digest the shipped path gives them.

    NEWSDESK_N_THREADS=1 nice -n 19 .venv/bin/python eval/dates/overview_latest.py \
        [--questions eval/dates/questions.jsonl] [--data-dir data/dates/index]

`date_eval.py` builds `AnswerService` itself, without the digester, so it measures the
single-answer path; this asks the questions `bot.engine.overview.read_overview` catches through
`build_desk` (on each question's asking day, `NEWSDESK_NOW`) and through that path, and prints
for each whether an expected string is in the answer and whether its first cited article is the
gold one (the newest on the subject by the asking day). The index is `date_eval.py`'s.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from date_questions import HERE, load

from bot.engine.answer import AnswerService
from bot.engine.dated import Dates
from bot.engine.evidence import Evidence, Weights
from bot.engine.overview import read_overview
from bot.types import Answer
from newsdesk.app import App, build_desk
from newsdesk.settings import Settings


def first_cited(answer: Answer) -> str:
    return next((s.title for s in answer.sources if s.n in answer.citations[:1]), "")


def ask_both(question: str, settings: Settings) -> list[tuple[str, Answer]]:
    """`question` through the single-answer path and through the shipped one."""
    app = App(settings)
    weights = Weights.load().for_embedder(app.embedder.name)
    day = settings.now
    assert day is not None
    today = AnswerService(
        app.retriever,
        lambda: app.model,
        Evidence(app.embedder.embed, weights),
        dates=Dates(app.retriever, lambda: day),
    )
    desk = build_desk(settings, app.index, app.retriever, lambda: app.model)
    return [("today", today.answer(question)), ("overview", asyncio.run(desk.ask(question)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    parser.add_argument("--data-dir", type=Path, default=Path("data/dates/index"))
    args = parser.parse_args()
    caught = [q for q in load(args.questions) if read_overview(q.question, q.asked)]
    scores = {"today": [0, 0], "overview": [0, 0]}  # expected stated, gold article cited first
    for q in caught:
        for name, answer in ask_both(q.question, Settings(data_dir=args.data_dir, now=q.asked)):
            stated = any(e.casefold() in answer.text.casefold() for e in q.expected)
            gold = q.article.casefold() in first_cited(answer).casefold()
            scores[name][0] += int(stated)
            scores[name][1] += int(gold)
            print(f"{q.id} {name:8} {answer.mode:9} expected {stated!s:5} gold first {gold}")
    n = len(caught)
    for name, (n_stated, n_gold) in scores.items():
        print(f"{name}: expected stated {n_stated}/{n}, gold first {n_gold}/{n}")


if __name__ == "__main__":
    main()
