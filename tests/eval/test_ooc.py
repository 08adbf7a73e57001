"""The out-of-corpus questions written at scale (`eval/ooc/questions.jsonl`): every topic is absent
from the corpus the evaluation index holds, and the held-out quarter is `eval/ooc_dev.jsonl`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.ooc import ooc_questions
from eval.ooc.check import problems, read_corpus

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [json.loads(line) for line in (ROOT / "eval/ooc/questions.jsonl").open("rb")]


@pytest.mark.skipif(
    not (ROOT.parent / "shared/corpus/bbc/train.csv").exists(), reason="needs ../shared"
)
def test_no_probe_matches_the_corpus() -> None:
    assert problems(QUESTIONS, read_corpus(ROOT.parent / "shared/corpus/bbc/train.csv")) == []


def test_a_probe_that_matches_the_corpus_is_reported() -> None:
    texts = ["Chelsea have signed Didier Drogba from Marseille for £24m."]
    bad = {"id": "x", "question": "How much did Chelsea pay for Drogba?", "kind": "amount"}
    assert problems([{**bad, "probes": [r"\bHaaland\b"]}], texts) == []
    (found,) = problems([{**bad, "probes": ["Drogba"]}], texts)
    assert "matches the corpus" in found


def test_the_held_out_quarter_is_ooc_dev_and_shares_no_question_with_train() -> None:
    held = [json.loads(line) for line in (ROOT / "eval/ooc_dev.jsonl").open("rb")]
    assert held == ooc_questions("dev")
    train = ooc_questions("train")
    assert len(held) + len(train) == len(QUESTIONS)
    assert not {q["question"] for q in held} & {q["question"] for q in train}
    assert all(not q["answerable"] and q["type"] == "out-of-corpus" for q in held + train)
