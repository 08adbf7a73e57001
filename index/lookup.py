"""The one rule for naming an article: its id, or (the best fuzzy match of) its title.

Used by `/summarise` everywhere: the CLI and terminal (through the summariser), the Discord
command and its autocomplete. The pure functions work on records, so fakes can share the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from index.errors import ArticleNotFoundError, EmptyIndexError
from index.models import Article, ArticleRecord
from index.storage.catalog import Catalog

MIN_TITLE_SCORE = 60


def best_match(query: str, records: Sequence[ArticleRecord]) -> ArticleRecord:
    """The record with id `query`, else the best fuzzy title match; an error when there is none."""
    query = query.strip()
    if not records:
        raise EmptyIndexError()
    for record in records:
        if record.article_id == query:
            return record
    titles = {r.article_id: r.title for r in records}
    match = process.extractOne(query, titles, scorer=fuzz.WRatio, score_cutoff=MIN_TITLE_SCORE)
    if match is None:
        raise ArticleNotFoundError(query)
    return next(r for r in records if r.article_id == match[2])


def matching_titles(
    query: str, records: Sequence[ArticleRecord], limit: int
) -> list[ArticleRecord]:
    """What to offer while a name is typed: the article with id `query`, or the articles whose
    title holds every word of it (all of them for an empty query), in `records` order."""
    words = query.lower().split()
    hits = [
        r
        for r in records
        if r.article_id == query.strip() or all(w in r.title.lower() for w in words)
    ]
    return hits[:limit]


def find_article(catalog: Catalog, query: str) -> Article:
    """The indexed article `query` names (see `best_match`), with its text."""
    query = query.strip()
    article = catalog.article(query)
    if article is not None:
        return article
    found = catalog.article(best_match(query, catalog.records()).article_id)
    if found is None:  # removed between the two reads
        raise ArticleNotFoundError(query)
    return found
