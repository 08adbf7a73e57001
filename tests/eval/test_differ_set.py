"""`eval/differ.jsonl` parses, its rows exist in train.csv, and each row states a case's figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.differ_eval import KINDS, figures_of_rows, load, names_two, train_rows

ROOT = Path(__file__).resolve().parents[2]
CASES = load(ROOT / "eval" / "differ.jsonl")
TRAIN = ROOT.parent / "shared" / "corpus" / "bbc" / "train.csv"


def test_the_set_has_unique_ids_and_both_sides() -> None:
    assert len({c["id"] for c in CASES}) == len(CASES)
    counts = {kind: sum(c["kind"] == kind for c in CASES) for kind in KINDS}
    assert counts["disagree"] >= 12
    assert counts["agree"] + counts["single"] >= 12
    for case in CASES:
        if case["kind"] == "disagree":
            assert len(case["rows"]) >= 2 and len(case["figures"]) >= 2
        if case["kind"] == "single":
            assert len(case["rows"]) == 1


def test_the_line_must_name_two_different_figures() -> None:
    assert names_two("Sources differ: [1] says £1.3bn, [2] says £1.35bn.", ["£1.3bn", "£1.35bn"])
    assert not names_two(
        "Sources differ: [1] says $1.3652, [2] says $1.3666.", ["$1.3667", "$1.3666"]
    )


@pytest.mark.skipif(not TRAIN.exists(), reason="the BBC corpus (../shared) is not here")
def test_every_row_exists_and_states_one_of_its_figures() -> None:
    texts = train_rows(TRAIN)
    for case in CASES:
        assert all(0 <= row < len(texts) for row in case["rows"]), case["id"]
        stated = figures_of_rows(case, texts)
        assert all(stated[row] for row in case["rows"]), case["id"]
        if case["kind"] == "disagree":  # the rows hold at least two of the different figures
            assert len(set().union(*stated.values())) >= 2, case["id"]
