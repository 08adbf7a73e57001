"""Measuring summaries against hand-written key facts: coverage and compression.

`eval/summary_facts.jsonl` holds, per BBC article (a row of `../shared/corpus/bbc/<file>`, read at
run time, never copied), 5–8 short facts a good summary states: who, what, when, numbers, what
happens next. A fact counts as covered when ONE sentence of the summary holds all of the fact's
numbers and at least two thirds of its content-word stems — words scattered over several sentences
don't count, and citation markers like `[1]` are not numbers. Compression is the summary's length
(markers removed) over the article's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.text import NUMBER, stems
from index.chunk import sentence_spans

CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
WORD_SHARE = 2 / 3


class FactsFileError(ValueError):
    """The key-facts file is missing or malformed: one line naming the file and the problem."""


@dataclass(frozen=True)
class KeyFacts:
    file: str
    row: int
    split: str
    facts: tuple[str, ...]


def load_facts(path: Path) -> list[KeyFacts]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FactsFileError(f"{path}: cannot read ({exc.strerror})") from exc
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = KeyFacts(
                str(data["file"]), int(data["row"]), str(data["split"]), tuple(data["facts"])
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise FactsFileError(f"{path}:{number}: not a key-facts record ({exc})") from exc
        if item.split not in ("dev", "test") or not item.facts:
            raise FactsFileError(f"{path}:{number}: split must be dev or test, facts non-empty")
        items.append(item)
    return items


def strip_citations(summary: str) -> str:
    return CITATION.sub("", summary).strip()


def numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in NUMBER.finditer(text)}


def fact_covered(fact: str, sentences: Sequence[str]) -> bool:
    """True when one of `sentences` states `fact` (all its numbers, 2/3 of its words)."""
    want_numbers = numbers(fact)
    want_words = stems(NUMBER.sub(" ", fact))
    need = math.ceil(WORD_SHARE * len(want_words))
    for sentence in sentences:
        if want_numbers <= numbers(sentence) and len(want_words & stems(sentence)) >= need:
            return True
    return False


def summary_sentences(summary: str) -> list[str]:
    text = strip_citations(summary)
    return [text[start:end] for start, end in sentence_spans(text)]


def coverage(facts: Sequence[str], summary: str) -> float:
    """The share of `facts` the summary states."""
    sentences = summary_sentences(summary)
    return sum(fact_covered(f, sentences) for f in facts) / len(facts) if facts else 0.0


def compression(summary: str, article: str) -> float:
    return len(strip_citations(summary)) / max(len(article), 1)
