"""The key-fact tagger's labels: the words of a sentence that state a written key fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.keyfacts.data import fact_window, held_out, labelled_sentences, load
from newsdesk.summary_eval import KeyFacts

SENTENCE = (
    "The island council said on Monday that keeping the Ardmore ferry would cost £2.4m a year, "
    "more than it can afford."
)


def test_the_window_is_the_shortest_run_holding_the_facts_words() -> None:
    start, end = fact_window("keeping the ferry would cost £2.4m a year", SENTENCE) or (0, 0)
    assert SENTENCE[start:end] == "keeping the Ardmore ferry would cost £2.4m a year,"


def test_a_fact_the_sentence_does_not_share_a_word_with_has_no_window() -> None:
    """Counter-example: an unrelated fact labels nothing."""
    assert fact_window("the harbour was rebuilt in 1960", SENTENCE) is None


def test_only_sentences_that_state_a_fact_get_labels() -> None:
    text = f"Ardmore ferry to close. {SENTENCE} The harbour has 40 moorings."
    facts = KeyFacts("bbc/train.csv", 1, "train", ("keeping the ferry would cost £2.4m a year",))
    labelled = list(labelled_sentences(facts, "Ferry", text))
    assert [bool(s.spans) for s in labelled] == [False, True, False]
    assert [s.position for s in labelled] == [0, 1, 2]


def test_a_tenth_of_the_articles_is_held_out_the_same_way_each_time() -> None:
    articles = [f"bbc/train.csv:{row}" for row in range(480)]
    assert held_out(articles) == held_out(reversed(articles))
    assert len(held_out(articles)) == 48


def test_a_file_other_than_train_and_val_is_refused(tmp_path: Path) -> None:
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"file": "bbc/other.csv", "row": 0, "split": "train", "facts": ["x"]}\n')
    with pytest.raises(ValueError, match=r"only train\.csv and val\.csv"):
        load(facts, ["train"])
