"""The reader's labelled pairs, rebuilt from the question files and `../shared` (never stored).

A question's answer sentence is a positive. Its negatives are what a near miss and an
out-of-corpus question look like to the reader: the other sentences of the same article (the
near miss: the topic without the fact; a sentence that holds the answer string is left out), and
the most word-similar sentences of two other articles of the same category (out of corpus).

`people.jsonl` also holds real near misses: questions written about an article that ask for a
fact it never states. Every sentence of that article is a negative for them (the most
word-similar are kept), which is what a near miss looks like in use: the topic, all of it, and
not the fact.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from eval.people import ROUND12, batch_mark
from eval.reader.corpus import Row, read_rows, sentences

HERE = Path(__file__).parent
SOURCES = {
    "model": HERE / "questions.jsonl",
    "template": HERE / "templates.jsonl",
    "people": HERE / "people.jsonl",
    "people12": HERE / "people.jsonl",  # round 12's 882 only (ids `#p`): reader v8's data
}
SAME_ARTICLE = 4
OTHER_ARTICLES = 1
REPEAT = {"model": 2, "people": 2, "people12": 2}  # questions that read like a person's: twice
UNCAPPED = ("people", "people12")  # `max_questions` caps the generated sources only


@dataclass(frozen=True)
class Pair:
    qid: str
    question: str
    title: str
    sentence: str
    label: int
    origin: str  # "model" or "template"


def load_questions(origin: str) -> list[dict[str, object]]:
    path = SOURCES[origin]
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    rows = [q for q in rows if "question" in q and q.get("split", "train") == "train"]
    if origin == "people12":
        return [q for q in rows if batch_mark(str(q["id"])) == ROUND12]
    return rows


def words(text: str) -> set[str]:
    """Lowercase words of three letters or more: what word similarity is counted in."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def build_pairs(
    *, max_questions: int = 0, seed: int = 0, sources: tuple[str, ...] = tuple(SOURCES)
) -> tuple[list[Pair], list[Pair]]:
    """(train pairs from train.csv questions, val pairs from val.csv questions)."""
    rng = random.Random(seed)
    rows = {(f, r.row): r for f in ("train.csv", "val.csv") for r in read_rows(f)}
    by_category: dict[tuple[str, str], list[Row]] = {}
    for (file, _), row in rows.items():
        by_category.setdefault((file, row.category), []).append(row)
    questions = [(q, o) for o in sources if o not in UNCAPPED for q in load_questions(o)]
    rng.shuffle(questions)
    if max_questions:
        questions = questions[:max_questions]
    questions += [(q, o) for o in sources if o in UNCAPPED for q in load_questions(o)]
    train: list[Pair] = []
    val: list[Pair] = []
    for q, origin in questions:
        row = rows[str(q["file"]), int(q["row"])]  # type: ignore[call-overload]
        pairs = _pairs_for(q, origin, row, by_category[row.file, row.category], rng)
        repeat = REPEAT.get(origin, 1) if row.file == "train.csv" else 1
        (train if row.file == "train.csv" else val).extend(pairs * repeat)
    return train, val


def _pairs_for(
    q: dict[str, object], origin: str, row: Row, same_category: list[Row], rng: random.Random
) -> list[Pair]:
    question = str(q["question"])
    qid = str(q["id"]) + ":" + origin
    asked = words(question)
    if q.get("near_miss"):  # the article has the topic and not the fact: no positive
        pairs, others = [], sentences(row.body)
    else:
        answer = str(q["answer"]).casefold()
        span: list[int] = q["span"]  # type: ignore[assignment]
        gold = row.body[span[0] : span[1]]
        pairs = [Pair(qid, question, row.title, gold, 1, origin)]
        others = [s for s in sentences(row.body) if s != gold and answer not in s.casefold()]
    others.sort(key=lambda s: -len(asked & words(s)))
    pairs += [Pair(qid, question, row.title, s, 0, origin) for s in others[:SAME_ARTICLE]]
    pool = [r for r in rng.sample(same_category, min(20, len(same_category))) if r != row]
    for other in pool[:OTHER_ARTICLES]:
        best = max(sentences(other.body), key=lambda s: len(asked & words(s)), default=None)
        if best:
            pairs.append(Pair(qid, question, other.title, best, 0, origin))
    return pairs
