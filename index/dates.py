"""Publication dates: reading the catalog's free-text `published`, and the date window a search
may be limited to.

`published` is stored as the source gave it (a feed's RFC 822 date, a page's ISO date, a dateline
such as "14 June 2025"); `published_day` reads any of them as a calendar day, or None. An article
whose date cannot be read is *undated*: no window excludes it and "latest" ranks it after the dated
ones (it behaves as it did before dates were used).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from index.models import ArticleRecord

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I
)


def published_day(published: str | None) -> date | None:
    """The calendar day of a stored `published` value, or None if there is none to read."""
    text = (published or "").strip()
    if not text:
        return None
    if m := _ISO.search(text):
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DAY_MONTH_YEAR.search(text):
        return _day(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    if m := _MONTH_DAY_YEAR.search(text):
        return _day(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    try:
        return parsedate_to_datetime(text).date()  # RFC 822, as feeds give it
    except (TypeError, ValueError, IndexError):
        return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_day(day: date) -> str:
    """`14 June 2025`: how answers and the stale note say a date."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def format_month(day: date) -> str:
    """`March 2005`."""
    return f"{day.strftime('%B')} {day.year}"


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` (or any date `published_day` reads) typed by an admin or a member; raises
    `ValueError` with the accepted forms."""
    day = published_day(text)
    if day is None:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2025-06-14")
    return day


@dataclass(frozen=True)
class Window:
    """Which publication dates a search keeps (`start`/`end` inclusive, None = open), and whether
    the newest relevant articles lead ("latest", "recent").

    A `soft` window keeps every article and only puts the nearly-as-relevant ones dated in it
    first: "in 2003" in "how much did piracy cost in 2003?" is when it happened, not when it was
    reported, so it must not filter.
    """

    start: date | None = None
    end: date | None = None
    newest: bool = False
    soft: bool = False

    @property
    def bounded(self) -> bool:
        """Whether the window leaves articles out (a soft one never does)."""
        return (self.start is not None or self.end is not None) and not self.soft

    def prefers(self, day: date | None) -> tuple[int, int]:
        """A sort key for the nearly-as-relevant: dated in a soft window first, then (for
        "latest") the newest first, undated last."""
        outside = int(self.soft and (day is None or not self.contains(day)))
        return (outside, newest_first_key(day)[1] if self.newest else 0)

    def contains(self, day: date | None) -> bool:
        """Whether an article of `day` is kept; an undated article always is."""
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def newest_first_key(day: date | None) -> tuple[int, int]:
    """A sort key putting the newest day first and undated articles last."""
    return (1, 0) if day is None else (0, -day.toordinal())


def today() -> date:
    return datetime.now().date()


def select_records(
    records: Iterable[ArticleRecord],
    *,
    since: date | None = None,
    until: date | None = None,
    site: str | None = None,
) -> list[ArticleRecord]:
    """The records published between `since` and `until` (inclusive) from a site whose name
    contains `site` (any case). With dates, undated articles are left out and the newest come
    first; without, the order is kept (most recently indexed first)."""
    wanted = (site or "").strip().casefold()
    kept = [r for r in records if not wanted or wanted in (r.site or "").casefold()]
    if since is None and until is None:
        return kept
    window = Window(since, until)
    days = {r.article_id: published_day(r.published) for r in kept}
    dated = [r for r in kept if days[r.article_id] is not None]
    dated = [r for r in dated if window.contains(days[r.article_id])]
    return sorted(dated, key=lambda r: newest_first_key(days[r.article_id]))
