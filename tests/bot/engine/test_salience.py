from __future__ import annotations

import json

import pytest

from bot.engine.salience import FEATURES, Salience, centrality, default_salience
from bot.engine.summarise import Budget, extractive_summary

TWO = Budget(min_sentences=2, max_sentences=2, max_chars=1000)

# A lead, an opening quotation, background, and the cost three sentences in.
FERRY = [
    "The Ardmore ferry service will close next spring, the island council has decided.",
    '"We have looked at every option," a council spokeswoman told reporters.',
    "Islanders have relied on the ferry for generations.",
    "Keeping the ferry would cost the council £2.4m a year.",
    "The harbour was rebuilt in the 1960s.",
    "Some islanders plan to protest at the next council meeting.",
    "The last sailing is planned for April.",
    "A bus link to the mainland bridge is being considered instead.",
]


def test_a_figure_three_sentences_in_is_chosen_over_the_opening_quotation() -> None:
    summary = extractive_summary(" ".join(FERRY), TWO, default_salience())
    assert "£2.4m a year" in summary
    assert "every option" not in summary
    assert summary.startswith("The Ardmore ferry service will close next spring")  # article order


def test_without_salience_the_summary_is_the_lead() -> None:
    summary = extractive_summary(" ".join(FERRY), TWO)
    assert "every option" in summary and "£2.4m" not in summary


def test_a_figure_at_the_end_of_a_long_article_does_not_outrank_the_second_sentence() -> None:
    """Counter-example: a number lifts a sentence, but not from the article's tail over its lead."""
    sentences = [
        "The Ardmore ferry service will close next spring.",
        "The island council decided it after a long review of the ferry.",
        "Islanders have relied on the crossing for generations.",
        "The harbour was rebuilt after a storm.",
        "Some residents plan to protest at the next meeting.",
        "Tourism on the island has grown.",
        "A bus link to the mainland bridge is being considered.",
        "Local shops depend on deliveries.",
        "The school will keep its timetable.",
        "The harbour has 40 moorings.",
    ]
    summary = extractive_summary(" ".join(sentences), TWO, default_salience())
    assert "long review of the ferry" in summary
    assert "40 moorings" not in summary


def test_the_first_sentence_comes_first_even_when_it_is_a_quotation() -> None:
    """Counter-example: the quotation feature never drops the article's own opening."""
    sentences = ['"We will close the ferry," the council said on Monday.', *FERRY[2:]]
    assert default_salience().order(sentences)[0] == 0
    summary = extractive_summary(" ".join(sentences), TWO, default_salience())
    assert summary.startswith('"We will close the ferry,"')


def test_a_sentence_sharing_the_articles_words_is_more_central_than_an_aside() -> None:
    scores = centrality(
        [
            "The ferry service will close.",
            "The council voted to close the ferry service.",
            "Closing the ferry service saves money.",
            "The weather was mild.",
        ]
    )
    assert min(scores[:3]) > 1.0 > scores[3]
    assert sum(scores) == pytest.approx(4.0)


@pytest.mark.parametrize("sentences", [["One sentence only."], ["Of the.", "And it."], []])
def test_centrality_without_links_is_even(sentences: list[str]) -> None:
    assert centrality(sentences) == [1.0] * len(sentences)


def test_weights_fitted_for_other_features_are_refused() -> None:
    raw = {"features": [*FEATURES, "extra"], "bias": 0.0, "weights": [0.0] * 6}
    with pytest.raises(ValueError, match=r"re-run fit_salience\.py"):
        Salience.load(json.dumps(raw))
