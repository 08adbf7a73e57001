"""The whole BBC corpus (train, val and test: 2,225 rows) indexes with no article dropped.

Each row is one article, so it is also a check against false splits and lost text: a row loaded
as a plain-text page must come back as exactly one article holding every word of the row.
"""

from __future__ import annotations

import csv
import re

import pytest

from index.ingest.clean import fix_text
from index.ingest.load import load_source
from index.ingest.split import split_page
from newsdesk.app import App
from tests.index.conftest import BBC

SPLITS = ("train.csv", "val.csv", "test.csv")
ROWS = 2225
_WORD = re.compile(r"\w+")

pytestmark = pytest.mark.slow


def _rows() -> list[str]:
    rows: list[str] = []
    for name in SPLITS:
        with (BBC / name).open(encoding="utf-8", newline="") as handle:
            rows += [row["text"] for row in csv.DictReader(handle)]
    return rows


def test_every_bbc_row_as_a_text_page_is_one_article_with_all_its_words() -> None:
    rows = _rows()
    assert len(rows) == ROWS
    failures = []
    for number, raw in enumerate(rows):
        text = fix_text(raw)
        articles = split_page(text, source=f"/tmp/bbc-{number}.txt")
        kept = [] if len(articles) != 1 else _WORD.findall(articles[0].text)
        if len(articles) == 1 and not articles[0].title.endswith("…"):
            kept = _WORD.findall(articles[0].title) + kept
        if kept != _WORD.findall(text):
            failures.append((number, len(articles)))
    assert failures == []


def test_the_whole_bbc_corpus_indexes_with_no_article_dropped(app: App) -> None:
    articles = []
    for name in SPLITS:
        articles += load_source(str(BBC / name), max_bytes=50_000_000, timeout=1.0)
    assert len(articles) == ROWS
    report = app.index.add(articles)
    assert report.added == ROWS
    assert app.index.stats().articles == ROWS
