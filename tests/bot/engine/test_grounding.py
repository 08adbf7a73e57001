from __future__ import annotations

import pytest

from bot.engine.grounding import (
    Numbered,
    facts,
    parse_citations,
    support,
    unsupported_facts,
    verify,
)
from bot.types import Source


@pytest.mark.parametrize(
    ("raw", "text", "cited"),
    [
        ("It cost £182m [1].", "It cost £182m [1].", (1,)),
        ("It cost £182m [1][2].", "It cost £182m [1] [2].", (1, 2)),
        ("It cost £182m [7].", "It cost £182m.", ()),
        ("It cost £182m [1, 7].", "It cost £182m [1].", (1,)),
        ("Yes [2]. And [1].", "Yes [2]. And [1].", (2, 1)),
        ("No citation at all.", "No citation at all.", ()),
    ],
)
def test_parse_citations_keeps_only_retrieved_sources(
    raw: str, text: str, cited: tuple[int, ...]
) -> None:
    assert parse_citations(raw, valid=[1, 2]) == (text, cited)


def test_facts_are_numbers_and_names() -> None:
    found = facts("The Eastgate line cost £182,000 and Mayor Ada Lovel opened it in 2025 [1].")
    assert {"182000", "2025", "eastgate", "mayor ada lovel"} <= found
    assert "1" not in found  # the citation is not a fact


def test_unsupported_facts_catches_invented_figures() -> None:
    source = ["The line cost £182 million and opened on 14 June 2025."]
    assert unsupported_facts("It cost £182 million.", source) == set()
    assert unsupported_facts("It cost £190 million.", source) == {"190"}
    assert unsupported_facts("Indonesia paid for it.", source) == {"indonesia"}


def test_support_is_the_share_of_answer_words_in_the_sources() -> None:
    assert support("tram line opened", ["The tram line opened today"]) == 1.0
    assert support("bananas are yellow", ["The tram line opened today"]) == 0.0


def test_an_answer_citing_a_source_about_something_else_is_replaced() -> None:
    numbered = Numbered(
        sources=(
            Source(1, "a", "Science prize", "a.md", None, 0.6, "q"),
            Source(2, "b", "How the Academy Awards flourished", "b.md", None, 0.5, "q"),
        ),
        passages=(
            (1, "The St Aldric's Academy team beat 214 other entries to the Brightspark prize."),
            (2, "The first Academy Awards were handed out in 1929 at a dinner."),
        ),
    )
    question = "How many entries did the St Aldric's Academy team beat for the Brightspark prize?"
    answer = verify(question, "The first Academy Awards were handed out in 1929 [2].", numbered)
    assert answer.citations == (1,)
    assert "214" in answer.text and "1929" not in answer.text
