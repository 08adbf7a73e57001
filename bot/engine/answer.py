"""The answering engine: retrieve → coverage → number the sources → prompt → model → grounding.

Synchronous and transport-free: the async front (`bot.desk.Desk`) checks the question, trims the
history and runs this off the event loop behind the model queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.engine.coverage import best_sentences, covers
from bot.engine.grounding import NOT_COVERED, Numbered, verify
from bot.engine.model import ChatModel, TextCallback
from bot.engine.text import defuse
from bot.types import Answer, Source, Turn
from index.models import Retrieved
from index.retrieve import Retriever
from prompts import render

# Answers are one or two sentences: a blank line means the model has started to ramble or loop.
ANSWER_STOP = ("\n\n",)


class AnswerService:
    def __init__(
        self,
        retriever: Retriever,
        model: Callable[[], ChatModel],
        *,
        max_tokens: int = 200,
    ) -> None:
        self._retriever = retriever
        self._model = model
        self._max_tokens = max_tokens

    def answer(
        self, question: str, history: Sequence[Turn] = (), on_text: TextCallback | None = None
    ) -> Answer:
        """Answer a checked question; `history` is the already trimmed conversation so far."""
        turns = list(history)
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
                title=defuse(hit.article.title),
                source=hit.article.source,
                url=hit.article.url,
                score=hit.score,
                quote=quote[0][1] if quote else defuse(texts[0][:300]),
                site=hit.article.site,
                published=hit.article.published,
            )
        )
    return Numbered(tuple(sources), tuple(passages))


def _sources_block(numbered: Numbered) -> str:
    titles = {s.n: s.title for s in numbered.sources}
    return "\n\n".join(f"[{n}] {titles[n]}\n{defuse(text)}" for n, text in numbered.passages)


def _history_block(turns: Sequence[Turn]) -> str:
    if not turns:
        return ""
    lines = [f"Earlier question: {t.question}\nEarlier answer: {t.answer}" for t in turns]
    return "\n".join(lines) + "\n"
