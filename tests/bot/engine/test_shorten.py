"""Shortened sentences: the model may only delete words, and a shortening that drops a number
or a name leaves the sentence whole."""

from __future__ import annotations

import pytest

from bot.engine.shorten import (
    MIN_CHARS,
    Shortener,
    examples,
    first_line,
    keeps_facts,
    kept_words,
    name_words,
    shorten_messages,
)
from bot.engine.summarise import Budget, summary_bullets
from tests.support import ScriptedModel

SENTENCE = (
    "The ONS said manufacturing output dropped 0.1% in November, matching a similar fall the "
    "month before and confounding economists' expectations."
)


@pytest.mark.parametrize(
    ("short", "ok"),
    [
        ("Manufacturing output dropped 0.1% in November.", True),  # words deleted, case aside
        ("The ONS said output dropped 0.1% in November.", True),
        ("Manufacturing output fell 0.1% in November.", False),  # a word changed
        ("Manufacturing output dropped 0.2% in November.", False),  # a number changed
        ("In November manufacturing output dropped 0.1%.", False),  # words moved
        ("Manufacturing output dropped 0.1% in November, the Bank said.", False),  # words added
        ("Output dropped.", False),  # too few words to state anything
        ("", False),
    ],
)
def test_a_shortened_sentence_may_only_delete_words(short: str, ok: bool) -> None:
    assert kept_words(short, SENTENCE) is ok


@pytest.mark.parametrize(
    ("short", "ok"),
    [
        ("The ONS said manufacturing output dropped 0.1% in November.", True),
        ("Manufacturing output dropped 0.1% in November.", False),  # "ONS" gone
        ("The ONS said manufacturing output dropped in November.", False),  # 0.1% gone
        ("The ONS said manufacturing output dropped 0.1%.", False),  # November gone
    ],
)
def test_a_shortening_must_keep_every_number_and_name(short: str, ok: bool) -> None:
    assert keeps_facts(short, SENTENCE) is ok


def test_the_first_word_and_common_capitals_are_not_names() -> None:
    assert name_words("But Ms Brook thanked the Hollin Street bakery.") == {
        "brook",
        "hollin",
        "street",
    }


def test_the_prompt_shows_the_examples_before_the_sentence() -> None:
    messages = shorten_messages(SENTENCE)
    pairs = examples()
    assert len(pairs) >= 3 and all(len(short) < len(long) for long, short in pairs)
    assert all(kept_words(short, long) for long, short in pairs)  # the examples obey the rule
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * len(pairs) + [
        "user"
    ]
    assert messages[-1]["content"] == SENTENCE


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        ("Output fell.\nMore text", "Output fell."),
        ("\n- “Output fell.”", "Output fell."),
        ("", ""),
    ],
)
def test_the_reply_is_its_first_line_unwrapped(reply: str, line: str) -> None:
    assert first_line(reply) == line


@pytest.mark.parametrize(
    ("reply", "shown", "passed"),
    [
        ("The ONS said manufacturing output dropped 0.1% in November.", True, 1),
        ("Manufacturing output dropped 0.1% in November.", False, 1),  # drops a name: whole
        (SENTENCE, False, 1),  # a copy passes the check but is not shorter
        ("Factory output fell by a tenth of a percent.", False, 0),  # a paraphrase fails
    ],
)
def test_the_shortener_counts_what_it_read_passed_and_used(
    reply: str, shown: bool, passed: int
) -> None:
    shortener = Shortener(ScriptedModel([reply]))
    result = shortener(SENTENCE)
    assert (result == reply) if shown else result is None
    assert (shortener.read, shortener.passed, shortener.used) == (1, passed, int(shown))


def test_short_sentences_and_calls_past_the_limit_are_not_sent_to_the_model() -> None:
    model = ScriptedModel([SENTENCE] * 3)
    shortener = Shortener(model, limit=1)
    assert shortener("x" * (MIN_CHARS - 1)) is None
    shortener(SENTENCE)
    assert shortener(SENTENCE) is None
    assert len(model.calls) == 1


ARTICLE = (
    "The Hollin Street bakery reopened on Monday after a fire in March that closed it for "
    "months. Neighbours raised £40,000 to replace its ovens, the owner said at a party held "
    "in the street last week. The owner, Ada Brook, said the whole street had saved the "
    "business and she would never forget it. A new bread oven arrives in June."
)


def test_shortened_sentences_count_against_the_budget_and_the_first_stays_whole() -> None:
    replies = iter(
        [
            "Neighbours raised £40,000 to replace its ovens.",
            "The owner, Ada Brook, said the whole street had saved the business.",
        ]
    )
    model = ScriptedModel(list(replies))
    shortener = Shortener(model)
    budget = Budget(share=1.0, max_chars=175, min_sentences=1, max_sentences=4)
    whole = summary_bullets(ARTICLE, budget)
    shortened = summary_bullets(ARTICLE, budget, shorten=shortener)
    assert shortened[0].quoted and shortened[0].text.startswith("The Hollin")
    assert "Neighbours raised £40,000 to replace its ovens." in [b.text for b in shortened]
    assert sum(len(b.text) for b in shortened) <= 175
    assert len(shortened) > len(whole)  # the room saved holds one more sentence
    assert all(m[-1]["content"] != whole[0].text for m in model.calls)  # the first: not sent


@pytest.mark.slow
def test_the_real_model_shortens_only_by_deleting_words() -> None:
    """The real twin of the scripted tests: whatever the bundled model replies, every line shown
    is a sentence of the article, quoted, or one with words deleted that keeps its numbers and
    names."""
    from bot.engine.bullets import article_sentences, read_rendered
    from bot.engine.model import LlamaCppModel, small_model_path
    from bot.engine.summarise import Summariser
    from index.models import Article

    text = f"{ARTICLE} {SENTENCE} " + " ".join(
        f"The {name} branch of the bakery, which will sell bread and cakes made in the Hollin "
        f"Street ovens every morning, will open in {month}, the owner told the local paper."
        for name, month in MONTHS
    )
    model = LlamaCppModel(small_model_path(), n_ctx=2048, threads=1, temperature=0.0, seed=0)
    summariser = Summariser(None, lambda: model, max_tokens=200, mode="shorten")  # type: ignore[arg-type]
    written = summariser.write(Article(article_id="a", title="Bakery", text=text, source="s"))
    sentences = article_sentences(text)
    assert written.read >= 1 and written.text.splitlines()[0].startswith("- “The Hollin")
    for bullet in read_rendered(written.text):
        if bullet.quoted:
            assert bullet.text in sentences
        else:
            assert any(
                kept_words(bullet.text, s) and keeps_facts(bullet.text, s) for s in sentences
            )


MONTHS = [("Eastgate", "June"), ("Westgate", "July"), ("Quayside", "August"), ("Ashby", "May")]
MONTHS += [("Lowton", "March"), ("Millrace", "April"), ("Brook", "October"), ("Hale", "July")]
MONTHS += [("Northfield", "June"), ("Southmoor", "May"), ("Highbury", "April")]
