"""Article summaries: the article's sentences likeliest to state its key facts, quoted; the same
with the later ones shortened by the reader model; or 3–5 bullets in the model's own words.

`mode="extractive"` (the setting's default): the sentences a salience model
(`bot.engine.salience`) ranks likeliest to state a key fact, the first sentence always included,
within a budget and shown in article order, quoted, no model call. `mode="shorten"`: the same
selection, but each sentence past the first three is first shortened by the model, which may
only delete words (`bot.engine.shorten`; a reply that changes a word or drops a number or name
leaves the sentence whole), so more sentences fit in the same characters. `mode="model"`: the
model reads those sentences (`MODEL_INPUT`, a larger budget; map-reduce when even they do not
fit its context window) and writes bullets; each bullet is checked like an answer and, if it
fails, replaced by the article sentence it draws on (`bot.engine.bullets`). No usable model
output: the extractive summary. `mode="auto"`: shortened sentences, except with the bundled 135M
model (`EXTRACTIVE_MODELS`: on dev its bullets cover 0.396 of the key facts against the lead's
0.471). Which wins is measured on hand-written key facts of BBC `val.csv` articles
(`bench/summary_bench.py`; docs/measurements.md: on dev, extractive 0.512 at compression 0.243,
shortened 0.525 at 0.256, the model's bullets 0.255 at 0.149). Summaries are cached by content
hash, mode and model.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.engine.bullets import (
    MAX_BULLETS,
    Bullet,
    article_sentences,
    checked_bullets,
    render_bullets,
)
from bot.engine.model import ChatModel, Message, TextCallback
from bot.engine.salience import SentenceOrder, default_salience
from bot.engine.shorten import Shortener
from bot.engine.text import NUMBER, defuse, isolate_markers, planted, stems
from bot.types import Summary
from index.chunk import sentence_spans
from index.errors import NewsdeskError
from index.lookup import find_article
from index.models import Article
from index.storage.catalog import Catalog
from prompts import render

log = logging.getLogger(__name__)

PROMPT_OVERHEAD = 120
SummaryMode = Literal["auto", "extractive", "model", "shorten"]
CACHE_VERSION = "v5"
BULLET_TOKENS = 128  # five short bullets; the answer budget (`max_tokens`) caps it further
# Models whose own summaries cover fewer key facts than the lead (bench/summary_bench.py): in
# "auto" mode they do not write summaries. A substring of the model's name, lower case.
EXTRACTIVE_MODELS = ("smollm2-135m",)
# A shortened sentence is seldom shorter: with less room left, the model is not asked.
MIN_SHORTENED = 40
Shorten = Callable[[str], str | None]  # a sentence shortened, or None: show it whole
_BULLET_START = re.compile(r"(?m)^\s*(?:[-*•–]|\d{1,2}[.)])\s")


@dataclass(frozen=True)
class Budget:
    """How long an extractive summary may be: 3–5 sentences, under a quarter of the article.

    `share` 0.22 keeps the mean compression of the dev articles under 0.25 (0.243) although short
    articles take `min_sentences` whatever their share (`eval/fit_salience.py` prints it)."""

    share: float = 0.22
    max_chars: int = 700
    min_sentences: int = 3
    max_sentences: int = 5
    duplicate: float = 0.7  # a sentence whose terms are this much already said is skipped


# What the model reads: the article's likeliest key sentences, in article order (the whole of
# a short article). A third of the tokens of a whole BBC article: prompt reading is most of a
# summary's time on two cores, and the sentences past these rarely state a key fact.
MODEL_INPUT = Budget(share=0.5, max_chars=1200, min_sentences=4, max_sentences=8)
# Shortened sentences: the extractive budget in characters, more sentences.
SHORTENED = Budget(max_sentences=7)


def extractive_summary(
    text: str, budget: Budget = Budget(), salience: SentenceOrder | None = None, title: str = ""
) -> str:
    """`selected_sentences` of the article, each cited [1]."""
    chosen = selected_sentences(text, budget, salience, title)
    return " ".join(f"{sentence} [1]" for sentence in chosen)


def selected_sentences(
    text: str, budget: Budget = Budget(), salience: SentenceOrder | None = None, title: str = ""
) -> list[str]:
    """Sentences of the article within `budget`, near-duplicates skipped, in article order
    (`summary_bullets` without shortening)."""
    return [bullet.text for bullet in summary_bullets(text, budget, salience, title=title)]


def summary_bullets(
    text: str,
    budget: Budget = Budget(),
    salience: SentenceOrder | None = None,
    shorten: Shorten | None = None,
    title: str = "",
) -> list[Bullet]:
    """The summary's sentences within `budget`, near-duplicates skipped, in article order.

    Sentences are considered in article order (the lead) or, with `salience`, in its order (the
    first sentence, then the likeliest to state a key fact; it may read the article's `title`).
    With `shorten`, each sentence past the first `min_sentences` is first shortened (None: the
    whole sentence) and the shortened text is what counts against the budget, so more sentences
    fit; the likeliest ones stay whole (shortening loses a quarter of a sentence's key facts,
    docs/measurements.md). One that would overrun the budget is skipped and a shorter one may
    still fit. The first `min_sentences` may use up to `max_chars`; further ones only up to
    `share` of the article.
    Article text is data: a sentence carrying an injected instruction is skipped and the rest
    are defused (`bullets.article_sentences`).
    """
    sentences = article_sentences(text)
    order = salience.order(sentences, title) if salience else range(len(sentences))
    limit_after = min(budget.share * len(text), budget.max_chars)
    chosen: dict[int, Bullet] = {}
    said: set[str] = set()
    used = 0
    for i in order:
        if len(chosen) == budget.max_sentences:
            break
        limit = budget.max_chars if len(chosen) < budget.min_sentences else limit_after
        room = limit - used if chosen else math.inf  # the first sentence is always shown
        sentence = sentences[i]
        if not sentence or _repeats(sentence, said, budget):
            continue
        late = len(chosen) >= budget.min_sentences
        short = shorten(sentence) if shorten and late and room >= MIN_SHORTENED else None
        shown = short or sentence
        if len(shown) > room or _repeats(shown, said, budget):
            continue
        chosen[i] = Bullet(shown, quoted=short is None)
        said |= _terms(shown)
        used += len(shown)
    return [chosen[i] for i in sorted(chosen)]


def _repeats(sentence: str, said: set[str], budget: Budget) -> bool:
    """Whether `budget.duplicate` of the sentence's terms are already said."""
    terms = _terms(sentence)
    return bool(terms) and len(terms & said) >= budget.duplicate * len(terms)


def _terms(sentence: str) -> set[str]:
    return stems(sentence) | {m.group().replace(",", "") for m in NUMBER.finditer(sentence)}


class Summariser:
    def __init__(
        self,
        catalog: Catalog,
        model: Callable[[], ChatModel],
        *,
        max_tokens: int,
        mode: SummaryMode = "auto",
        salience: SentenceOrder | None = None,
    ):
        self._catalog = catalog
        self._model = model
        self._max_tokens = min(max_tokens, BULLET_TOKENS)
        self._mode = mode
        self._salience = salience or default_salience()

    def summarise(self, query: str, on_text: TextCallback | None = None) -> Summary:
        return self.summary_of(find_article(self._catalog, query), on_text)

    def summary_of(self, article: Article, on_text: TextCallback | None = None) -> Summary:
        """The (cached) summary of `article`."""
        return Summary(
            article.article_id,
            defuse(article.title),
            article.source,
            article.url,
            self.cached_text(article, on_text),
            True,  # verified bullets or quoted sentences: grounded either way
            site=article.site,
            published=article.published,
        )

    def cache_key(self, article: Article) -> str:
        """The summary's key in the cache: content hash, mode, model, `CACHE_VERSION`."""
        mode = self.effective_mode()
        model = f":{self._model().name}" if mode != "extractive" else ""
        return f"{article.content_hash}:{mode}{model}:{CACHE_VERSION}"

    def cached_text(self, article: Article, on_text: TextCallback | None = None) -> str:
        key = self.cache_key(article)
        cached = self._catalog.cached_summary(key)
        if cached is not None:
            return cached[0]
        text = self.write(article, on_text).text
        self._catalog.cache_summary(key, text, True)
        return text

    def effective_mode(self) -> Literal["extractive", "model", "shorten"]:
        """`auto` resolved: the model shortens the sentences unless it is one of
        `EXTRACTIVE_MODELS`."""
        if self._mode != "auto":
            return self._mode
        name = self._model().name.lower()
        return "extractive" if any(m in name for m in EXTRACTIVE_MODELS) else "shorten"

    def write(self, article: Article, on_text: TextCallback | None = None) -> Written:
        """A summary of `article` (uncached), and how its bullets were made."""
        mode = self.effective_mode()
        if mode == "shorten":
            shortened = self._shortened(article)
            if shortened is not None:
                return shortened
        if mode == "model":
            try:
                raw = self._model_bullets(article, on_text)
            except NewsdeskError:
                log.warning("summary model failed article_id=%s", article.article_id)
                raw = ""
            fill = selected_sentences(article.text, Budget(), self._salience, article.title)
            bullets, read, passed = (
                checked_bullets(raw, article.text, article.title, fill) if raw else ([], 0, 0)
            )
            if read:
                return Written(render_bullets(bullets), tuple(bullets), read, passed)
            log.info("summary fallback article_id=%s", article.article_id)
        return Written(self.extractive(article.text, article.title), (), 0, 0)

    def _shortened(self, article: Article) -> Written | None:
        """The salient sentences within `SHORTENED`, each after the first shortened by the model
        (`bot.engine.shorten`); None when the model cannot run."""
        try:
            shortener = Shortener(self._model())
            bullets = summary_bullets(
                article.text, SHORTENED, self._salience, shortener, title=article.title
            )
        except NewsdeskError:
            log.warning("summary model failed article_id=%s", article.article_id)
            return None
        text = render_bullets(bullets)
        return Written(text, tuple(bullets), shortener.read, shortener.passed)

    def extractive(self, text: str, title: str = "") -> str:
        """The extractive summary: the sentences likeliest to state key facts (`salience`)."""
        return extractive_summary(text, salience=self._salience, title=title)

    def _model_bullets(self, article: Article, on_text: TextCallback | None) -> str:
        model = self._model()
        budget = model.n_ctx - self._max_tokens - PROMPT_OVERHEAD
        chosen = selected_sentences(article.text, MODEL_INPUT, self._salience, article.title)
        source = " ".join(chosen)
        parts = split_to_budget(source, model.count_tokens, budget)
        title = defuse(article.title)  # article text is data, in the prompt as in the output
        if len(parts) == 1:
            return self._call(model, "bullets_user", on_text, title=title, text=parts[0])
        partials = [  # map-reduce: bullets of each part, then the bullets of those
            self._call(model, "bullets_user", None, title=title, text=part) for part in parts
        ]
        joined = "\n".join(b for p in partials for b in p.splitlines() if b.strip())
        return self._call(model, "bullets_combine_user", on_text, title=title, parts=joined)

    def _call(
        self, model: ChatModel, template: str, on_text: TextCallback | None, **variables: str
    ) -> str:
        messages = [
            {"role": "system", "content": render("bullets_system")},
            {"role": "user", "content": render(template, **variables)},
        ]
        return complete_bullets(model, messages, self._max_tokens, on_text)


@dataclass(frozen=True)
class Written:
    """A freshly written summary: its text, its bullets (none when extractive), and how many
    of the model's bullets were read and passed the check."""

    text: str
    bullets: tuple[Bullet, ...]
    read: int
    passed: int


class _Enough(Exception):
    """Raised from the stream callback once the model has begun a bullet past the last one."""


def complete_bullets(
    model: ChatModel, messages: list[Message], max_tokens: int, on_text: TextCallback | None
) -> str:
    """The model's reply, cut once it starts bullet `MAX_BULLETS + 1` (a small model would go on
    listing every sentence of the article: each extra bullet costs about a second)."""
    seen = [""]

    def watch(text: str) -> None:
        seen[0] = text
        if on_text is not None:
            on_text(text)
        if len(_BULLET_START.findall(text)) > MAX_BULLETS:
            raise _Enough

    try:
        return model.complete(messages, max_tokens=max_tokens, on_text=watch)
    except _Enough:
        lines = seen[0].splitlines()
        return "\n".join(lines[:-1]).strip()


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
