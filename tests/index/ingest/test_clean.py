"""Specification of text repair and title guessing (`index.ingest.clean`)."""

from __future__ import annotations

import csv
import re

import pytest

from index.ingest.clean import fix_text, guess_title, headline_matches, strip_inline_junk
from tests.index.conftest import BBC


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("UK homes hit Â£3.3 trillion total", "UK homes hit £3.3 trillion total"),
        ("Â£6.5m deal", "£6.5m deal"),
        ("donâ€™t say â€œnoâ€\x9d", 'don\'t say "no"'),
        ("curly \u201cquotes\u201d and \u2018single\u2019", "curly \"quotes\" and 'single'"),
        ("non\u00a0breaking  and\ttabs   collapse", "non breaking and tabs collapse"),
        ("zero\u200bwidth\ufeff gone", "zerowidth gone"),
        ("  padded line  \n\n  next  ", "padded line\n\nnext"),
        ("windows\r\nline\r\nends", "windows\nline\nends"),
        ("a\n\n\n\n\n\nb", "a\n\n\nb"),
        ("plain text stays", "plain text stays"),
    ],
)
def test_fix_text_repairs_mojibake_and_normalises_whitespace(raw: str, fixed: str) -> None:
    assert fix_text(raw) == fixed


def test_fix_text_keeps_paragraph_breaks() -> None:
    assert fix_text("First para.\n\nSecond para.").split("\n\n") == ["First para.", "Second para."]


@pytest.mark.parametrize(
    ("paragraph", "cleaned"),
    [
        ("Advt E5 trains arrive. Advt More news", "E5 trains arrive. More news"),
        ("It ends here. 42.2K views | 1 day ago", "It ends here."),
        ("Clip of the day 1,204 views", "Clip of the day"),
        ("Breaking story | 3 hours ago", "Breaking story"),
        ("An advertisement agency grew.", "An advertisement agency grew."),
        ("The video had 42 views last year.", "The video had 42 views last year."),
    ],
)
def test_strip_inline_junk_removes_ad_markers_and_view_counts(paragraph: str, cleaned: str) -> None:
    assert strip_inline_junk(paragraph) == cleaned


@pytest.mark.parametrize(
    ("headline", "body", "matches"),
    [
        ("Japan's US dilemma", "Japan is rearming while the US imposes tariffs.", True),
        (
            "Air India Crash: Modi Govt Slams Western Media For Blaming Pilot Over Engine Fiasco",
            "Putin Dollar Shock For Trump After BRICS Declaration? Russia says BRICS nations "
            "will trade in national currencies to get around sanctions.",
            False,
        ),
        ("Harbour votes on sea wall", "Residents voted to rebuild the harbour wall.", True),
        ("Short", "Anything at all.", True),  # too few words to judge: trusted
    ],
)
def test_headline_matches_needs_some_word_overlap(headline: str, body: str, matches: bool) -> None:
    assert headline_matches(headline, body) is matches


@pytest.mark.parametrize(
    ("text", "title", "body_start"),
    [
        (
            "Ad sales boost Time Warner profit Quarterly profits at US media giant TimeWarner "
            "jumped 76% to $1.13bn for the three months to December.",
            "Ad sales boost Time Warner profit",
            "Quarterly profits",
        ),
        (
            "Dollar gains on Greenspan speech The dollar has hit its highest level against the "
            "euro in almost three months after the Federal Reserve head said the deficit is set "
            "to stabilise.",
            "Dollar gains on Greenspan speech",
            "The dollar",
        ),
        (
            "Radcliffe yet to answer GB call Paula Radcliffe has been granted extra time to decide "
            "whether to compete in the World Cross-Country Championships.",
            "Radcliffe yet to answer GB call",
            "Paula Radcliffe",
        ),
        (
            "Strachan turns down Pompey Former Southampton manager Gordon Strachan has rejected "
            "the chance to become the new boss of Portsmouth.",
            "Strachan turns down Pompey",
            "Former Southampton",
        ),
        (
            "Putin Dollar Shock For Trump After BRICS Declaration? Russia's Big De-Dollarisation "
            "Announcement Russian Deputy Foreign Minister Sergey Ryabkov clarified the position.",
            "Putin Dollar Shock For Trump After BRICS Declaration?",
            "Russia's Big",
        ),
        (
            "Harbour town votes to rebuild sea wall\nResidents voted on Tuesday to rebuild it.",
            "Harbour town votes to rebuild sea wall",
            "Residents voted",
        ),
    ],
)
def test_guess_title_splits_a_headline_run_into_the_body(
    text: str, title: str, body_start: str
) -> None:
    got_title, body = guess_title(text)
    assert got_title == title
    assert body.startswith(body_start)


def test_guess_title_falls_back_to_ten_words_and_ellipsis_when_unsure() -> None:
    text = "PM apology over jailings Tony Blair has apologised to two families who suffered."
    title, body = guess_title(text)
    assert title == " ".join(text.split()[:10]) + "…"
    assert body == text


def _bbc_rows(name: str, count: int) -> list[str]:
    with (BBC / name).open(encoding="utf-8", newline="") as handle:
        return [row["text"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


@pytest.mark.parametrize("name", ["train.csv", "val.csv", "test.csv"])
def test_guess_title_on_bbc_rows_gives_short_prefix_titles(name: str) -> None:
    rows = _bbc_rows(name, 120)
    confident = 0
    for raw in rows:
        text = fix_text(raw)
        title, body = guess_title(text)
        words = title.removesuffix("…").split()
        assert 1 <= len(words) <= 15
        assert text.startswith(title.removesuffix("…"))
        assert "Â" not in title
        if not title.endswith("…"):
            confident += 1
            assert body and text.endswith(body)
            assert not re.search(r"[.]$", title)
    assert confident >= 0.8 * len(rows)
