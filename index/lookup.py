"""The one rule for naming an article: its id, or (the best fuzzy match of) its title.

Used by `/summarise` everywhere: the CLI and terminal (through the summariser), the Discord
command and its autocomplete. The pure functions work on records, so fakes can share the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from index.errors import ArticleNotFoundError, EmptyIndexError
from index.models import Article, ArticleRecord
from index.storage.catalog import Catalog

MIN_TITLE_SCORE = 60
# `named_article`: a title matched this closely (typos, a few words missing) names its article,
# if no other title comes within `NAMED_MARGIN` of it.
NAMED_TITLE_SCORE = 90
NAMED_MARGIN = 5


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


def named_article(query: str, records: Sequence[ArticleRecord]) -> ArticleRecord | None:
    """The one article `query` names for sure, or None when it names none or several (a topic).

    Its id; else the one title holding the whole query (case and spacing aside); else a title
    the query matches with a fuzzy score of at least `NAMED_TITLE_SCORE`, `NAMED_MARGIN` ahead of
    the next. "Millrace Bridge" names the Millrace Bridge story; "Glazer Manchester United",
    which several titles share words with, names none.
    """
    query = query.strip()
    wanted = utils.default_process(query)
    if not wanted:
        return None
    for record in records:
        if record.article_id == query:
            return record
    holding = [r for r in records if wanted in utils.default_process(r.title)]
    if holding:
        exact = [r for r in holding if utils.default_process(r.title) == wanted]
        return holding[0] if len(holding) == 1 else (exact[0] if len(exact) == 1 else None)
    titles = {r.article_id: r.title for r in records}
    best = process.extract(
        query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=2
    )
    if not best or best[0][1] < NAMED_TITLE_SCORE:
        return None
    if len(best) > 1 and best[0][1] - best[1][1] < NAMED_MARGIN:
        return None
    return next(r for r in records if r.article_id == best[0][2])


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
