"""After the model: citations, facts against sources, verification and the extractive fallback.

Nothing the model says is trusted: a citation must point at a numbered source, and the facts an
answer states (numbers, dates, amounts, names) must occur in the passages it cites. An answer
that fails a check is replaced by sentences quoted from the sources (`extractive_answer`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.engine.coverage import about, best_sentences
from bot.engine.text import COMMON_CAPS, NAME, answer_kind, content_words, new_facts, numbers
from bot.types import Answer, Source
from index.chunk import sentence_spans

log = logging.getLogger(__name__)

NOT_COVERED = "The indexed articles don't cover that."
MIN_SUPPORT = 0.6

_NUMERIC = re.compile(r"\d[\d.]*")
_CITATION = re.compile(r"\s*\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")


@dataclass(frozen=True)
class Numbered:
    """The sources of one answer: articles numbered 1..n in rank order, with their passages."""

    sources: tuple[Source, ...]
    passages: tuple[tuple[int, str], ...]  # (source number, passage text), rank order

    def texts_of(self, numbers: Sequence[int]) -> list[str]:
        return [text for n, text in self.passages if n in numbers]


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
    """The checkable facts of `text`: numbers (normalised; in words too: "eight" is "8") and
    capitalised names."""
    plain = strip_citations(text)
    found = numbers(plain)
    for name in NAME.findall(plain):
        words = [w for w in name.split() if w not in COMMON_CAPS]
        if words:
            found.add(" ".join(words).lower())
    return found


def unsupported_facts(text: str, sources: Sequence[str]) -> set[str]:
    """Facts stated in `text` that occur in none of `sources`."""
    # A citation look-alike in an article ("[9]") is not a fact: it must not vouch for a "9".
    haystack = strip_citations(" ".join(sources))
    stated = numbers(haystack)
    lowered = haystack.lower()
    return {
        f
        for f in facts(text)
        if (f not in stated if _NUMERIC.fullmatch(f) else f not in lowered)  # "9" is not in "90"
    }


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


def verify(question: str, raw: str, numbered: Numbered) -> Answer:
    """Keep the model's answer only if its citations and facts check out; else quote the sources."""
    valid = [s.n for s in numbered.sources]
    text, cited = parse_citations(raw, valid)
    all_texts = [t for _, t in numbered.passages]
    if text and not cited:  # uncited but possibly right: cite the sources that support it
        cited = tuple(n for n in valid if not unsupported_facts(text, numbered.texts_of([n])))[:1]
        text = f"{text} [{cited[0]}]" if cited else text
    cited_texts = numbered.texts_of(cited) or all_texts
    problems = unsupported_facts(text, cited_texts)
    if (
        text
        and cited
        and not problems
        and support(text, cited_texts) >= MIN_SUPPORT
        and anchored(text, cited_texts, question)
        and answers_kind(text, question)
        and all(about(question, t) for t in cited_texts)
    ):
        return Answer(question, text, True, cited, numbered.sources)
    log.info("grounding fallback unsupported=%d cited=%s", len(problems), cited)
    return extractive_answer(question, numbered)


def answers_kind(text: str, question: str) -> bool:
    """An answer to "how much"/"who"/"when" must state an amount/name/date the question lacks."""
    kind = answer_kind(question)
    return kind is None or bool(new_facts(kind, strip_citations(text), question))


def extractive_answer(question: str, numbered: Numbered) -> Answer:
    # Quote from passages about the question's names and numbers when there are any.
    passages = [p for p in numbered.passages if about(question, p[1])] or list(numbered.passages)
    ranked = best_sentences(question, [t for _, t in passages], limit=2)
    parts: list[str] = []
    cited: list[int] = []
    for index, sentence in ranked:
        n = passages[index][0]
        parts.append(f"“{sentence}” [{n}]")
        if n not in cited:
            cited.append(n)
    text = " ".join(parts) if parts else NOT_COVERED
    return Answer(question, text, bool(parts), tuple(cited), numbered.sources)
