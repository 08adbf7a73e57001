"""Split the BBC question set once, at random, into dev and test halves (stratified).

    python eval/split.py [eval/bbc.jsonl]    # writes eval/dev.jsonl and eval/test.jsonl
    python eval/split.py eval/bbc2.jsonl     # writes eval/dev2.jsonl and eval/test2.jsonl

Within each (type, category) cell the ids are sorted, shuffled with a fixed seed and cut in half;
a cell with an odd count gives its extra question to dev and test in turn, so the halves differ by
at most one question and every type and category is split close to evenly. The assignment depends
only on the seed and the ids, so re-running it after fixing a dev question's wording reproduces the
same split. Tune on dev; report test. Each question set has its own fixed seed and output names
(`SETS`); the first set's split is unchanged by the second's.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261202
# question file -> (seed, suffix of the halves it writes: dev{suffix}.jsonl, test{suffix}.jsonl)
SETS = {"bbc.jsonl": (SEED, ""), "bbc2.jsonl": (20261207, "2")}
TYPES = (
    "amount",
    "name",
    "date",
    "place",
    "why",
    "descriptive",
    "near-miss",
    "out-of-corpus",
)


def split(questions: list[dict[str, object]], seed: int = SEED) -> tuple[list[str], list[str]]:
    """The ids of the dev and test halves."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in questions:
        cells[str(q["type"]), str(q["category"])].append(str(q["id"]))
    if unknown := sorted({kind for kind, _ in cells} - set(TYPES)):
        raise ValueError(f"unknown question type(s): {', '.join(unknown)}")
    rng = random.Random(seed)
    dev: list[str] = []
    test: list[str] = []
    extra_to_dev = True
    for cell in sorted(cells, key=lambda c: (TYPES.index(c[0]), c[1])):
        ids = sorted(cells[cell])
        rng.shuffle(ids)
        half = len(ids) // 2
        if len(ids) % 2:
            half += extra_to_dev
            extra_to_dev = not extra_to_dev
        dev += ids[:half]
        test += ids[half:]
    return dev, test


def main(argv: list[str]) -> int:
    source = Path(argv[1] if len(argv) > 1 else "eval/bbc.jsonl")
    if source.name not in SETS:
        raise SystemExit(f"{source}: no seed for this file; add it to SETS ({', '.join(SETS)})")
    seed, suffix = SETS[source.name]
    lines = [line for line in source.read_text("utf-8").splitlines() if line.strip()]
    questions = [json.loads(line) for line in lines]
    by_id = dict(zip((str(q["id"]) for q in questions), lines, strict=True))
    dev, test = split(questions, seed)
    for name, ids in (("dev", dev), ("test", test)):
        path = source.with_name(f"{name}{suffix}.jsonl")
        path.write_text("".join(by_id[i] + "\n" for i in sorted(ids, key=list(by_id).index)))
        print(f"{path}: {len(ids)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
