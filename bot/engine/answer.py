"""The answering engine: retrieve → rank the evidence → answerable? → prompt → model → grounding.

Synchronous and transport-free: the async front (`bot.desk.Desk`) checks the question, trims the
history and runs this off the event loop behind the model queue.

Three outcomes. Not covered: nothing relevant is retrieved. A near miss: the best sentence's
article is about the question's names and numbers, but the fitted answerability model over the
ranked evidence (`bot.engine.evidence`) finds no answer, or, where that model is unsure
(`Weights.recheck_below`), the chat model, asked once more whether the sources give the answer at
all, replies "Not stated"; or the trained reader (`bot.engine.reader`) finds no sentence among
those the model would read that states the fact asked for (its best probability is under
`veto_below`); the closest sentence is shown, not as an answer. Otherwise the model
sees the best evidence sentences; its answer stands if its facts occur in the passages it cites
and it states a fact of the asked-for kind that the evidence holds, else the answer quotes the
best evidence (`grounding.quoted`), unless the question asks for an amount, a date or a name
and no quoted sentence holds one, or the model's reply gave one that no source about the
question holds (it did not find the fact): a near miss again. Where another article's evidence
states a different figure for the same thing, the answer says so (`differ.sources_differ`).

An overview question ("What has been said about …?", `overview.read_overview`) is answered,
when the service has a `digest`, by the topic digest of its subject (`overview.digest_answer`):
several articles, each fact cited to the ones stating it. No relevant article: the path above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.engine.coverage import about, question_features
from bot.engine.dated import Dates
from bot.engine.differ import sources_differ
from bot.engine.evidence import Candidate, Evidence
from bot.engine.grounding import (
    NOT_COVERED,
    SHOWN,
    Numbered,
    declines,
    invents_asked,
    lacks_asked,
    near_miss,
    quoted,
    verify,
)
from bot.engine.model import ChatModel, TextCallback
from bot.engine.overview import digest_answer, on_subject, read_overview
from bot.engine.reader import Reader
from bot.engine.text import defuse
from bot.types import Answer, Source, Summary, Turn
from index.dates import Window
from index.errors import ArticleNotFoundError
from index.models import Retrieved
from index.retrieve import Search
from prompts import render

# Answers are one or two sentences: a blank line means the model has started to ramble or loop.
ANSWER_STOP = ("\n\n",)
CHECK_TOKENS = 8  # "Not stated." or the start of an answer: enough to tell them apart

Digest = Callable[[str, TextCallback | None, Window | None], Summary]
"""The topic digest of a subject from the articles published in a window (`Digester.digest`);
`ArticleNotFoundError` when none is relevant."""


class AnswerService:
    def __init__(
        self,
        retriever: Search,
        model: Callable[[], ChatModel],
        evidence: Evidence,
        *,
        max_tokens: int = 200,
        dates: Dates | None = None,
        digest: Digest | None = None,
        reader: Callable[[], Reader] | None = None,
        veto_below: float = 0.0,
    ) -> None:
        self._retriever = retriever
        self._reader = reader if veto_below > 0 else None
        self._veto_below = veto_below
        self._digest = digest
        self._dates = dates or Dates(retriever)
        self._model = model
        self._evidence = evidence
        self._max_tokens = max_tokens

    def warm_up(self) -> None:
        """Load every model an answer uses (the chat model, the embedder, the cross-encoder, the
        reader), so that the first question pays for none of it."""
        self._model()
        self._evidence.warm_up()
        if self._reader is not None:
            self._reader()

    def answer(
        self, question: str, history: Sequence[Turn] = (), on_text: TextCallback | None = None
    ) -> Answer:
        """Answer a checked question; `history` is the already trimmed conversation so far."""
        overview = self._overview(question, on_text)
        if overview is not None:
            return overview
        turns = list(history)
        query = " ".join([t.question for t in turns[-1:]] + [question])
        found = self._dates.search(question, query)
        if found.stale:  # nothing in the asked dates: say how old the news is instead
            return found.stale
        hits = found.hits
        if not hits:  # nothing relevant: decided by retrieval, no model call
            return refusal(question)
        numbered = number_sources(hits, [])
        ranked = self._evidence.candidates(
            question, numbered.passages, {s.n: s.title for s in numbered.sources}
        )
        if not ranked:
            return refusal(question)
        numbered = number_sources(hits, ranked)
        features = question_features(question, hits, ranked)
        # A follow-up's reader reads it after the question before, as retrieval does ("it").
        if not self._evidence.is_answerable(features) or self._vetoed(query, numbered, ranked):
            return self._unanswered(question, numbered, ranked)
        messages = [
            {"role": "system", "content": render("answer_system")},
            {
                "role": "user",
                "content": render(
                    "answer_user",
                    history=_history_block(turns),
                    sources=_sources_block(numbered, ranked),
                    question=question,
                ),
            },
        ]
        raw = self._model().complete(
            messages, max_tokens=self._max_tokens, on_text=on_text, stop=ANSWER_STOP
        )
        margin = self._evidence.weights.quote_margin
        answer = verify(question, raw, numbered, ranked, margin=margin)
        if answer.mode == "quote" and (
            lacks_asked(question, quoted(ranked, margin)) or invents_asked(question, raw, numbered)
        ):
            return self._unanswered(question, numbered, ranked)
        if self._evidence.doubts(features) and self._not_stated(messages):
            return self._unanswered(question, numbered, ranked)
        dated = self._dates.dated(answer, found)
        if dated.citations != answer.citations:  # the newer article leads, the older is named
            return dated
        return sources_differ(question, dated, ranked, numbered)

    def _overview(self, question: str, on_text: TextCallback | None) -> Answer | None:
        """The digest answer to an overview question; None for any other question, or when no
        article is relevant to its subject or the digest does not name it (the single-answer
        path then decides, refusing as before)."""
        if self._digest is None:
            return None
        overview = read_overview(question, self._dates.day())
        if overview is None:
            return None
        try:
            digest = self._digest(overview.subject, on_text, overview.window)
        except ArticleNotFoundError:
            return None
        if not digest.summary.strip() or not on_subject(overview.subject, digest):
            return None
        return digest_answer(question, digest)

    def _vetoed(self, question: str, numbered: Numbered, ranked: Sequence[Candidate]) -> bool:
        """The reader finds no sentence among those the model would read that states the fact
        asked for: a near miss, decided before the model is called."""
        if self._reader is None:
            return False
        titles = {s.n: s.title for s in numbered.sources}
        shown = [(titles.get(c.n, ""), c.text) for c in ranked[:SHOWN]]
        return max(self._reader().score(question, shown), default=0.0) < self._veto_below

    def _not_stated(self, messages: list[dict[str, str]]) -> bool:
        """Asked once more whether the sources give the answer at all, the model says they don't.

        The check is the answer prompt with one instruction added at its end, so the model reads
        the same evidence from its cached prompt prefix and only the instruction is new."""
        last = messages[-1]
        check = [
            *messages[:-1],
            {**last, "content": f"{last['content']}\n\n{render('answer_check')}"},
        ]
        return declines(self._model().complete(check, max_tokens=CHECK_TOKENS, stop=ANSWER_STOP))

    @staticmethod
    def _unanswered(question: str, numbered: Numbered, ranked: Sequence[Candidate]) -> Answer:
        """A near miss when the article of an evidence sentence the model reads is about the
        question's names and numbers (the topic is covered, the fact is not): the best such
        sentence is shown. Else not covered."""
        on_topic = (c for c in ranked[:SHOWN] if about(question, numbered.article_of(c.n)))
        best = next(on_topic, None)
        return near_miss(question, numbered, best) if best else refusal(question)


def refusal(question: str) -> Answer:
    return Answer(
        question, NOT_COVERED, False, (), (), covered=False, used_model=False, mode="refusal"
    )


def number_sources(hits: Sequence[Retrieved], ranked: Sequence[Candidate]) -> Numbered:
    """One source per article, numbered in rank order; passages keep their article's number.

    Each source's quote is its best-ranked evidence sentence (its first passage's opening before
    the evidence is ranked).
    """
    numbers: dict[str, int] = {}
    passages: list[tuple[int, str]] = []
    for hit in hits:
        n = numbers.setdefault(hit.article.article_id, len(numbers) + 1)
        passages.append((n, hit.chunk.text))
    best = {}
    for candidate in reversed(ranked):
        best[candidate.n] = candidate.text
    sources: list[Source] = []
    for hit in hits:
        n = numbers[hit.article.article_id]
        if n != len(sources) + 1:
            continue
        sources.append(
            Source(
                n=n,
                article_id=hit.article.article_id,
                title=defuse(hit.article.title),
                source=hit.article.source,
                url=hit.article.url,
                score=hit.score,
                quote=best.get(n) or defuse(hit.chunk.text[:300]),
                site=hit.article.site,
                published=hit.article.published,
            )
        )
    return Numbered(tuple(sources), tuple(passages))


def _sources_block(numbered: Numbered, ranked: Sequence[Candidate]) -> str:
    """Each source's title and its best evidence sentences, in the order the article has them."""
    shown = sorted(ranked[:SHOWN], key=lambda c: (c.n, c.passage, c.position))
    blocks = []
    for source in numbered.sources:
        sentences = [c.text for c in shown if c.n == source.n]
        if sentences:
            blocks.append(f"[{source.n}] ({source.title}) " + " ".join(sentences))
    return "\n\n".join(blocks)


def _history_block(turns: Sequence[Turn]) -> str:
    if not turns:
        return ""
    lines = [f"Earlier question: {t.question}\nEarlier answer: {t.answer}" for t in turns]
    return "\n".join(lines) + "\n"
