"""The committed dev/test halves of both BBC question sets are the ones `eval/split.py` gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.split import SETS, split

EVAL = Path(__file__).resolve().parents[2] / "eval"


def _ids(path: Path) -> list[str]:
    return [str(json.loads(line)["id"]) for line in path.read_text("utf-8").splitlines() if line]


@pytest.mark.parametrize("source", sorted(SETS))
def test_the_committed_halves_are_the_seeded_split(source: str) -> None:
    seed, suffix = SETS[source]
    questions = [
        json.loads(line) for line in (EVAL / source).read_text("utf-8").splitlines() if line
    ]
    dev, test = split(questions, seed)
    assert _ids(EVAL / f"dev{suffix}.jsonl") == [q["id"] for q in questions if q["id"] in dev]
    assert _ids(EVAL / f"test{suffix}.jsonl") == [q["id"] for q in questions if q["id"] in test]
    assert abs(len(dev) - len(test)) <= 1


def test_the_second_set_shares_no_id_or_row_with_the_first() -> None:
    first = [json.loads(line) for line in (EVAL / "bbc.jsonl").read_text("utf-8").splitlines()]
    second = [json.loads(line) for line in (EVAL / "bbc2.jsonl").read_text("utf-8").splitlines()]
    assert not {q["id"] for q in first} & {q["id"] for q in second}
    rows = {q["row"] for q in first if q["row"] is not None}
    assert not rows & {q["row"] for q in second if q["row"] is not None}
