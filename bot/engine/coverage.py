"""Does what was retrieved answer the question? The features the answerability model reads.

Decided before the model runs, from the retrieved passages and the ranked evidence
(`bot.engine.evidence`): how similar the best passage is, how good the best evidence sentence is
(its ranker score, whether it holds a fact of the asked-for kind and shares the question's focus
words), how well the relevance cross-encoder finds any sentence to answer it, and how many of the
question's key terms (names and numbers: "2022", "Sydney Metro West") the passages mention at
all — a question about the 2023 Rugby World Cup is not covered by a 2003 match report. The
weights that turn these into a decision are fitted by `eval/fit_evidence.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.engine.evidence import SENTENCE_FEATURES, Candidate
from bot.engine.text import NAME_TERM, QUESTION_WORDS, normal
from index.models import Retrieved


def key_terms(question: str) -> set[str]:
    """Names and multi-digit numbers in the question (lowercased, possessives dropped)."""
    terms = set()
    for match in NAME_TERM.finditer(question):
        words = [
            w
            for w in re.sub(r"['’]s\b", "", match.group()).split()
            if w.lower() not in QUESTION_WORDS
        ]
        if words:
            terms.add(" ".join(words).lower())
    return terms


def _mentions(term: str, texts: Sequence[str]) -> bool:
    """A term occurs as a phrase, or all its words occur in one passage ("Saul Israel Holiff")."""
    words = normal(term).split()
    return any(all(re.search(rf"\b{re.escape(w)}\b", t) for w in words) for t in texts)


def about(question: str, text: str, terms: set[str] | None = None) -> bool:
    """Whether `text` mentions at least half the question's key terms (all, when there is one)."""
    terms = key_terms(question) if terms is None else terms
    return 2 * sum(_mentions(term, [normal(text)]) for term in terms) >= len(terms)


def question_features(
    question: str, hits: Sequence[Retrieved], ranked: Sequence[Candidate]
) -> tuple[float, ...]:
    """The answerability model's inputs, in `evidence.QUESTION_FEATURES` order."""
    terms = key_terms(question)
    texts = [normal(f"{h.article.title}\n{h.chunk.text}") for h in hits]
    mentioned = sum(_mentions(term, texts) for term in terms) / len(terms) if terms else 1.0
    dense = max((h.score for h in hits), default=0.0)
    if not ranked:
        return (dense, -10.0, mentioned, 0.0, 0.0, 0.0, -3.0)
    named = dict(zip(SENTENCE_FEATURES, ranked[0].features, strict=True))
    each = [dict(zip(SENTENCE_FEATURES, c.features, strict=True)) for c in ranked]
    return (
        dense,
        ranked[0].score,
        mentioned,
        named["focus_overlap"],
        1.0 - named["lacks_fact"],
        max(f["sim"] for f in each),
        max(f["relevance"] for f in each),
    )
