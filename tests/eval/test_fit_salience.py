"""The salience model's training labels: a sentence is positive when it states a key fact."""

from __future__ import annotations

from eval.fit_salience import samples
from newsdesk.summary_eval import KeyFacts

TEXT = (
    "The Ardmore ferry service will close next spring. "
    '"We have looked at every option," a spokeswoman said. '
    "Keeping the ferry would cost the council £2.4m a year."
)


def test_a_sentence_stating_a_key_fact_is_positive_and_the_others_are_not() -> None:
    item = KeyFacts("bbc/val.csv", 0, "dev", ("keeping the ferry would cost £2.4m a year",))
    features, labels = samples(item, TEXT)
    assert labels.tolist() == [0.0, 0.0, 1.0]
    assert features.shape == (3, 5)


def test_a_sentence_sharing_words_but_not_the_number_is_not_positive() -> None:
    """Counter-example: the fact's number must be in the sentence, as the benchmark counts it."""
    item = KeyFacts("bbc/val.csv", 0, "dev", ("keeping the ferry would cost £3m a year",))
    _, labels = samples(item, TEXT)
    assert labels.tolist() == [0.0, 0.0, 0.0]
