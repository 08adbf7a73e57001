"""The answering core: retrieve → number the sources → prompt → model → verify → `Answer`.

Synchronous and Discord-free; transports reach it through `bot.desk.Desk`, which runs it off the
event loop behind the model queue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.coverage import about, answer_kind, best_sentences, covers, new_facts
from bot.grounding import anchored, parse_citations, strip_citations, support, unsupported_facts
from bot.model import ChatModel, TextCallback
from bot.types import Answer, Source, Turn
from index.errors import NewsdeskError
from index.models import Retrieved
from index.retrieve import Retriever
from prompts import render

log = logging.getLogger(__name__)

NOT_COVERED = "The indexed articles don't cover that."
MIN_SUPPORT = 0.6
# Answers are one or two sentences: a blank line means the model has started to ramble or loop.
ANSWER_STOP = ("\n\n",)
# Chat-template markers and citation look-alikes in article text could forge structure.
_FORGERY = re.compile(
    r"<\|[^|>]{1,40}\|>|\[(\d{1,2})\]|^\s*(system|assistant|user)\s*:", re.I | re.M
)


class QuestionError(NewsdeskError):
    """The question is empty or longer than the configured limit."""


def check_question(question: str, max_chars: int) -> str:
    """The question with its whitespace folded; `QuestionError` when empty or too long."""
    question = " ".join(question.split())
    if not question:
        raise QuestionError("ask a question about the indexed news, e.g. `what happened in …?`")
    if len(question) > max_chars:
        raise QuestionError(
            f"that question is {len(question)} characters long; the limit is {max_chars}"
        )
    return question


@dataclass(frozen=True)
class Numbered:
    """The sources of one answer: articles numbered 1..n in rank order, with their passages."""

    sources: tuple[Source, ...]
    passages: tuple[tuple[int, str], ...]  # (source number, passage text), rank order

    def texts_of(self, numbers: Sequence[int]) -> list[str]:
        return [text for n, text in self.passages if n in numbers]


class AnswerService:
    def __init__(
        self,
        retriever: Retriever,
        model: Callable[[], ChatModel],
        *,
        max_tokens: int = 200,
        max_question_chars: int = 500,
        history_turns: int = 3,
    ) -> None:
        self._retriever = retriever
        self._model = model
        self._max_tokens = max_tokens
        self._max_question_chars = max_question_chars
        self._history_turns = history_turns

    def answer(
        self, question: str, history: Sequence[Turn] = (), on_text: TextCallback | None = None
    ) -> Answer:
        question = check_question(question, self._max_question_chars)
        turns = list(history)[-self._history_turns :] if self._history_turns else []
        query = " ".join([t.question for t in turns[-1:]] + [question])
        hits = self._retriever.search(query)
        if not hits or not covers(query, hits):  # decided from retrieval: no model call
            return Answer(question, NOT_COVERED, False, (), (), covered=False, used_model=False)
        numbered = number_sources(hits, question)
        messages = [
            {"role": "system", "content": render("answer_system")},
            {
                "role": "user",
                "content": render(
                    "answer_user",
                    history=_history_block(turns),
                    sources=_sources_block(numbered),
                    question=question,
                ),
            },
        ]
        raw = self._model().complete(
            messages, max_tokens=self._max_tokens, on_text=on_text, stop=ANSWER_STOP
        )
        return verify(question, raw, numbered)


def number_sources(hits: Sequence[Retrieved], question: str) -> Numbered:
    """One source per article, numbered in rank order; passages keep their article's number."""
    numbers: dict[str, int] = {}
    passages: list[tuple[int, str]] = []
    for hit in hits:
        n = numbers.setdefault(hit.article.article_id, len(numbers) + 1)
        passages.append((n, hit.chunk.text))
    sources: list[Source] = []
    for hit in hits:
        n = numbers[hit.article.article_id]
        if n != len(sources) + 1:
            continue
        texts = [t for m, t in passages if m == n]
        quote = best_sentences(question, texts, limit=1)
        sources.append(
            Source(
                n=n,
                article_id=hit.article.article_id,
                title=hit.article.title,
                source=hit.article.source,
                url=hit.article.url,
                score=hit.score,
                quote=quote[0][1] if quote else texts[0][:300],
            )
        )
    return Numbered(tuple(sources), tuple(passages))


def verify(question: str, raw: str, numbered: Numbered) -> Answer:
    """Keep the model's answer only if its citations and facts check out; else quote the sources."""
    valid = [s.n for s in numbered.sources]
    text, cited = parse_citations(raw, valid)
    all_texts = [t for _, t in numbered.passages]
    if text and not cited:  # uncited but possibly right: cite the sources that support it
        cited = tuple(n for n in valid if not unsupported_facts(text, numbered.texts_of([n])))[:1]
        text = f"{text} [{cited[0]}]" if cited else text
    cited_texts = numbered.texts_of(cited) or all_texts
    problems = unsupported_facts(text, cited_texts)
    if (
        text
        and cited
        and not problems
        and support(text, cited_texts) >= MIN_SUPPORT
        and anchored(text, cited_texts, question)
        and answers_kind(text, question)
        and all(about(question, t) for t in cited_texts)
    ):
        return Answer(question, text, True, cited, numbered.sources)
    log.info("grounding fallback unsupported=%d cited=%s", len(problems), cited)
    return extractive_answer(question, numbered)


def answers_kind(text: str, question: str) -> bool:
    """An answer to "how much"/"who"/"when" must state an amount/name/date the question lacks."""
    kind = answer_kind(question)
    return kind is None or bool(new_facts(kind, strip_citations(text), question))


def extractive_answer(question: str, numbered: Numbered) -> Answer:
    # Quote from passages about the question's names and numbers when there are any.
    passages = [p for p in numbered.passages if about(question, p[1])] or list(numbered.passages)
    ranked = best_sentences(question, [t for _, t in passages], limit=2)
    parts: list[str] = []
    cited: list[int] = []
    for index, sentence in ranked:
        n = passages[index][0]
        parts.append(f"“{sentence}” [{n}]")
        if n not in cited:
            cited.append(n)
    text = " ".join(parts) if parts else NOT_COVERED
    return Answer(question, text, bool(parts), tuple(cited), numbered.sources)


def sanitise(text: str) -> str:
    """Article text is data: defuse chat-template markers, role labels and fake citations."""
    return _FORGERY.sub(lambda m: f"({m.group(1)})" if m.group(1) else "", text)


def _sources_block(numbered: Numbered) -> str:
    titles = {s.n: s.title for s in numbered.sources}
    return "\n\n".join(
        f"[{n}] {sanitise(titles[n])}\n{sanitise(text)}" for n, text in numbered.passages
    )


def _history_block(turns: Sequence[Turn]) -> str:
    if not turns:
        return ""
    lines = [f"Earlier question: {t.question}\nEarlier answer: {t.answer}" for t in turns]
    return "\n".join(lines) + "\n"
