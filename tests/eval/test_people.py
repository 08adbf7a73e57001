"""The data written at scale: `eval/reader/people.jsonl`, its held-out `eval/people_dev.jsonl`, and
`eval/summary_keyfacts_train.jsonl` hold what their briefs promise, and the reader's dataset
reads a near miss as negatives only."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eval.check_bbc import copied
from eval.people import people_questions
from eval.reader.corpus import eval_rows, read_rows, sentences
from eval.reader.dataset import Pair, _pairs_for
from eval.reader.people_batch import problems
from newsdesk.summary_eval import load_facts

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [json.loads(line) for line in (ROOT / "eval/reader/people.jsonl").open(encoding="utf-8")]
pytestmark = pytest.mark.skipif(
    not (ROOT.parent / "shared/corpus/bbc/train.csv").exists(), reason="needs ../shared"
)


def test_answers_sit_in_their_sentence_and_no_question_copies_its_article() -> None:
    rows = {r.row: r for r in read_rows("train.csv")}
    used = {row for _, row in eval_rows()}
    for q in PEOPLE:
        row = rows[q["row"]]
        assert q["row"] not in used, q["id"]  # never a story an evaluation question uses
        assert copied(q["question"], f"{row.title} {row.body}") is None, q["id"]
        if not q.get("near_miss"):
            start, end = q["span"]
            assert q["answer"] in row.body[start:end], q["id"]


def test_the_held_out_quarter_is_people_dev_and_no_article_is_on_both_sides() -> None:
    held = [json.loads(line) for line in (ROOT / "eval/people_dev.jsonl").open(encoding="utf-8")]
    dev = [q for q in PEOPLE if q["split"] == "dev"]
    assert held == people_questions("dev")
    train = people_questions("train", rounds=("p", "q"))
    assert len(train) == sum(q["split"] == "train" for q in PEOPLE)
    assert len(people_questions("train")) == 882  # round 12's: what the evidence models fit
    assert not {q["row"] for q in PEOPLE if q["split"] == "train"} & {q["row"] for q in dev}
    assert not {q["question"] for q in train} & {q["question"] for q in held}
    assert sum(not q["answerable"] for q in held) == sum(bool(q.get("near_miss")) for q in dev)


def test_a_near_miss_gives_only_negatives_from_its_own_article() -> None:
    near = next(q for q in PEOPLE if q.get("near_miss"))
    rows = read_rows("train.csv")
    row = next(r for r in rows if r.row == near["row"])
    same = [r for r in rows if r.category == row.category]
    pairs: list[Pair] = _pairs_for(near, "people", row, same, random.Random(0))
    assert pairs and all(p.label == 0 for p in pairs)
    assert any(p.title == row.title for p in pairs)


def test_the_training_key_facts_are_over_train_csv_only() -> None:
    facts = load_facts(ROOT / "eval/summary_keyfacts_train.jsonl")
    used = {row for _, row in eval_rows()}
    assert len(facts) == 480
    assert all(f.file == "bbc/train.csv" and f.split == "train" for f in facts)
    assert all(5 <= len(f.facts) <= 8 and f.row not in used for f in facts)


def test_a_writers_lines_are_checked_before_they_are_appended() -> None:
    """`people_batch.py check`: the lines of a row written as `append` stored them pass; a wrong
    answer, a copied title, a missing near miss and a row that is not the writer's do not."""
    row_number = next(int(q["row"]) for q in PEOPLE if "#q" in q["id"])
    row = next(r for r in read_rows("train.csv") if r.row == row_number)
    spans = sentences(row.body, spans=True)
    stored = [q for q in PEOPLE if q["row"] == row_number]
    written = [
        {"row": row_number, "type": q["type"], "question": q["question"]}
        | (
            {"kind": "near-miss"}
            if q.get("near_miss")
            else {
                "kind": "answerable",
                "answer": q["answer"],
                "sentence": spans.index(tuple(q["span"])),
            }
        )
        for q in stored
    ]
    assert problems(written, [row_number]) == []
    wrong = [dict(written[0], answer="not in the sentence"), *written[1:]]
    assert any("is not an exact part" in p for p in problems(wrong, [row_number]))
    lifted = " ".join(row.title.split()[:6]) if len(row.title.split()) >= 6 else row.body[:60]
    copy = [dict(written[0], question=f"Why {lifted}?"), *written[1:]]
    assert any("copies six words" in p for p in problems(copy, [row_number]))
    answerable_only = [q for q in written if q["kind"] == "answerable"]
    assert problems(answerable_only, [row_number]) == [
        f"row {row_number}: want 2 answerable + 1 near-miss"
    ]
    assert problems(written, [row_number + 1])[0].startswith("line 1: row")
