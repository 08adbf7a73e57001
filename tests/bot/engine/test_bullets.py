"""Summary bullets: parsed, checked against the article like answers, replaced when they fail."""

from __future__ import annotations

import pytest

from bot.engine.bullets import (
    Bullet,
    checked_bullets,
    closest_sentence,
    parse_bullets,
    read_rendered,
    render_bullets,
    verified,
)

ARTICLE = (
    "The Hollin Street bakery reopened on Monday after a fire in March. "
    "Neighbours raised £40,000 to replace its ovens. "
    "The owner, Ada Brook, said the street had saved the business. "
    "A new bread oven arrives in June, and the bakery will hire two apprentices. "
    "Ms Brook thanked the fire brigade."
)


@pytest.mark.parametrize(
    ("reply", "bullets"),
    [
        ("- One fact\n- Two facts", ["One fact", "Two facts"]),
        ("* One\n• Two\n1. Three\n2) Four", ["One", "Two", "Three", "Four"]),
        ("Here are the bullets:\n- One [1]\n- Two", ["One", "Two"]),  # preamble skipped
        ("One line\nAnother line", ["One line", "Another line"]),  # no markers: one a line
        ('- "Quoted" [2][3]', ["Quoted"]),
    ],
)
def test_bullets_are_parsed_from_the_reply(reply: str, bullets: list[str]) -> None:
    assert parse_bullets(reply) == bullets


@pytest.mark.parametrize(
    ("bullet", "ok"),
    [
        ("Neighbours raised £40,000 to replace the ovens", True),
        ("Neighbours raised £50,000 to replace the ovens", False),  # a number not in it
        ("Owner Ada Brook thanked Mayor Tom Hale", False),  # a name not in it
        ("Local residents crowdfunded replacement kitchen equipment", False),  # words not in it
        ("The bakery reopened on Monday", True),
        ("Bakery", False),  # too short to say anything checkable
    ],
)
def test_a_bullet_is_verified_like_an_answer(bullet: str, ok: bool) -> None:
    assert verified(bullet, ARTICLE) is ok


def test_a_failing_bullet_is_replaced_by_the_sentence_it_draws_on() -> None:
    reply = (
        "- The Hollin Street bakery reopened on Monday\n"
        "- Neighbours raised £50,000 for new ovens\n"
        "- Ada Brook said the street saved the business"
    )
    shown, read, passed = checked_bullets(reply, ARTICLE)
    assert (read, passed) == (3, 2)
    assert shown == [
        Bullet("The Hollin Street bakery reopened on Monday", quoted=False),
        Bullet("Neighbours raised £40,000 to replace its ovens.", quoted=True),
        Bullet("Ada Brook said the street saved the business", quoted=False),
    ]


def test_near_repeats_and_headline_copies_are_dropped_and_too_few_are_filled() -> None:
    reply = "- Bakery reopens\n- The bakery reopened on Monday\n- The bakery reopened on Monday"
    shown, _, _ = checked_bullets(reply, ARTICLE, title="Bakery reopens")
    texts = [b.text for b in shown]
    assert texts[0] == "The bakery reopened on Monday"
    assert len(texts) == 3 and texts.count("The bakery reopened on Monday") == 1
    assert all(b.quoted for b in shown[1:])  # filled from the article, in order


def test_too_few_bullets_are_filled_from_the_given_sentences_first() -> None:
    fill = [
        "A new bread oven arrives in June, and the bakery will hire two apprentices.",
        "Neighbours raised £40,000 to replace its ovens.",
    ]
    shown, _, _ = checked_bullets("- The bakery reopened on Monday", ARTICLE, fill=fill)
    assert [b.text for b in shown[1:]] == fill
    assert all(b.quoted for b in shown[1:])


def test_a_fill_sentence_the_bullets_already_say_is_not_repeated() -> None:
    """Counter-example: the fill sentences are not shown when they only repeat a bullet."""
    fill = ["The Hollin Street bakery reopened on Monday after a fire in March."]
    reply = "- The Hollin Street bakery reopened on Monday after a fire in March"
    shown, _, _ = checked_bullets(reply, ARTICLE, fill=fill)
    assert [b.text for b in shown] == [reply[2:]]


def test_a_bullet_sharing_the_headline_words_but_adding_a_fact_is_kept() -> None:
    shown, _, _ = checked_bullets(
        "- Bakery reopens after a fire in March", ARTICLE, "Bakery reopens"
    )
    assert shown[0] == Bullet("Bakery reopens after a fire in March", quoted=False)


def test_at_most_five_bullets() -> None:
    reply = "\n".join(f"- {s}" for s in ARTICLE.split(". ")) + "\n- Ms Brook thanked the brigade"
    shown, read, _ = checked_bullets(reply, ARTICLE)
    assert len(shown) == 5 and read == 5


def test_closest_sentence_needs_two_shared_words() -> None:
    sentences = ["The bakery reopened.", "Ms Brook thanked the fire brigade."]
    assert closest_sentence("Brook praised the brigade", sentences) == sentences[1]
    assert closest_sentence("Completely unrelated words", sentences) is None


def test_rendered_bullets_read_back_and_extractive_sentences_read_as_quotes() -> None:
    bullets = [Bullet("One fact", quoted=False), Bullet("A quoted sentence.", quoted=True)]
    text = render_bullets(bullets)
    assert text == "- One fact [1]\n- “A quoted sentence.” [1]"
    assert read_rendered(text) == bullets
    assert read_rendered("First sentence. [1] Second one. [1]") == [
        Bullet("First sentence.", quoted=True),
        Bullet("Second one.", quoted=True),
    ]
