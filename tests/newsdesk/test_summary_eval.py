from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.summary_eval import (
    FactsFileError,
    compression,
    coverage,
    fact_covered,
    load_facts,
    summary_sentences,
)

FACTS = Path(__file__).resolve().parents[2] / "eval" / "summary_facts.jsonl"


def test_a_fact_stated_in_one_sentence_is_covered() -> None:
    summary = "The Hollin Street bakery raised £40,000 from 900 neighbours. [1]"
    assert fact_covered("bakery raised £40,000", summary_sentences(summary))


def test_words_scattered_over_sentences_do_not_cover_a_fact() -> None:
    summary = "The bakery opened in Eastgate. [1] Neighbours raised money for a school. [1]"
    assert not fact_covered("bakery raised money in Eastgate", summary_sentences(summary))
    assert fact_covered("bakery opened in Eastgate", summary_sentences(summary))


def test_a_missing_number_is_not_covered_whatever_the_words() -> None:
    summary = "The bakery raised £30,000 from its neighbours. [1]"
    assert not fact_covered("bakery raised £40,000 from neighbours", summary_sentences(summary))


def test_citation_markers_are_not_numbers() -> None:
    summary = "Shares in the ferry company rose on Monday [1]."
    assert not fact_covered("ferry shares rose 1%", summary_sentences(summary))
    assert fact_covered("ferry shares rose 1%", summary_sentences("Ferry shares rose 1%. [2]"))


def test_two_thirds_of_the_words_allow_a_paraphrase_but_not_a_topic_match() -> None:
    sentences = summary_sentences("The council has bought all of the old quay in Eastgate. [1]")
    assert fact_covered("council bought Eastgate's quay", sentences)
    assert not fact_covered("council sold Westgate's warehouse", sentences)


def test_coverage_and_compression() -> None:
    facts = ["bakery raised £40,000", "900 neighbours gave", "new oven arrives in June"]
    summary = "The bakery raised £40,000 from 900 neighbours who gave. [1]"
    assert coverage(facts, summary) == pytest.approx(2 / 3)
    assert compression(summary, "x" * 200) == pytest.approx(len(summary[:-4]) / 200)


def test_the_key_facts_file_is_short_facts_split_once() -> None:
    items = load_facts(FACTS)
    assert len(items) >= 30
    assert len({(i.file, i.row) for i in items}) == len(items)
    assert {i.split for i in items} == {"dev", "test"}
    assert all(5 <= len(i.facts) <= 8 for i in items)
    assert all(len(f) <= 100 for i in items for f in i.facts)  # facts, never article text


def test_a_malformed_line_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "facts.jsonl"
    path.write_text('{"file": "bbc/test.csv", "row": 1, "split": "dev", "facts": ["a"]}\n{oops\n')
    with pytest.raises(FactsFileError, match=r"facts.jsonl:2: not a key-facts record"):
        load_facts(path)
    with pytest.raises(FactsFileError, match="cannot read"):
        load_facts(tmp_path / "missing.jsonl")
