"""Answers that say where articles disagree on a figure, and the cases they must leave alone."""

from __future__ import annotations

import pytest

from bot.engine.differ import figures, sources_differ
from bot.engine.evidence import Candidate
from bot.engine.grounding import Numbered
from bot.types import Answer, Source

QUESTION = "How much did Harlow Foods pay for the Brackley dairy?"
OURS = "Harlow Foods paid £35m for the Brackley dairy, the firm said on Monday."


def numbered(*passages: str) -> Numbered:
    sources = tuple(
        Source(n, f"id{n}", f"Article {n}", f"a{n}.txt", None, 0.5, text[:80])
        for n, text in enumerate(passages, start=1)
    )
    return Numbered(sources, tuple(enumerate(passages, start=1)))


def ranked(*sentences: tuple[int, str]) -> list[Candidate]:
    return [Candidate(n, n - 1, 0, text, (), -float(i)) for i, (n, text) in enumerate(sentences)]


def quote(text: str, n: int, sources: Numbered) -> Answer:
    return Answer(QUESTION, f"“{text}” [{n}]", True, (n,), sources.sources, mode="quote")


def test_a_second_article_with_another_figure_for_the_same_thing_is_named() -> None:
    theirs = "Harlow Foods paid £38m for the Brackley dairy, a union official said."
    sources = numbered(OURS, theirs)
    answer = sources_differ(
        QUESTION, quote(OURS, 1, sources), ranked((1, OURS), (2, theirs)), sources
    )
    assert answer.text.endswith("\nSources differ: [1] says £35m, [2] says £38m.")
    assert answer.citations == (1, 2)


def test_a_model_answer_is_compared_through_the_sentence_its_figure_came_from() -> None:
    theirs = "Harlow Foods paid £38m for the Brackley dairy, a union official said."
    sources = numbered(OURS, theirs)
    said = Answer(QUESTION, "It paid £35m [1].", True, (1,), sources.sources, mode="model")
    answer = sources_differ(QUESTION, said, ranked((2, theirs), (1, OURS)), sources)
    assert "[1] says £35m, [2] says £38m" in answer.text


@pytest.mark.parametrize(
    "theirs",
    [
        # agreeing articles leave the answer one sentence
        "The Brackley dairy was bought by Harlow Foods for £35 million in cash.",
        # counter-example: "up from £35m" agrees with the first article
        "Harlow Foods paid £38m for the Brackley dairy, up from the £35m first offered.",
        # counter-example: the same firm, another amount (its profits), other words
        "Harlow Foods made a profit of £12m last year on sales of bread and cheese.",
        # counter-example: "70%" and "£35m" are different kinds of figure
        "Harlow Foods paid for 70% of the Brackley dairy, the firm said on Monday.",
    ],
    ids=["agreeing", "states-both", "another-amount", "share-vs-money"],
)
def test_evidence_that_does_not_disagree_leaves_the_answer_as_it_was(theirs: str) -> None:
    sources = numbered(OURS, theirs)
    answer = quote(OURS, 1, sources)
    assert sources_differ(QUESTION, answer, ranked((1, OURS), (2, theirs)), sources) == answer


def test_questions_that_ask_for_no_amount_are_left_alone() -> None:
    theirs = "Harlow Foods paid £38m for the Brackley dairy, a union official said."
    sources = numbered(OURS, theirs)
    answer = quote(OURS, 1, sources)
    who = Answer("Who bought the Brackley dairy?", answer.text, True, (1,), sources.sources)
    assert sources_differ(who.question, who, ranked((1, OURS), (2, theirs)), sources) == who


def test_figures_keep_what_the_article_wrote() -> None:
    found = figures("Profits rose 9% to £6.2bn ($11.5bn), and 70 per cent of staff stayed.")
    assert found == {"money": ["£6.2bn", "$11.5bn"], "share": ["9%", "70 per cent"]}


def test_a_figure_ends_before_the_clause_does() -> None:
    """ "£2.10, the same as..." is the figure £2.10: the comma is the sentence's, not the figure's
    (a decimal point inside it stays: "£2.10")."""
    assert figures("A single fare is £2.10, the same as before.")["money"] == ["£2.10"]
    assert figures("It cost £1.5m.")["money"] == ["£1.5m"]


def test_a_quote_citing_both_articles_says_they_differ() -> None:
    """The quote shows both figures, each cited: the reader is told they disagree, and no
    citation is added twice."""
    theirs = "Harlow Foods paid £38m for the Brackley dairy, a union official said."
    sources = numbered(OURS, theirs)
    both = Answer(
        QUESTION, f"“{OURS}” [1] “{theirs}” [2]", True, (1, 2), sources.sources, mode="quote"
    )
    answer = sources_differ(QUESTION, both, ranked((1, OURS), (2, theirs)), sources)
    assert answer.text.endswith("\nSources differ: [1] says £35m, [2] says £38m.")
    assert answer.citations == (1, 2)


def test_the_figures_named_are_the_closest_pair_not_the_first() -> None:
    """Of the figures the answer states and the other sentence's, the two closest in value are
    the same quantity told twice: not the first figure of each sentence."""
    ours = "Harlow Foods paid £35m for the Brackley dairy, after a £2m deposit, the firm said."
    theirs = "Harlow Foods paid £3m in fees and £36m for the Brackley dairy, an official said."
    sources = numbered(ours, theirs)
    answer = sources_differ(
        QUESTION, quote(ours, 1, sources), ranked((1, ours), (2, theirs)), sources
    )
    assert answer.text.endswith("\nSources differ: [1] says £35m, [2] says £36m.")
