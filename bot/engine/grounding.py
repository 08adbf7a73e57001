"""Pure checks on generated text: citations, facts against sources, extractive fallbacks.

Nothing the model says is trusted: a citation must point at a numbered source, and the facts an
answer states (numbers, dates, amounts, names) must occur in the passages it cites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from index.chunk import sentence_spans

_CITATION = re.compile(r"\s*\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*")
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    (
        "a an the of to in on at for by with from and or "
        "but is are was were be been being it its this that these those "
        "as into about over under after before than then there their they he she "
        "his her we you i what which who whom whose when where why how "
        "does did do has have had will would can could should may might not "
        "no yes so if said says also up out more most much many any "
        "some them him me my our your its "
    ).split()
)
# Words that start sentences or are otherwise capitalised without naming anything.
_COMMON_CAPS = frozenset(
    (
        "The A An It In On At He She They We This "
        "That These Those There His Her Its Their According However But And "
        "Yes No Source Sources Answer Question Based Mr Mrs Ms Dr "
    ).split()
)


def parse_citations(text: str, valid: Iterable[int]) -> tuple[str, tuple[int, ...]]:
    """Remove citations that point at no source; return the cleaned text and the valid numbers."""
    allowed = set(valid)
    found: list[int] = []

    def keep(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        good = [n for n in numbers if n in allowed]
        found.extend(n for n in good if n not in found)
        return f" [{', '.join(map(str, good))}]" if good else ""

    cleaned = _CITATION.sub(keep, text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned).strip(), tuple(found)


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text).strip()


def facts(text: str) -> set[str]:
    """The checkable facts of `text`: numbers (normalised) and capitalised names."""
    plain = strip_citations(text)
    found = {n.replace(",", "") for n in _NUMBER.findall(plain)}
    for name in _NAME.findall(plain):
        words = [w for w in name.split() if w not in _COMMON_CAPS]
        if words:
            found.add(" ".join(words).lower())
    return found


def unsupported_facts(text: str, sources: Sequence[str]) -> set[str]:
    """Facts stated in `text` that occur in none of `sources`."""
    haystack = " ".join(sources)
    numbers = {n.replace(",", "") for n in _NUMBER.findall(haystack)}
    lowered = haystack.lower()
    return {f for f in facts(text) if f not in numbers and f not in lowered}


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def support(text: str, sources: Sequence[str]) -> float:
    """The share of the answer's content words that occur in the sources (0..1)."""
    words = content_words(strip_citations(text))
    if not words:
        return 0.0
    pool = content_words(" ".join(sources))
    return len(words & pool) / len(words)


def anchored(answer: str, passages: Sequence[str], question: str) -> bool:
    """Whether the sentences the answer draws on are about the question.

    An answer copied from an unrelated sentence (e.g. an instruction planted in an article) uses
    source words, but not source sentences that share anything with what was asked.
    """
    said = content_words(strip_citations(answer))
    asked = content_words(question)
    if not said:
        return False
    for passage in passages:
        for start, end in sentence_spans(passage):
            words = content_words(passage[start:end])
            if len(said & words) * 2 >= min(len(said), 4) and asked & words:
                return True
    return False
