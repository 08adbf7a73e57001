"""The real-page extraction corpus, its scoring, and Newsdesk's pipeline on a handful of its pages.

This checks structure, not a tuned score: the full comparison with bare trafilatura is
`bench/extract_bench.py` (see bench/README.md).
"""

from __future__ import annotations

import pytest

from bench.extraction import (
    Match,
    bare_trafilatura,
    load_pages,
    load_split,
    make_split,
    match,
    newsdesk,
    summary,
)

HANDFUL = 8
RECALL_TOLERANCE = 0.01  # mean recall over the handful, below bare trafilatura's


def test_the_split_is_the_seeded_one_and_covers_every_page_once() -> None:
    pages, split = load_pages(), load_split()
    assert len(pages) == 181 and all(page.truth for page in pages.values())
    assert not set(split["dev"]) & set(split["test"])
    assert sorted(split["dev"] + split["test"]) == sorted(pages)
    assert make_split(list(pages)) == split


def test_shingle_scoring_counts_word_4grams() -> None:
    truth = "one two three four five six"
    assert match(truth, truth) == Match(1.0, 0.0, 0.0)
    half = match(truth, "one two three four")  # 1 of the 3 shingles found
    assert (half.precision, round(half.recall, 3)) == (1.0, 0.333)
    assert match(truth, "").recall == 0.0
    extra = match(truth, truth + " seven")
    assert extra.recall == 1.0 and extra.precision == 0.75
    assert summary([match(truth, truth), match(truth, "")]) == {
        "f1": 2 * 1.0 * 0.5 / 1.5,
        "precision": 1.0,  # a page with no output has no precision, only recall 0
        "recall": 0.5,
    }


@pytest.fixture(scope="module")
def handful() -> list[tuple[float, float, int]]:
    pages = load_pages()
    rows = []
    for page_id in load_split()["dev"][:HANDFUL]:
        page = pages[page_id]
        bare = bare_trafilatura(page)
        ours = newsdesk(page, bare.title)
        rows.append(
            (
                match(page.truth, ours.text).recall,
                match(page.truth, bare.text).recall,
                ours.articles,
            )
        )
    return rows


def test_each_real_page_is_one_article(handful: list[tuple[float, float, int]]) -> None:
    assert [articles for _, _, articles in handful] == [1] * HANDFUL


def test_newsdesk_keeps_about_what_trafilatura_keeps(
    handful: list[tuple[float, float, int]],
) -> None:
    ours = sum(r for r, _, _ in handful) / HANDFUL
    bare = sum(r for _, r, _ in handful) / HANDFUL
    assert bare > 0.5  # the pages are real articles that trafilatura finds
    assert ours >= bare - RECALL_TOLERANCE
