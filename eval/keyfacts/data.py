"""Training data for the key-fact tagger: which words of an article's sentences state key facts.

For each article of the key-fact set and each of its sentences (`bullets.article_sentences`, as the
summariser sees them), a word is positive when it lies in the window of a key fact the sentence
states (`summary_eval.fact_covered`): the shortest run of the sentence's words holding every one
of the fact's content-word stems and numbers that the sentence has. Sentences that state no key
fact are all negative. The labels are derived from the written facts each time; nothing of the
article text is stored.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.bullets import article_sentences
from bot.engine.text import NUMBER, stems
from index.ingest.load import load_source
from newsdesk.summary_eval import KeyFacts, fact_covered, load_facts, numbers

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
FACTS = ROOT / "eval" / "summary_keyfacts_train.jsonl"
HELD_OUT_SEED = 20261207
FILES = ("train.csv", "val.csv")  # the BBC files key facts may come from
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Labelled:
    """One sentence of an article: its place, the article's title, and the character spans of
    the sentence that state a key fact (empty: none)."""

    article: str  # "bbc/train.csv:551"
    position: int
    count: int
    title: str
    sentence: str
    spans: tuple[tuple[int, int], ...]


def fact_window(fact: str, sentence: str) -> tuple[int, int] | None:
    """The character span of the shortest run of `sentence`'s words holding every content-word
    stem and number of `fact` that the sentence holds; None when it holds none."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(sentence)]
    want = stems(NUMBER.sub(" ", fact)) | numbers(fact)
    keys = [(stems(w) | numbers(w)) & want for _, _, w in words]
    present = set().union(*keys) if keys else set()
    if not present:
        return None
    best: tuple[int, int] | None = None
    for i, key in enumerate(keys):
        if not key:
            continue
        seen: set[str] = set()
        for j in range(i, len(words)):
            seen |= keys[j]
            if seen >= present:
                if best is None or words[j][1] - words[i][0] < best[1] - best[0]:
                    best = (words[i][0], words[j][1])
                break
    return best


def labelled_sentences(facts: KeyFacts, title: str, text: str) -> Iterator[Labelled]:
    sentences = article_sentences(text)
    for i, sentence in enumerate(sentences):
        spans = []
        for fact in facts.facts:
            if fact_covered(fact, [sentence]):
                window = fact_window(fact, sentence)
                if window is not None:
                    spans.append(window)
        yield Labelled(article_id(facts), i, len(sentences), title, sentence, tuple(sorted(spans)))


def load(path: Path, splits: Sequence[str]) -> list[tuple[KeyFacts, str, str]]:
    """(facts, title, text) for each article of the key-fact file in `splits`."""
    docs: dict[str, list] = {}
    found = []
    for facts in load_facts(path):
        if facts.split not in splits:
            continue
        name = Path(facts.file).name
        if name not in FILES:
            raise ValueError(f"{facts.file}: only {' and '.join(FILES)} may be trained or tuned on")
        if name not in docs:
            docs[name] = load_source(str(CORPUS / name), max_bytes=1 << 30, timeout=10)
        doc = docs[name][facts.row]
        found.append((facts, doc.title, doc.text))
    return found


def article_id(facts: KeyFacts) -> str:
    return f"{facts.file}:{facts.row}"


def held_out(articles: Iterable[str]) -> set[str]:
    """The tenth of the training articles ("train.csv:551") the tagger is not trained on, chosen
    once at random."""
    ordered = sorted(set(articles))
    return set(random.Random(HELD_OUT_SEED).sample(ordered, len(ordered) // 10))


def dataset(path: Path, splits: Sequence[str]) -> list[Labelled]:
    return [s for f, title, text in load(path, splits) for s in labelled_sentences(f, title, text)]
