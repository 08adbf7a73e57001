from __future__ import annotations

import itertools

import pytest

from index.chunk import chunk_article, sentence_spans
from index.models import Article


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two.", ["One.", "Two."]),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ('He said "Stop!" Then left.', ['He said "Stop!"', "Then left."]),
        ("Prices rose to £6.5m. Shares fell 3.5%.", ["Prices rose to £6.5m.", "Shares fell 3.5%."]),
        ("A heading\n\nThe body starts here.", ["A heading", "The body starts here."]),
        (
            "The U.S. economy grew. J. K. Rowling wrote.",
            ["The U.S. economy grew.", "J. K. Rowling wrote."],
        ),
        ("   ", []),
    ],
)
def test_sentence_spans_split_on_real_sentence_ends(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == sentences


def article(text: str) -> Article:
    return Article(article_id="abc", title="T", text=text, source="s")


def test_chunk_ids_are_deterministic_and_ordinal() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    first = chunk_article(article(text), count_tokens=words, max_tokens=20, overlap=1)
    again = chunk_article(article(text), count_tokens=words, max_tokens=20, overlap=1)
    assert first == again
    assert [c.chunk_id for c in first] == [f"abc:{i}" for i in range(len(first))]


def test_chunks_respect_the_token_budget_and_keep_offsets() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    chunks = chunk_article(article(text), count_tokens=words, max_tokens=20, overlap=1)
    assert len(chunks) > 1
    for c in chunks:
        assert len(c.text.split()) <= 20
        assert text[c.start : c.end] == c.text
        assert c.text.endswith(".")


def test_consecutive_chunks_overlap_by_one_sentence() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    chunks = chunk_article(article(text), count_tokens=words, max_tokens=15, overlap=1)
    for before, after in itertools.pairwise(chunks):
        last_sentence = before.text.rsplit(". ", 1)[-1]
        assert after.text.startswith(last_sentence.rstrip("."))


def test_without_overlap_chunks_tile_the_text() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    chunks = chunk_article(article(text), count_tokens=words, max_tokens=15, overlap=0)
    assert " ".join(c.text for c in chunks) == text


def test_a_sentence_longer_than_the_budget_is_cut_at_word_boundaries() -> None:
    text = " ".join(f"word{i}" for i in range(100)) + "."
    chunks = chunk_article(article(text), count_tokens=words, max_tokens=30, overlap=0)
    assert len(chunks) >= 4
    assert all(len(c.text.split()) <= 30 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_article(article(""), count_tokens=words, max_tokens=30) == []
