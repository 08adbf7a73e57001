"""Article summaries: one model call when the article fits the context, map-reduce when not.

Summaries are cached by content hash; a summary whose facts are not in the article is replaced by
an extractive one (the article's lead sentences).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.engine.grounding import MIN_SUPPORT, support, unsupported_facts
from bot.engine.model import ChatModel, TextCallback
from bot.types import Summary
from index.catalog import Catalog
from index.chunk import sentence_spans
from index.lookup import find_article
from index.models import Article
from prompts import render

log = logging.getLogger(__name__)

PROMPT_OVERHEAD = 120


class Summariser:
    def __init__(self, catalog: Catalog, model: Callable[[], ChatModel], *, max_tokens: int):
        self._catalog = catalog
        self._model = model
        self._max_tokens = max_tokens

    def summarise(self, query: str, on_text: TextCallback | None = None) -> Summary:
        article = find_article(self._catalog, query)
        cached = self._catalog.cached_summary(article.content_hash)
        if cached is not None:
            text, grounded = cached
        else:
            text, grounded = self._summarise(article, on_text)
            self._catalog.cache_summary(article.content_hash, text, grounded)
        return Summary(
            article.article_id, article.title, article.source, article.url, text, grounded
        )

    def _summarise(self, article: Article, on_text: TextCallback | None) -> tuple[str, bool]:
        model = self._model()
        budget = model.n_ctx - self._max_tokens - PROMPT_OVERHEAD
        parts = split_to_budget(article.text, model.count_tokens, budget)
        if len(parts) == 1:
            summary = self._call(model, "summary_user", on_text, title=article.title, text=parts[0])
        else:  # map-reduce: summarise each part, then the summaries
            partials = [
                self._call(model, "summary_user", None, title=article.title, text=part)
                for part in parts
            ]
            joined = "\n\n".join(f"- {p}" for p in partials)
            summary = self._call(model, "combine_user", on_text, title=article.title, parts=joined)
        if (
            summary
            and not unsupported_facts(summary, [article.text])
            and support(summary, [article.text]) >= MIN_SUPPORT
        ):
            return summary, True
        log.info("summary fallback article_id=%s", article.article_id)
        return lead(article.text), True  # quoted verbatim, so grounded by construction

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
    """The extractive fallback: the article's first sentences, as news is written lead-first."""
    spans = sentence_spans(text)[:sentences]
    return " ".join(text[s:e] for s, e in spans)
