"""Replay an evaluation with the chat model's recorded replies: the checks after the model, fast.

`record` runs a question set through the real answering path and saves every reply of the chat
model, keyed by the exact messages it was sent; `replay` runs the set again with a stand-in model
that returns those replies. A change to what follows the model (the fact check, near misses,
quotes) is then scored on the whole set in about a minute with no model call. A question whose
prompt changed (a change that moves the evidence ranking changes what the model is shown) has no
recorded reply: it is listed, and the real `newsdesk eval` is the number that counts.

    .venv/bin/python eval/replay.py record eval/dev.jsonl data/replies/dev.json
    .venv/bin/python eval/replay.py replay eval/dev.jsonl data/replies/dev.json

Round 11 used it to try the grounding changes in `docs/measurements.md` on dev + dev2.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.conversation import check_question
from bot.engine.model import ChatModel, Message, TextCallback
from newsdesk.app import build_desk, build_searching_app
from newsdesk.evaluate import QuestionResult, load_questions, report_json, run_eval
from newsdesk.settings import Settings

# What a stand-in says to a prompt nobody recorded: the model's own "no answer" reply.
UNRECORDED = "Not stated."


def prompt_key(messages: Sequence[Message], max_tokens: int) -> str:
    """One prompt, exactly: its messages and its token budget."""
    text = json.dumps([list(messages), max_tokens], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Recording:
    """A chat model that keeps every reply of the model it wraps."""

    def __init__(self, inner: ChatModel) -> None:
        self._inner = inner
        self.name, self.n_ctx = inner.name, inner.n_ctx
        self.replies: dict[str, str] = {}

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        reply = self._inner.complete(messages, max_tokens=max_tokens, on_text=on_text, stop=stop)
        self.replies[prompt_key(messages, max_tokens)] = reply
        return reply

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


class Replaying:
    """A chat model that gives the recorded reply to each prompt it has seen before."""

    name = "replay"

    def __init__(self, replies: dict[str, str], n_ctx: int) -> None:
        self._replies = replies
        self.n_ctx = n_ctx
        self.unrecorded = 0

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        reply = self._replies.get(prompt_key(messages, max_tokens))
        if reply is None:
            self.unrecorded += 1
            return UNRECORDED
        return reply

    def count_tokens(self, text: str) -> int:
        return len(text.split())  # only summaries budget by tokens; an evaluation asks questions


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "replay"))
    parser.add_argument("questions", type=Path, help="a JSONL question set")
    parser.add_argument("replies", type=Path, help="the recorded replies (JSON)")
    args = parser.parse_args(argv)
    settings = Settings()
    app = build_searching_app(settings)
    model: Recording | Replaying
    if args.mode == "record":
        model = Recording(app.model)
    else:
        model = Replaying(json.loads(args.replies.read_text(encoding="utf-8")), settings.n_ctx)
    desk = build_desk(settings, app.index, app.retriever, lambda: model)
    items = [
        replace(q, question=check_question(q.question, settings.max_question_chars))
        for q in load_questions(args.questions)
    ]
    unreplayed: list[str] = []
    seen = [0]  # unrecorded prompts before the current question

    def progress(result: QuestionResult, done: int, total: int) -> None:
        if isinstance(model, Replaying) and model.unrecorded > seen[0]:
            unreplayed.append(result.question.id)
            seen[0] = model.unrecorded

    report = asyncio.run(run_eval(desk, items, on_progress=progress))
    if isinstance(model, Recording):
        args.replies.parent.mkdir(parents=True, exist_ok=True)
        args.replies.write_text(json.dumps(model.replies, indent=0), encoding="utf-8")
    metrics = report_json(report)["metrics"]
    print(json.dumps({"metrics": metrics, "unrecorded": unreplayed}, indent=2))


if __name__ == "__main__":
    main()
