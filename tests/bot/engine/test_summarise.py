from __future__ import annotations

import re

from bot.engine.summarise import Budget, extractive_summary

ARTICLE = (
    "The Hollin Street bakery reopened on Monday after a fire in March. "
    "Neighbours raised £40,000 to replace its ovens. "
    "The owner, Ada Brook, said the street had saved the business. "
    "A new bread oven arrives in June, and the bakery will hire two apprentices. "
    "Ms Brook thanked the fire brigade."
)


def sentences_of(summary: str) -> list[str]:
    return [s.strip() for s in summary.split("[1]") if s.strip()]


def test_leading_sentences_in_article_order_each_cited() -> None:
    summary = extractive_summary(ARTICLE)
    parts = sentences_of(summary)
    assert 3 <= len(parts) <= 5
    assert summary.count("[1]") == len(parts)
    positions = [ARTICLE.index(p) for p in parts]  # verbatim, so grounded by construction
    assert positions == sorted(positions)
    assert parts[0].startswith("The Hollin Street bakery reopened")


def test_a_near_duplicate_is_skipped_but_a_related_sentence_is_kept() -> None:
    repeated = (
        "The Hollin Street bakery reopened on Monday after a fire. "
        "The Hollin Street bakery reopened on Monday, after the fire. "
        "The bakery's owner said the fire had closed it for months. "
        "Neighbours raised £40,000 for new ovens."
    )
    parts = sentences_of(extractive_summary(repeated))
    assert len([p for p in parts if p.startswith("The Hollin Street bakery reopened")]) == 1
    assert any(p.startswith("The bakery's owner") for p in parts)


def test_an_overlong_sentence_is_skipped_and_a_later_one_still_fits() -> None:
    long_sentence = "The inquiry heard " + "evidence from many witnesses, " * 30 + "it said."
    text = f"The ferry sank in calm water. {long_sentence} Two crew were rescued. Nobody died."
    summary = extractive_summary(text, Budget(max_chars=200))
    assert "inquiry heard" not in summary
    assert "Two crew were rescued." in summary and "Nobody died." in summary
    assert len(re.sub(r" \[1\]", "", summary)) <= 200


def test_past_three_sentences_only_a_share_of_the_article_is_used() -> None:
    places = "Eastgate Westgate Northfield Southmoor Highbury Lowton Millrace Quayside Ashby Brook"
    text = " ".join(
        f"The {p} council approved {n} homes." for n, p in enumerate(places.split(), 10)
    )
    parts = sentences_of(extractive_summary(text, Budget(share=0.25, max_chars=700)))
    assert len(parts) == 3  # a fourth would pass a quarter of the article


def test_a_one_sentence_article_is_its_own_summary() -> None:
    assert extractive_summary("The tram line opened.") == "The tram line opened. [1]"
