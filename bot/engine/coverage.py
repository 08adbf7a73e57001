"""Does what was retrieved actually answer the question? Decided from text, never by the model.

Two general checks, both on the retrieved passages:
- key terms: every name and number the question mentions ("2022", "Sydney Metro West") must occur
  in them — a question about the 2023 Rugby World Cup is not covered by a 2003 match report;
- evidence: when the question asks for a kind of fact (an amount, a count, a share, a date, a
  name), some passage sentence must hold such a fact that the question doesn't already contain,
  next to at least one of the question's own focus words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.engine.text import (
    NAME_TERM,
    QUESTION_WORDS,
    answer_kind,
    asking,
    defuse,
    isolate_markers,
    new_facts,
    normal,
    planted,
    stems,
)
from index.chunk import sentence_spans
from index.models import Retrieved

# A sentence sharing this many of the question's words is about it, even if it paraphrases the
# focus ("When did the first tram run?" / "The first tram ... pulled out ... on 14 June").
NEAR_WORDS = 4


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


def covers(question: str, hits: Sequence[Retrieved]) -> bool:
    """Whether the retrieved passages hold what the question asks (see the module docstring)."""
    terms = key_terms(question)
    texts = [f"{h.article.title}\n{h.chunk.text}" for h in hits]
    if not all(_mentions(term, [normal(t) for t in texts]) for term in terms):
        return False
    asked = asking(question)
    if asked is None:
        return True
    kind, asking_words = asked
    # Evidence must come from a passage about what was asked, near the question's focus words
    # (its words that are not already the topic, i.e. not in the article titles).
    relevant = [t for t in texts if about(question, t, terms)]
    known = " ".join([*(h.article.title for h in hits), asking_words, *terms])
    focus = stems(question) - stems(known)
    needed = min(len(focus), 1 if len(focus) <= 3 else 2)
    asked_stems = stems(question)
    for text in relevant:
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            words = stems(sentence)
            near = _overlap(focus, words) >= needed or _overlap(asked_stems, words) >= NEAR_WORDS
            if near and new_facts(kind, sentence, question):
                return True
    return False


def _overlap(focus: set[str], words: set[str]) -> int:
    """Focus stems found among `words`, a stem matching its extensions ("agre"/"agreement")."""
    return sum(
        any(
            w == f or (min(len(w), len(f)) >= 4 and (w.startswith(f) or f.startswith(w)))
            for w in words
        )
        for f in focus
    )


def best_sentences(question: str, passages: Sequence[str], limit: int = 2) -> list[tuple[int, str]]:
    """The sentences that answer `question` best, as (passage index, sentence), best first.

    Scored by the question's words they share (stemmed), a bonus for holding a new fact of the
    kind asked for (an amount for "how much", a name for "who"), and a small preference for
    earlier passages (retrieval rank). Sentences carrying injection marks are skipped, and the
    ones returned are defused: they are shown to users as quotes.
    """
    wanted = stems(question)
    kind = answer_kind(question)
    scored: list[tuple[float, int, str]] = []
    for rank, passage in enumerate(passages):
        passage = isolate_markers(passage)
        for start, end in sentence_spans(passage):
            sentence = passage[start:end]
            if planted(sentence):  # an injected instruction is never quoted as an answer
                continue
            score = _overlap(wanted, stems(sentence)) - 0.15 * rank
            if kind is not None and new_facts(kind, sentence, question):
                score += 1.5
            scored.append((score, rank, sentence))
    scored.sort(key=lambda s: -s[0])
    return [(rank, defuse(sentence)) for _, rank, sentence in scored[:limit]]
