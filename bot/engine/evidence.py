"""Which retrieved sentence answers the question, and is there one at all? Learned, not hand-set.

Every sentence of the retrieved passages is a candidate. Each gets a few general features: its
MiniLM similarity to the question, to the question's *focus* (the words that are not the article's
topic, e.g. "born" in "Where was Anna Keaveney born?") and to the title; how many question and
focus words it shares; whether it holds a fact of the kind asked for (an amount, a date, a name, a
reason) that the question doesn't already state; how much it adds beyond the question's own
words; and how well an MS MARCO cross-encoder (`bot.engine.relevance`), trained on half a million
people's questions, judges it to answer the question. A conditional-logit ranker scores them,
and a logistic model over the best candidates' features and the retrieval scores gives the
probability that the passages answer the question at all. Both are fitted by
`eval/fit_evidence.py` (on dev, dev2 and the training splits of people's and out-of-corpus
questions), as is the margin that decides how many of the best sentences a quoted answer gives;
their weights are data (`evidence.json`), not code.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from bot.engine.relevance import MsMarcoRelevance, Relevance
from bot.engine.text import (
    ASKS,
    REASON_ASK,
    REASON_CUES,
    asked_kind,
    content_words,
    defuse,
    isolate_markers,
    kind_facts,
    planted,
    same_stem,
    stems,
)
from index.chunk import sentence_spans

log = logging.getLogger(__name__)

Embed = Callable[[Sequence[str]], NDArray[np.float32]]

SENTENCE_FEATURES = (
    "sim",
    "focus_sim",
    "title_sim",
    "question_overlap",
    "focus_overlap",
    "amount_fact",
    "date_fact",
    "name_fact",
    "reason_cue",
    "lacks_fact",
    "novelty",
    "title_overlap",
    "passage_rank",
    "relevance",
)
RELEVANCE_SCALE = 5.0  # the cross-encoder's logits span about -11..11; features stay near unit
QUESTION_FEATURES = (
    "dense",
    "best_score",
    "key_terms",
    "best_focus",
    "best_fact",
    "best_sim",
    "best_relevance",
)


def focus_words(question: str, title: str) -> str:
    """The question without its asking words and without the words of the article's title."""
    text = question
    for _, pattern in ASKS:
        text = re.sub(pattern, " ", text, flags=re.I)
    text = REASON_ASK.sub(" ", text)
    topic = content_words(title)
    words = [w for w in re.findall(r"[\w'’-]+", text) if w.lower() not in topic]
    return " ".join(w for w in words if content_words(w)) or question


def overlap(wanted: set[str], words: set[str]) -> int:
    """Wanted stems found among `words`, a stem matching its extensions ("agre"/"agreement")."""
    return sum(any(same_stem(w, f) for w in words) for f in wanted)


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage: its source number, passage index, text and score."""

    n: int
    passage: int
    position: int  # the sentence's place in its passage
    text: str
    features: tuple[float, ...]
    score: float


@dataclass(frozen=True)
class Weights:
    """The fitted ranker and answerability model (see `eval/fit_evidence.py`)."""

    ranker: tuple[float, ...]
    answerable: tuple[float, ...]  # bias first, then one weight per QUESTION_FEATURES
    threshold: float
    quote_margin: float
    """How far below the best sentence's ranker score a sentence may be and still be quoted."""
    embedder: str = "all-MiniLM-L6-v2-int8"
    """The embedder whose similarities the weights were fitted on."""
    recheck_below: float = 0.0
    """Under this answerability probability the model is asked once more whether the sources
    give the answer at all; its "Not stated" makes the question a near miss."""

    def for_embedder(self, name: str) -> Weights:
        """These weights, or, for another embedder, the same ranker with no refusal threshold:
        the answerability model is calibrated on one embedder's similarities only, so with
        another one the question is refused by retrieval alone."""
        if name == self.embedder:
            return self
        log.warning(
            "evidence weights fitted for %s, not %s: no answerability refusals", self.embedder, name
        )
        return replace(self, threshold=0.0, recheck_below=0.0)

    @classmethod
    def load(cls, text: str | None = None) -> Weights:
        raw = json.loads(
            text
            if text is not None
            else resources.files("bot.engine").joinpath("evidence.json").read_text("utf-8")
        )
        if (
            tuple(raw["sentence_features"]) != SENTENCE_FEATURES
            or tuple(raw["question_features"]) != QUESTION_FEATURES
        ):
            raise ValueError("evidence.json was fitted for other features; re-run fit_evidence.py")
        return cls(
            tuple(raw["ranker"]),
            tuple(raw["answerable"]),
            float(raw["threshold"]),
            float(raw["quote_margin"]),
            str(raw["embedder"]),
            float(raw.get("recheck_below", 0.0)),
        )


class Evidence:
    def __init__(self, embed: Embed, weights: Weights, relevance: Relevance | None = None) -> None:
        """`relevance`: the packaged cross-encoder (loaded at first use) unless one is given."""
        self._embed = embed
        self.weights = weights
        self._relevance = relevance or MsMarcoRelevance()

    def candidates(
        self, question: str, passages: Sequence[tuple[int, str]], titles: dict[int, str]
    ) -> list[Candidate]:
        """Every sentence of `passages` ((source number, text) in rank order), best first.

        Sentences are defused (they are shown as quotes and in the prompt); ones carrying the
        marks of an injected instruction are left out.
        """
        spans, seen = [], set()
        for i, (n, passage) in enumerate(passages):
            text = isolate_markers(passage)
            for k, (start, end) in enumerate(sentence_spans(text)):
                sentence = text[start:end]
                # Passages of one article overlap; an injected instruction is never evidence.
                if (n, sentence) not in seen and not planted(sentence):
                    seen.add((n, sentence))
                    spans.append((n, i, k, defuse(sentence)))
        if not spans:
            return []
        relevance = self._relevance.score(question, [t for _, _, _, t in spans])
        matrix = sentence_features(
            question, [(n, i, t) for n, i, _, t in spans], titles, self._embed, relevance
        )
        scores = matrix @ np.asarray(self.weights.ranker, dtype=np.float32)
        ranked = sorted(range(len(spans)), key=lambda j: (-scores[j], j))
        return [Candidate(*spans[j], tuple(matrix[j].tolist()), float(scores[j])) for j in ranked]

    def warm_up(self) -> None:
        """Load the embedder and the cross-encoder now (each builds its session at first use)."""
        self._embed(["warm up"])
        self._relevance.score("warm up", ["warm up"])

    def answerable(self, features: Sequence[float]) -> float:
        """The probability that the passages answer the question (from `question_features`)."""
        bias, *w = self.weights.answerable
        z = bias + sum(a * b for a, b in zip(w, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def is_answerable(self, features: Sequence[float]) -> bool:
        return self.answerable(features) >= self.weights.threshold

    def doubts(self, features: Sequence[float]) -> bool:
        """Whether the answerability model is unsure enough to have the model check again."""
        return self.answerable(features) < self.weights.recheck_below


def sentence_features(
    question: str,
    spans: Sequence[tuple[int, int, str]],
    titles: dict[int, str],
    embed: Embed,
    relevance: Sequence[float],
) -> NDArray[np.float32]:
    """One row of `SENTENCE_FEATURES` per span; `relevance` is the cross-encoder's logit of each."""
    kind = asked_kind(question)
    numbers = sorted(titles)
    focus = {n: focus_words(question, titles[n]) for n in numbers}
    vectors = embed(
        [question, *(focus[n] for n in numbers), *(titles[n] for n in numbers)]
        + [s for _, _, s in spans]
    )
    q, rest = vectors[0], vectors[1:]
    focus_vec = {n: rest[i] for i, n in enumerate(numbers)}
    title_vec = {n: rest[len(numbers) + i] for i, n in enumerate(numbers)}
    sent_vecs = rest[2 * len(numbers) :]
    asked = stems(question)
    last = max(i for _, i, _ in spans) or 1
    rows = []
    for (n, passage, sentence), vec, relevant in zip(spans, sent_vecs, relevance, strict=True):
        words = stems(sentence)
        wanted = stems(focus[n]) if focus[n] != question else set()
        topic = stems(titles[n])
        facts = kind_facts(kind, sentence, question)
        rows.append(
            [
                float(vec @ q),
                float(vec @ focus_vec[n]),
                float(vec @ title_vec[n]),
                overlap(asked, words) / max(1, len(asked)),
                min(overlap(wanted, words), 3) / 3,
                float(kind == "amount" and bool(facts)),
                float(kind == "date" and bool(facts)),
                float(kind == "name" and bool(facts)),
                float(kind == "reason" and bool(REASON_CUES.search(sentence))),
                float(kind in ("amount", "date", "name") and not facts),
                min(len(words - asked), 15) / 15,
                len(words & topic) / max(1, len(topic)),
                passage / last,
                relevant / RELEVANCE_SCALE,
            ]
        )
    return np.asarray(rows, dtype=np.float32)
