"""The date questions: load, check against the dated corpus, split once into dev and test.

    .venv/bin/python eval/dates/date_questions.py check  # each question against the corpus
    .venv/bin/python eval/dates/date_questions.py split  # once: eval/dates/dev.jsonl, test.jsonl

Kinds: `windowed` (asked on `asked`, its window holds the gold article), `latest` (the gold article
is the newest on the subject by `asked`), `stale` (no article on the subject in the asked window:
the answer must say the newest is from `stale_date`) and `undated` (no time words: controls).
`check` fails on a question whose gold row is not in the corpus, whose title does not match, whose
expected strings are not in its article, which copies six words running from it, or, for a stale
question, whose `stale_date` is not its gold article's date.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from index.dates import format_day
from index.ingest.clean import fix_text, guess_title

HERE = Path(__file__).resolve().parent
CORPUS = Path("data/dates/corpus.csv")
KINDS = ("windowed", "latest", "stale", "undated")
SEED = 1906


@dataclass(frozen=True)
class DateQuestion:
    id: str
    kind: str
    asked: date
    question: str
    expected: tuple[str, ...]
    article: str
    origin: str
    stale_date: str = ""


def load(path: Path) -> list[DateQuestion]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            raw["asked"] = date.fromisoformat(raw["asked"])
            raw["expected"] = tuple(raw["expected"])
            out.append(DateQuestion(**raw))
    return out


def corpus(path: Path = CORPUS) -> dict[str, dict[str, str]]:
    """The corpus rows by origin (`train:164`), with `title` and `body` as Newsdesk reads them."""
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8", newline="") as f:
        rows = {r["origin"]: r for r in csv.DictReader(f)}
    for row in rows.values():
        row["title"], row["body"] = guess_title(fix_text(row["text"]))
    return rows


def problems(q: DateQuestion, rows: dict[str, dict[str, str]]) -> list[str]:
    if q.kind not in KINDS:
        return [f"unknown kind {q.kind!r}"]
    row = rows.get(q.origin)
    if row is None:
        return [f"{q.origin} is not in the corpus"]
    found = []
    if q.article.casefold() not in row["title"].casefold():
        found.append(f"title {row['title']!r} does not contain {q.article!r}")
    text = (row["title"] + " " + row["body"]).casefold()
    found += [f"{e!r} not in the article" for e in q.expected if e.casefold() not in text]
    if q.kind != "stale" and not q.expected:
        found.append("no expected answer")
    if q.kind == "stale":
        day = row["published"] and format_day(date.fromisoformat(row["published"]))
        if day != q.stale_date:
            found.append(f"stale_date {q.stale_date!r} but the article is dated {day!r}")
    words = re.findall(r"\w+", q.question.casefold())
    body = " ".join(re.findall(r"\w+", text))
    for i in range(len(words) - 5):
        if " ".join(words[i : i + 6]) in body:
            found.append(f"copies the article: {' '.join(words[i : i + 6])!r}")
            break
    return found


def split(questions: list[DateQuestion]) -> tuple[list[str], list[str]]:
    """Within each kind: ids sorted, shuffled with `SEED`, halved (an odd extra to dev, test...)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        by_kind[q.kind].append(q.id)
    rng = random.Random(SEED)
    dev: list[str] = []
    test: list[str] = []
    extra_to_dev = True
    for kind in KINDS:
        ids = sorted(by_kind[kind])
        rng.shuffle(ids)
        half = len(ids) // 2 + (len(ids) % 2 and extra_to_dev)
        extra_to_dev ^= bool(len(ids) % 2)
        dev += ids[:half]
        test += ids[half:]
    return dev, test


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    source = HERE / "questions.jsonl"
    questions = load(source)
    if command == "check":
        rows = corpus()
        bad = 0
        for q in questions:
            for problem in problems(q, rows):
                print(f"{q.id}: {problem}")
                bad += 1
        kinds = {k: sum(q.kind == k for q in questions) for k in KINDS}
        print(f"{len(questions)} questions {kinds}: {bad} problems")
        return 1 if bad else 0
    if command == "split":
        lines = {q.id: line for q, line in zip(questions, _lines(source), strict=True)}
        dev, test = split(questions)
        for name, ids in (("dev", dev), ("test", test)):
            path = HERE / f"{name}.jsonl"
            path.write_text("".join(lines[i] + "\n" for i in sorted(ids, key=list(lines).index)))
            print(f"{path}: {len(ids)} questions")
        return 0
    print(__doc__)
    return 2


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
