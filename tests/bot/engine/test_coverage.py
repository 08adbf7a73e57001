"""Whether retrieved passages answer a question, decided from text alone."""

from __future__ import annotations

import pytest

from bot.engine.coverage import best_sentences, covers, key_terms
from bot.engine.text import QUESTION_WORDS, STOPWORDS, answer_kind, new_facts
from index.models import ArticleRecord, Chunk, Retrieved


def hit(title: str, text: str) -> Retrieved:
    record = ArticleRecord("a", title, "s", None, None, None, None, "h", 1, 0.0)
    return Retrieved(Chunk("a:0", "a", 0, text, 0, len(text)), record, 0.5)


TRAM = hit(
    "Eastgate tram line opens",
    "The Eastgate line cost £182 million and opened on 14 June 2025. "
    "A single adult fare is £1.90, and under-16s travel free for the first month. "
    "Mayor Ada Lovel cut the ribbon.",
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the tram line cost?", "money"),
        ("What share of homes are affected?", "share"),
        ("How many stops are there?", "number"),
        ("How old was he when he died?", "number"),
        ("When did the line open?", "date"),
        ("In what year was the bridge built?", "date"),
        ("Who opened the line?", "name"),
        ("Why did the council approve it?", None),
    ],
)
def test_answer_kind(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


def test_key_terms_are_names_and_numbers() -> None:
    assert key_terms("Who won the 2022 FIFA World Cup?") == {"2022", "fifa world cup"}
    assert key_terms("How long is Brackenford's Eastgate line?") == {"brackenford eastgate"}


def test_new_facts_exclude_what_the_question_states() -> None:
    assert new_facts("date", "It opened in 2025 after the 2024 delay.", "Was it 2024?") == {"2025"}


@pytest.mark.parametrize(
    ("question", "covered"),
    [
        ("How much did the Eastgate tram line cost?", True),
        ("When did the Eastgate line open?", True),
        ("Who cut the ribbon on the Eastgate line?", True),
        ("How much is a single adult fare on the tram?", True),
        ("Who won the 2022 FIFA World Cup?", False),  # a key term absent
        ("When will the Sydney Metro West line open?", False),
        ("How much is an annual season ticket for the tram?", False),  # no such fact nearby
        ("Who designed the tram stops?", False),  # no new name near "designed"/"stops"
    ],
)
def test_covers(question: str, covered: bool) -> None:
    assert covers(question, [TRAM]) is covered


def test_best_sentences_prefer_the_fact_asked_for() -> None:
    passages = ["The mayor spoke about the tram. The tram cost £182 million to build."]
    assert best_sentences("How much did the tram cost?", passages, limit=1) == [
        (0, "The tram cost £182 million to build.")
    ]


def test_a_sentence_sharing_many_question_words_counts_despite_paraphrase() -> None:
    first_run = hit(
        "Brackenford's Eastgate tram line carries its first passengers",
        "The first tram on Brackenford's new Eastgate line pulled out at 5:42am on 14 June 2025.",
    )
    assert covers("When did the first tram run on the Eastgate line?", [first_run])
    assert not covers("When did the last tram run on the Eastgate line?", [hit("T", "No dates.")])


def test_question_words_are_stop_words_and_may_stays_a_name() -> None:
    assert QUESTION_WORDS <= STOPWORDS
    assert key_terms("What happened in May Street?") == {"may street"}
