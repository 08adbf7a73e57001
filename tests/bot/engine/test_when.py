"""Reading time expressions in questions: a table of questions asked on Wednesday 18 June 2025."""

from __future__ import annotations

from datetime import date

import pytest

from bot.engine.when import read_question
from index.dates import Window

NOW = date(2025, 6, 18)  # a Wednesday
D = date


@pytest.mark.parametrize(
    ("question", "window", "text"),
    [
        (
            "What happened with Tesco today?",
            Window(D(2025, 6, 18), D(2025, 6, 18)),
            "What happened with Tesco?",
        ),
        (
            "What did the council decide yesterday?",
            Window(D(2025, 6, 17), D(2025, 6, 17)),
            "What did the council decide?",
        ),
        (
            "What happened with Tesco this week?",
            Window(D(2025, 6, 16), D(2025, 6, 18)),
            "What happened with Tesco?",
        ),
        ("Who won the vote last week?", Window(D(2025, 6, 9), D(2025, 6, 15)), "Who won the vote?"),
        (
            "What did the Bank say last month?",
            Window(D(2025, 5, 1), D(2025, 5, 31)),
            "What did the Bank say?",
        ),
        (
            "How many jobs went this month?",
            Window(D(2025, 6, 1), D(2025, 6, 18)),
            "How many jobs went?",
        ),
        (
            "What did the council decide in March 2005?",
            Window(D(2005, 3, 1), D(2005, 5, 1)),  # reports up to a month after
            "What did the council decide?",
        ),
        (
            "What did the council decide in March?",
            Window(D(2025, 3, 1), D(2025, 5, 1)),
            "What did the council decide?",
        ),
        ("What happened in September?", Window(D(2024, 9, 1), D(2024, 10, 31)), "What happened?"),
        (  # a bare year: when it happened; prefers articles of then, filters nothing
            "Who led the charts in 2004?",
            Window(D(2004, 1, 1), D(2005, 1, 31), soft=True),
            "Who led the charts in 2004?",
        ),
        (
            "How have prices moved since 2004?",
            Window(D(2004, 1, 1), NOW),
            "How have prices moved?",
        ),
        (
            "What happened to Yukos before December 2004?",
            Window(end=D(2004, 11, 30)),
            "What happened to Yukos?",
        ),
        ("How did sales do this year?", Window(D(2025, 1, 1), D(2025, 6, 18)), "How did sales do?"),
        (
            "How did sales do last year?",
            Window(D(2024, 1, 1), D(2024, 12, 31)),
            "How did sales do?",
        ),
        (
            "What happened on 14 June 2025?",
            Window(D(2025, 6, 14), D(2025, 6, 14)),
            "What happened?",
        ),
        (
            "What happened on June 14, 2025 at the bridge?",
            Window(D(2025, 6, 14), D(2025, 6, 14)),
            "What happened at the bridge?",
        ),
        (
            "Any news on the strike in the past 3 days?",
            Window(D(2025, 6, 16), D(2025, 6, 18)),
            "Any news on the strike?",
        ),
        (
            "What did the union say on Monday?",
            Window(D(2025, 6, 16), D(2025, 6, 16)),
            "What did the union say?",
        ),
        (
            "What did the union say last Wednesday?",
            Window(D(2025, 6, 11), D(2025, 6, 11)),
            "What did the union say?",
        ),
        (
            "What's the latest on the rail strike?",
            Window(end=NOW, newest=True),
            "What's on the rail strike?",
        ),
        (
            "Any recent news about house prices?",
            Window(end=NOW, newest=True),
            "Any news about house prices?",
        ),
        (
            "What is the most recent figure for growth this year?",
            Window(D(2025, 1, 1), D(2025, 6, 18), newest=True),
            "What is figure for growth?",
        ),
    ],
)
def test_time_expressions_become_a_window_and_leave_the_search_text(
    question: str, window: Window, text: str
) -> None:
    asked = read_question(question, NOW)
    assert asked.window == window
    assert asked.text == text
    assert asked.dated


@pytest.mark.parametrize(
    "question",
    [
        "How much did the March of Dimes raise?",
        "What did May said about the budget?",
        "What did Theresa May say about Brexit?",
        "What did the Sunday Times report about the takeover?",
        "What did the paper say on Sunday Times day?",  # not "on Sunday"
        "Which phone has 2004 GB of storage?",
        "Why did 2004 people sign the petition?",
        "How many votes did he get in 2004 votes cast?",
        "What is the current account deficit?",
        "How much did the Eastgate tram line cost?",
        "Who won the 12 points?",
        "What did Mark say about the last days of the campaign?",
    ],
)
def test_words_that_only_look_like_dates_are_not_read_as_dates(question: str) -> None:
    asked = read_question(question, NOW)
    assert asked.window == Window()
    assert asked.text == question
    assert not asked.dated


def test_since_an_event_leaves_the_event_for_the_index_to_date() -> None:
    asked = read_question("What has Labour promised since the election?", NOW)
    assert asked.since_event == "the election"
    assert asked.text == "What has Labour promised?"
    assert asked.window == Window(end=NOW)


def test_an_impossible_date_is_not_a_date() -> None:
    asked = read_question("What happened on 31 February 2005?", NOW)
    assert asked.window.start != date(2005, 2, 28)


def test_the_past_week_is_the_last_seven_days() -> None:
    asked = read_question("What happened to the pound in the past week?", NOW)
    assert asked.window == Window(D(2025, 6, 12), D(2025, 6, 18))


def test_a_named_day_or_a_relative_window_gets_no_reporting_slack() -> None:
    assert read_question("What happened on 14 June 2025?", NOW).window.end == D(2025, 6, 14)
    assert read_question("What happened last month?", NOW).window.end == D(2025, 5, 31)


def test_a_dated_question_is_about_what_was_published_by_then() -> None:
    assert read_question("What happened this year?", D(2005, 1, 1)).window.end == D(2005, 1, 1)
    assert read_question("Who won in 2004?", D(2005, 1, 10)).window.end == D(2005, 1, 10)


def test_a_bare_year_after_since_or_before_still_filters() -> None:
    assert not read_question("What changed since 2004?", NOW).window.soft
    assert read_question("What changed before 2004?", NOW).window == Window(end=D(2003, 12, 31))
    assert read_question("How much did piracy cost in 2003?", NOW).window.soft
