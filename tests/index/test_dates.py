"""Reading stored `published` values, and what a date window keeps."""

from __future__ import annotations

from datetime import date

import pytest

from index.dates import (
    Window,
    format_day,
    newest_first_key,
    parse_day,
    published_day,
    select_records,
)
from index.models import ArticleRecord


@pytest.mark.parametrize(
    ("published", "day"),
    [
        ("2025-06-14", date(2025, 6, 14)),
        ("2025-06-14T09:30:00+01:00", date(2025, 6, 14)),
        ("Sat, 14 Jun 2025 09:30:00 GMT", date(2025, 6, 14)),
        ("14 June 2025", date(2025, 6, 14)),
        ("Published: Saturday 14th June 2025", date(2025, 6, 14)),
        ("June 14, 2025", date(2025, 6, 14)),
        ("Updated 3 Mar. 2005, 10:02", date(2005, 3, 3)),
        ("", None),
        (None, None),
        ("yesterday", None),
        ("2025-02-31", None),
        ("March of Dimes", None),
    ],
)
def test_published_values_are_read_as_days(published: str | None, day: date | None) -> None:
    assert published_day(published) == day


def test_a_typed_date_that_is_not_one_says_how_to_write_it() -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_day("next tuesday")
    assert parse_day("2005-03-01") == date(2005, 3, 1)


def test_a_window_keeps_its_days_and_every_undated_article() -> None:
    window = Window(date(2005, 3, 1), date(2005, 3, 31))
    assert window.contains(date(2005, 3, 1)) and window.contains(date(2005, 3, 31))
    assert not window.contains(date(2005, 2, 28)) and not window.contains(date(2005, 4, 1))
    assert window.contains(None)
    assert Window(start=date(2005, 3, 1)).contains(date(2030, 1, 1))
    assert not Window().bounded and not Window(newest=True).bounded


def test_newest_first_puts_undated_last() -> None:
    days = [date(2004, 1, 1), None, date(2005, 1, 1)]
    assert sorted(days, key=newest_first_key) == [date(2005, 1, 1), date(2004, 1, 1), None]
    assert format_day(date(2025, 6, 4)) == "4 June 2025"


def record(n: int, published: str | None, site: str | None = None) -> ArticleRecord:
    return ArticleRecord(f"id{n}", f"Article {n}", "src", None, site, None, published, "h", 1, n)


def test_records_are_selected_by_dates_and_site() -> None:
    records = [
        record(1, "2005-03-08", "Valley Gazette"),
        record(2, None, "Valley Gazette"),
        record(3, "Tue, 14 Jun 2005 10:00:00 GMT", "BBC News"),
        record(4, "2004-12-31", None),
    ]
    ids = lambda rs: [r.article_id for r in rs]  # noqa: E731
    assert ids(select_records(records)) == ["id1", "id2", "id3", "id4"]
    assert ids(select_records(records, site="gazette")) == ["id1", "id2"]
    assert ids(select_records(records, since=date(2005, 1, 1))) == ["id3", "id1"]
    assert ids(select_records(records, until=date(2005, 3, 8))) == ["id1", "id4"]
    assert ids(select_records(records, since=date(2005, 1, 1), site="bbc")) == ["id3"]
    assert select_records(records, since=date(2006, 1, 1)) == []
