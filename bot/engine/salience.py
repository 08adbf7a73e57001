"""Which sentences of an article carry its key facts: the order an extractive summary considers
them in.

A news article's opening sentences hold most of its key facts, but not all: a later sentence with
a figure often matters more than an opening quotation. Each sentence is scored by a logistic
model over five features, all computed from the article alone in a few milliseconds (no model
call, no embedder):

- `lead`: 1 / (1 + its place), the news lead (the first two sentences state a key fact 9 times
  in 10 on the dev articles, a sentence past the twelfth 1 time in 10);
- `position`: its place as a share of the article (0 first, 1 last);
- `number`: it states a number (an amount, a share, a count, a date) in digits or words;
- `quotation`: it holds a quotation mark (a direct quotation reports a view more than a fact);
- `centrality`: TextRank over the sentences' shared content-word stems, as a share of the
  mean (1.0): a sentence whose words recur across the article is about what the article is about.

The weights are data (`salience.json`), fitted on the dev split of the key-fact set by
`eval/fit_salience.py` (a sentence is positive when it states one of the article's key facts).
The first sentence always comes first (it is the article's own summary); the others follow by
score, so a summary within a budget holds the lead and then the sentences most likely to carry
facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

import numpy as np

from bot.engine.text import numbers, stems

FEATURES = ("lead", "position", "number", "quotation", "centrality")
DAMPING = 0.85  # TextRank's damping factor, as in the paper (Mihalcea and Tarau, 2004)
ITERATIONS = 30
_QUOTE = re.compile(r"[\"“”]")


class SentenceOrder(Protocol):
    """The order in which a summary considers an article's sentences: the likeliest to state a
    key fact first, from the sentences and the article's title. `Salience` is the shipped one;
    `eval/keyfacts/tagger.py` holds a trained tagger tried against it."""

    def order(self, sentences: Sequence[str], title: str = "") -> list[int]: ...


@dataclass(frozen=True)
class Salience:
    """A logistic model over `FEATURES`: `bias` and one weight a feature."""

    bias: float
    weights: tuple[float, ...]

    @classmethod
    def load(cls, text: str | None = None) -> Salience:
        raw = json.loads(
            text
            if text is not None
            else resources.files("bot.engine").joinpath("salience.json").read_text("utf-8")
        )
        if tuple(raw["features"]) != FEATURES:
            raise ValueError("salience.json was fitted for other features; re-run fit_salience.py")
        return cls(float(raw["bias"]), tuple(float(w) for w in raw["weights"]))

    def scores(self, sentences: Sequence[str]) -> list[float]:
        """The model's log-odds that each sentence states a key fact."""
        return [
            self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True))
            for row in sentence_features(sentences)
        ]

    def order(self, sentences: Sequence[str], title: str = "") -> list[int]:
        """The sentences' indices in the order a summary should consider them: the first one,
        then the others by score (ties: the earlier). The title is not read."""
        if not sentences:
            return []
        scores = self.scores(sentences)
        rest = sorted(range(1, len(sentences)), key=lambda i: (-scores[i], i))
        return [0, *rest]


@cache
def default_salience() -> Salience:
    """The shipped weights (`salience.json`), read once."""
    return Salience.load()


def sentence_features(sentences: Sequence[str]) -> list[tuple[float, ...]]:
    """One row of `FEATURES` a sentence."""
    last = max(len(sentences) - 1, 1)
    central = centrality(sentences)
    return [
        (
            1 / (1 + i),
            i / last,
            float(bool(numbers(sentence))),
            float(bool(_QUOTE.search(sentence))),
            central[i],
        )
        for i, sentence in enumerate(sentences)
    ]


def centrality(sentences: Sequence[str]) -> list[float]:
    """TextRank over the sentences: PageRank on the graph whose edges are the cosine overlap of
    two sentences' content-word stems; scaled so the mean is 1.0. Sentences without content
    words, or an article of one sentence, score 1.0."""
    terms = [stems(s) for s in sentences]
    vocabulary = {t: k for k, t in enumerate(sorted(set().union(*terms)))}
    incidence = np.zeros((len(terms), len(vocabulary)))
    for i, words in enumerate(terms):
        incidence[i, [vocabulary[w] for w in words]] = 1.0
    sizes = np.sqrt(incidence.sum(axis=1))
    sizes[sizes == 0] = 1.0
    links = (incidence @ incidence.T) / np.outer(sizes, sizes)
    np.fill_diagonal(links, 0.0)
    out_weight = links.sum(axis=1, keepdims=True)
    step = np.divide(links, out_weight, out=np.zeros_like(links), where=out_weight > 0)
    rank = np.ones(len(terms))
    for _ in range(ITERATIONS):
        rank = (1 - DAMPING) + DAMPING * (step.T @ rank)
    mean = float(rank.mean()) if len(terms) else 0.0
    return [float(r) / mean for r in rank] if mean > 0 else [1.0] * len(terms)
