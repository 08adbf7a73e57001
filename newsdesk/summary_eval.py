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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.engine.text import NUMBER, stems
from index.chunk import sentence_spans

CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
WORD_SHARE = 2 / 3
SPLITS = ("train", "dev", "test")


class FactsFileError(ValueError):
    """The key-facts file is missing or malformed: one line naming the file and the problem."""


@dataclass(frozen=True)
class KeyFacts:
    file: str
    row: int
    split: str
    facts: tuple[str, ...]


R = TypeVar("R", "KeyFacts", "TopicFacts")


def _records(path: Path, kind: str, make: Callable[[dict[str, Any]], R]) -> list[R]:
    """One record per non-blank JSONL line, each with a train/dev/test `split` and non-empty
    `facts` (train: the key facts salience is fitted on, `eval/summary_keyfacts_train.jsonl`)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FactsFileError(f"{path}: cannot read ({exc.strerror})") from exc
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = make(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise FactsFileError(f"{path}:{number}: not a {kind} record ({exc})") from exc
        if item.split not in SPLITS or not item.facts:
            raise FactsFileError(
                f"{path}:{number}: split must be train, dev or test, facts non-empty"
            )
        items.append(item)
    return items


def load_facts(path: Path) -> list[KeyFacts]:
    return _records(
        path,
        "key-facts",
        lambda d: KeyFacts(str(d["file"]), int(d["row"]), str(d["split"]), tuple(d["facts"])),
    )


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
    """The sentences of a summary; each line (a bullet) is split on its own."""
    found = []
    for line in summary.splitlines():
        text = strip_citations(line.strip().lstrip("-*• ").strip()).strip("“”")
        found += [text[start:end] for start, end in sentence_spans(text)]
    return found


@dataclass(frozen=True)
class TopicFacts:
    """A topic-digest question: the topic, and facts each with the rows of the articles (of
    `file`) that state it."""

    id: str
    topic: str
    file: str
    split: str
    facts: tuple[tuple[str, tuple[int, ...]], ...]


def load_topics(path: Path) -> list[TopicFacts]:
    def make(d: dict[str, Any]) -> TopicFacts:
        facts = tuple((str(f["fact"]), tuple(int(r) for r in f["rows"])) for f in d["facts"])
        return TopicFacts(str(d["id"]), str(d["topic"]), str(d["file"]), str(d["split"]), facts)

    return _records(path, "topic", make)


CITED = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def digest_coverage(
    facts: Sequence[tuple[str, Sequence[int]]], digest: str, row_of: dict[int, int]
) -> tuple[float, float, tuple[int, int]]:
    """(stated, cited, (right, all)): the share of `facts` that a digest line states; the share
    that a line states while citing (by source number, `row_of` maps it to a row) an article
    that states the fact; and of the citations on lines stating a fact, how many point at an
    article that states it."""
    stated = cited = right = total = 0
    for fact, rows in facts:
        hit = hit_cited = False
        for line in digest.splitlines():
            if not fact_covered(fact, summary_sentences(line)):
                continue
            hit = True
            numbers_cited = {int(n) for m in CITED.finditer(line) for n in m.group(1).split(",")}
            hit_cited |= any(row_of.get(n) in rows for n in numbers_cited)
            right += sum(row_of.get(n) in rows for n in numbers_cited)
            total += len(numbers_cited)
        stated += hit
        cited += hit_cited
    return stated / len(facts), cited / len(facts), (right, total)


def coverage(facts: Sequence[str], summary: str) -> float:
    """The share of `facts` the summary states."""
    sentences = summary_sentences(summary)
    return sum(fact_covered(f, sentences) for f in facts) / len(facts) if facts else 0.0


def compression(summary: str, article: str) -> float:
    return len(strip_citations(summary)) / max(len(article), 1)
