"""Dates in questions: "this week", "in March 2005", "latest" read against the asking time.

`read_question` is pure: a question and today's date → `Asked` (the date `Window` to search, and
the question without its time words, which must not also count as search words). The rules are a
table (`_SPANS`); a month name or a bare year counts only where it can only mean a date ("in
March", "March 2005", "since 2004"), so "the March of Dimes", "May said", "the Sunday Times" and
"2004 GB" are not dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from index.dates import MONTHS, Window

_FULL_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_UNIT = (
    r"(?!\s*(?:%|per\s?cent|[kmgt]b\b|bn\b|m\b|kg\b|km\b|mph\b|units|tonnes|tons|people|jobs|"
    r"votes|copies|pounds|dollars|euros|points|times|miles|metres|cars|homes|staff|workers))"
)
_OPEN = r"(?:(?P<rel>since|after|from|before|until|till|in|during|on|of|for)\s+)?"

Span = tuple[date, date]

REPORTED_WITHIN = timedelta(days=31)
"""A named month or year ("in December", "in 2004") keeps articles published up to a month after
it: December's jobs figures are news in January. Relative windows ("last month", "this week") are
publication dates as they stand."""


@dataclass(frozen=True)
class Asked:
    """What a question says about time: the window to search, how it said it, and the question
    without its time words (the search text)."""

    window: Window
    text: str
    phrase: str = ""
    since_event: str = ""
    """`since the election`: an event whose date the index must supply (`Dates.search`)."""

    @property
    def dated(self) -> bool:
        return self.window != Window() or bool(self.since_event)


def _month_span(year: int, month: int) -> Span:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _week_start(now: date) -> date:
    return now - timedelta(days=now.weekday())


def _previous_month(now: date) -> Span:
    last = now.replace(day=1) - timedelta(days=1)
    return _month_span(last.year, last.month)


def _last_month_named(month: int, now: date) -> Span:
    """The latest `month` that has begun by `now` ("in March" asked in June 2025: March 2025)."""
    year = now.year if month <= now.month else now.year - 1
    return _month_span(year, month)


def _last_weekday(name: str, now: date) -> Span:
    back = (now.weekday() - _WEEKDAYS.index(name)) % 7 or 7
    day = now - timedelta(days=back)
    return day, day


def _ago(count: str, unit: str, now: date) -> Span:
    n = int(count) if count.isdigit() else _NUMBERS.get(count, 1)
    days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit.rstrip("s")] * n
    return now - timedelta(days=days - 1), now


_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}

# (pattern, span of the match given today): the most specific first; the first that matches wins.
_SPANS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], Span]], ...] = tuple(
    (re.compile(pattern, re.I), resolve)
    for pattern, resolve in (
        (
            _OPEN
            + rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b",
            lambda m, now: (_date(m), _date(m)),
        ),
        (
            _OPEN
            + rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b",
            lambda m, now: (_date(m), _date(m)),
        ),
        (
            _OPEN + rf"\b(?P<m>{_FULL_MONTHS})\s+(?P<y>(?:19|20)\d{{2}})\b" + _UNIT,
            lambda m, now: _month_span(int(m["y"]), MONTHS[m["m"].lower()]),
        ),
        (
            r"\b(?P<rel>since|after|from|before|until|till|in|during|last)\s+(?:the\s+month\s+of\s+)?"
            rf"(?P<m>{_FULL_MONTHS})\b(?!\s+of\b)",
            lambda m, now: _last_month_named(MONTHS[m["m"].lower()], now),
        ),
        (
            r"\b(?P<rel>since|after|from|before|until|till|in|during)\s+(?P<y>(?:19|20)\d{2})\b"
            + _UNIT,
            lambda m, now: (date(int(m["y"]), 1, 1), date(int(m["y"]), 12, 31)),
        ),
        (r"\b(?:today|this\s+morning|tonight|this\s+evening)\b", lambda m, now: (now, now)),
        (r"\byesterday\b", lambda m, now: (now - timedelta(days=1), now - timedelta(days=1))),
        (r"\bthis\s+week\b", lambda m, now: (_week_start(now), now)),
        (
            r"\blast\s+week\b",
            lambda m, now: (
                _week_start(now) - timedelta(days=7),
                _week_start(now) - timedelta(days=1),
            ),
        ),
        (r"\bthis\s+month\b", lambda m, now: (now.replace(day=1), now)),
        (r"\blast\s+month\b", lambda m, now: _previous_month(now)),
        (r"\bthis\s+year\b", lambda m, now: (date(now.year, 1, 1), now)),
        (
            r"\blast\s+year\b",
            lambda m, now: (date(now.year - 1, 1, 1), date(now.year - 1, 12, 31)),
        ),
        (
            r"\b(?:(?:in|over|during|within)\s+the\s+(?:past|last)\s+(?P<n>\d{1,3}|a|one|two|"
            r"three|four|five|six|seven)?|(?:past|last)\s+(?P<k>\d{1,3}|two|three|four|five|six|"
            r"seven))\s*(?P<u>days?|weeks?|months?|years?)\b",
            lambda m, now: _ago(m["n"] or m["k"] or "1", m["u"].lower(), now),
        ),
        (
            rf"\b(?:on|last)\s+(?P<w>{'|'.join(_WEEKDAYS)})\b(?!\s+(?:times|telegraph|mirror|"
            r"express|herald|post|people|mail)\b)",
            lambda m, now: _last_weekday(m["w"].lower(), now),
        ),
    )
)
_NEWEST = re.compile(r"\b(?:the\s+)?(?:latest|newest|most\s+recent(?:ly)?|recent(?:ly)?)\b", re.I)
_SINCE_EVENT = re.compile(r"\bsince\s+(?P<event>the\s+[a-z][a-z' -]{2,40}?)(?=\s*[?.!,;]|$)", re.I)


def _date(m: re.Match[str]) -> date:
    return date(int(m["y"]), MONTHS[m["m"].lower()], int(m["d"]))


def read_question(question: str, now: date) -> Asked:
    """`question`'s time expression read against `now` (today): its window and its search text."""
    newest = bool(_NEWEST.search(question))
    text = _NEWEST.sub(" ", question)
    for pattern, resolve in _SPANS:
        m = pattern.search(text)
        if m is None:
            continue
        try:
            start, end = resolve(m, now)
        except (ValueError, KeyError):  # "31 February 2005": not a date after all
            continue
        groups = m.groupdict()
        if not groups.get("d") and (groups.get("m") or groups.get("y")):
            end += REPORTED_WITHIN  # a named month or year: reports on it come after it too
        window = _until_now(_relate(groups.get("rel"), start, end, newest), now)
        if _event_year(groups):  # "cost in 2003": when it happened; the year is a search word
            return Asked(replace(window, soft=True), _tidy(text), m.group(0).strip())
        return Asked(window, _without(text, m), m.group(0).strip())
    if m := _SINCE_EVENT.search(text):
        return Asked(Window(end=now, newest=newest), _without(text, m), m.group(0), m["event"])
    if newest:
        return Asked(Window(end=now, newest=True), _tidy(text))
    return Asked(Window(), question)


def _until_now(window: Window, now: date) -> Window:
    """A dated question is about what was published by the time it is asked."""
    end = now if window.end is None else min(window.end, now)
    return replace(window, end=end)


def _event_year(groups: dict[str, str | None]) -> bool:
    """A bare year ("in 2003", "during 2004"): more often when something happened than when it
    was reported, so it prefers articles of then and filters nothing (`Window.soft`)."""
    bare = groups.get("y") and not groups.get("m") and not groups.get("d")
    return bool(bare) and (groups.get("rel") or "in").lower() in ("in", "during")


def _relate(rel: str | None, start: date, end: date, newest: bool) -> Window:
    """`since March` starts at March, `before March` ends before it; others are the span."""
    rel = (rel or "").lower()
    if rel in ("since", "from"):
        return Window(start=start, newest=newest)
    if rel == "after":
        return Window(start=end + timedelta(days=1), newest=newest)
    if rel == "before":
        return Window(end=start - timedelta(days=1), newest=newest)
    if rel in ("until", "till"):
        return Window(end=end, newest=newest)
    return Window(start, end, newest)


def _without(text: str, m: re.Match[str]) -> str:
    return _tidy(text[: m.start()] + " " + text[m.end() :])


def _tidy(text: str) -> str:
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
