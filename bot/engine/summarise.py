"""Article summaries: the article's leading sentences within a length budget, each cited [1].

Measured on hand-written key facts of 36 BBC articles (`bench/summary_bench.py`), the lead of a
news article covers more of its key facts than the most central sentences (lexical SumBasic or
MiniLM centroid) at the same length, and far more than the bundled model's own summaries, which
copied the opening and often failed the checks. So by default no model is involved: the summary
is quoted, grounded by construction, and instant. `mode="model"` (for a bigger model) asks the
model, checks its summary against the article, and falls back to the extractive one.
Summaries are cached by content hash and mode.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.engine.grounding import MIN_SUPPORT, support, unsupported_facts
from bot.engine.model import ChatModel, TextCallback
from bot.engine.text import NUMBER, defuse, isolate_markers, planted, stems
from bot.types import Summary
from index.chunk import sentence_spans
from index.lookup import find_article
from index.models import Article
from index.storage.catalog import Catalog
from prompts import render

log = logging.getLogger(__name__)

PROMPT_OVERHEAD = 120
SummaryMode = Literal["extractive", "model"]
CACHE_VERSION = "v2"


@dataclass(frozen=True)
class Budget:
    """How long an extractive summary may be: 3–5 sentences, about a quarter of the article."""

    share: float = 0.25
    max_chars: int = 700
    min_sentences: int = 3
    max_sentences: int = 5
    duplicate: float = 0.7  # a sentence whose terms are this much already said is skipped


def extractive_summary(text: str, budget: Budget = Budget()) -> str:
    """The article's leading sentences within `budget`, near-duplicates skipped, each cited [1].

    Sentences are taken in article order; one that would overrun the budget is skipped and a
    shorter later one may still fit. The first `min_sentences` may use up to `max_chars`; further
    ones only up to `share` of the article. Article text is data: a sentence carrying an injected
    instruction is skipped and the rest are defused (`bot.engine.text`).
    """
    limit_after = min(budget.share * len(text), budget.max_chars)
    text = isolate_markers(text)
    chosen: list[str] = []
    said: set[str] = set()
    used = 0
    for start, end in sentence_spans(text):
        if len(chosen) == budget.max_sentences:
            break
        sentence = defuse(text[start:end])
        if not sentence or planted(text[start:end]):
            continue
        limit = budget.max_chars if len(chosen) < budget.min_sentences else limit_after
        if chosen and used + len(sentence) > limit:
            continue
        terms = _terms(sentence)
        if terms and len(terms & said) >= budget.duplicate * len(terms):
            continue
        chosen.append(sentence)
        said |= terms
        used += len(sentence)
    return " ".join(f"{sentence} [1]" for sentence in chosen)


def _terms(sentence: str) -> set[str]:
    return stems(sentence) | {m.group().replace(",", "") for m in NUMBER.finditer(sentence)}


class Summariser:
    def __init__(
        self,
        catalog: Catalog,
        model: Callable[[], ChatModel],
        *,
        max_tokens: int,
        mode: SummaryMode = "extractive",
    ):
        self._catalog = catalog
        self._model = model
        self._max_tokens = max_tokens
        self._mode = mode

    def summarise(self, query: str, on_text: TextCallback | None = None) -> Summary:
        article = find_article(self._catalog, query)
        key = f"{article.content_hash}:{self._mode}:{CACHE_VERSION}"
        cached = self._catalog.cached_summary(key)
        if cached is not None:
            text, grounded = cached
        else:
            text, grounded = self.write(article, on_text)
            self._catalog.cache_summary(key, text, grounded)
        return Summary(
            article.article_id,
            defuse(article.title),
            article.source,
            article.url,
            text,
            grounded,
            site=article.site,
            published=article.published,
        )

    def write(self, article: Article, on_text: TextCallback | None = None) -> tuple[str, bool]:
        """A summary of `article` (uncached) and whether it is grounded."""
        if self._mode == "model":
            summary = self.checked_model_summary(article, on_text)
            if summary is not None:
                return summary, True
            log.info("summary fallback article_id=%s", article.article_id)
        return extractive_summary(article.text), True  # quoted verbatim: grounded by construction

    def checked_model_summary(
        self, article: Article, on_text: TextCallback | None = None
    ) -> str | None:
        """The model's summary of `article`, or None when it fails the checks against it."""
        summary = defuse(self._model_summary(article, on_text))
        if (
            summary
            and not unsupported_facts(summary, [article.text])
            and support(summary, [article.text]) >= MIN_SUPPORT
        ):
            return summary
        return None

    def _model_summary(self, article: Article, on_text: TextCallback | None) -> str:
        model = self._model()
        budget = model.n_ctx - self._max_tokens - PROMPT_OVERHEAD
        parts = split_to_budget(article.text, model.count_tokens, budget)
        title = defuse(article.title)  # article text is data, in the prompt as in the output
        if len(parts) == 1:
            return self._call(model, "summary_user", on_text, title=title, text=defuse(parts[0]))
        partials = [  # map-reduce: summarise each part, then the summaries
            self._call(model, "summary_user", None, title=title, text=defuse(part))
            for part in parts
        ]
        joined = "\n\n".join(f"- {p}" for p in partials)
        return self._call(model, "combine_user", on_text, title=title, parts=joined)

    def _call(
        self, model: ChatModel, template: str, on_text: TextCallback | None, **variables: str
    ) -> str:
        messages = [
            {"role": "system", "content": render("summary_system")},
            {"role": "user", "content": render(template, **variables)},
        ]
        return model.complete(messages, max_tokens=self._max_tokens, on_text=on_text)


def split_to_budget(text: str, count: Callable[[str], int], budget: int) -> list[str]:
    """Consecutive runs of whole sentences, each within `budget` model tokens."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        size = count(sentence) + 1
        if current and used + size > budget:
            parts.append(" ".join(current))
            current, used = [], 0
        current.append(sentence)
        used += size
    if current:
        parts.append(" ".join(current))
    return parts or [text]


def lead(text: str, sentences: int = 3) -> str:
    """The article's first sentences: the plain lead-3 baseline of the summary benchmark."""
    text = isolate_markers(text)
    chosen = [text[s:e] for s, e in sentence_spans(text) if not planted(text[s:e])]
    return " ".join(defuse(sentence) for sentence in chosen[:sentences])
