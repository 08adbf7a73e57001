"""Specification of page structure: line labels and cutting pages into articles
(`index.ingest.split`)."""

from __future__ import annotations

import csv
import itertools

import pytest

from index.ingest.clean import fix_text
from index.ingest.split import (
    _BIO_MAX_WORDS,
    RULES,
    Kind,
    Rule,
    classify_line,
    classify_page,
    drop_boilerplate,
    split_page,
)
from index.models import Article, stable_id
from tests.index.conftest import BBC, PAGES, SAMPLE

JUNK_PHRASES = [
    "Try Our AI Features",
    "Explore what Daily8 AI can do for you:",
    "Comments",
    "No comments yet...",
    "Related Articles",
    "a minute ago",
    "- Time of India",
    "Advt",
    "views |",
    "day ago",
]


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        # boilerplate: calls to action, comment widgets, teaser labels, relative times, footers
        ("Try Our AI Features", Kind.JUNK, None),
        ("Explore what Daily8 AI can do for you:", Kind.JUNK, None),
        ("Read more", Kind.JUNK, None),
        ("Share this article", Kind.JUNK, None),
        ("Sign up for our newsletter", Kind.JUNK, None),
        ("Comments", Kind.JUNK, None),
        ("12 comments", Kind.JUNK, None),
        ("No comments yet...", Kind.JUNK, None),
        ("Leave a comment", Kind.JUNK, None),
        ("Related Articles", Kind.JUNK, None),
        ("You may also like", Kind.JUNK, None),
        ("Most read", Kind.JUNK, None),
        ("a minute ago", Kind.JUNK, None),
        ("3 hours ago", Kind.JUNK, None),
        ("42.2K views | 1 day ago", Kind.JUNK, None),
        ("© 2024 Harbour Notes. All rights reserved.", Kind.JUNK, None),
        ("We use cookies to improve your experience. Accept to continue.", Kind.JUNK, None),
        ("Home | World | Business | Sport", Kind.JUNK, None),
        ("Image caption: The new reading room", Kind.JUNK, None),
        ("5 min read", Kind.JUNK, None),
        ("Menu", Kind.JUNK, None),
        ("Advt", Kind.AD, None),
        ("Advertisement", Kind.AD, None),
        # metadata
        ("- Time of India", Kind.SITE, "Time of India"),
        ("— The Daily Planet", Kind.SITE, "The Daily Planet"),
        ("By Jane Doe", Kind.BYLINE, "Jane Doe"),
        ("By Jane Doe | Staff writer", Kind.BYLINE, "Jane Doe"),
        ("The writer is a Research Analyst at an institute", Kind.BIO, None),
        ("Reporting by Jane Doe; Editing by John Smith", Kind.BIO, None),
        ("March 3, 2024", Kind.DATE, "March 3, 2024"),
        ("Updated: 12 Jan 2024 10:30 GMT", Kind.DATE, "12 Jan 2024 10:30 GMT"),
        ("2024-04-18", Kind.DATE, "2024-04-18"),
        # headlines: short, capitalised, no terminal punctuation
        ("Japan's US dilemma", Kind.HEADLINE, None),
        ("Putin Dollar Shock For Trump After BRICS Declaration?", Kind.HEADLINE, None),
        ("Bank of England holds rates as inflation cools", Kind.HEADLINE, None),
        # body text
        ("By the end of the year, profits had doubled.", Kind.BODY, None),
        ("Read the report and you will see why it matters.", Kind.BODY, None),
        ("LONDON (Reuters) - The Bank of England kept rates on hold.", Kind.BODY, None),
        ("Residents voted on Tuesday to rebuild the wall.", Kind.BODY, None),
        ("", Kind.BLANK, None),
    ],
)
def test_classify_line_labels_a_line_by_its_shape(line: str, kind: Kind, value: str | None) -> None:
    got = classify_line(line)
    assert got.kind is kind
    if value is not None:
        assert got.value == value


# One long paragraph of running prose per line rule, holding the words the rule looks for (at the
# start of the line, where the rules anchor). A rule may drop a short label; never such prose.
PROSE_WITH_RULE_WORDS = {
    "ad marker": "Advertisement spending by the big supermarket chains rose again last year, and "
    "the agency that tracks it said sponsored content and promoted posts now take a larger share "
    "of the budget than television, a shift it called historic for an industry built on ads.",
    "relative time": "Three hours ago the council was still arguing about the budget, and a "
    "minute ago the mayor said she had not seen the final figures yesterday or today, which is "
    "why the vote has been postponed until the auditors have finished checking every account",
    "comment widget": "Leave a comment in the visitors' book, the museum asks, and hundreds do: "
    "the curator says the replies and comments left over the summer helped her choose which "
    "paintings to bring back from storage for the winter exhibition, and she reads them all",
    "teaser label": "Related articles in the town archive show that the harbour wall was last "
    "rebuilt in 1921, when residents raised the money by public subscription; more from the "
    "same collection, including photographs of the work, goes on display next month. Also read",
    "copyright footer": "Copyright 2024 was a hard year for the publishers' association, which "
    "said that all rights reserved by authors under the old contracts had to be renegotiated "
    "when the new law came in, and that small presses lost money on every title. All rights "
    "reserved",
    "cookie banner": "We use cookies as a reward, the nursery's manager said, but after parents "
    "complained the staff agreed to a new policy of fruit instead of biscuits and a sticker "
    "chart, which the children accepted after a week of protest and the inspectors praised, "
    "so the cookie jar now stays in the office and nobody has asked to continue the old habit",
    "call to action": "Watch the river rise in spring and you understand why the town built its "
    "wall so high, says the engineer who has spent twenty years checking its stones after "
    "every storm and who wants the council to share the cost of the next repair with the port",
    "caption": "Video: the footage, filmed by a passenger on the morning train, shows the "
    "carriage tilting as it crossed the bridge, and investigators say it will help them work "
    "out how fast the train was going when the wheels left the track near the station.",
    "reading time": "5 min read aloud each night is all it takes, the study found: children "
    "whose parents did so for a year were a full reading age ahead of their classmates, and "
    "the effect was largest in families with few books at home",
    "navigation bar": "Home | work | school: all three moved online in the spring of 2020, the "
    "survey found, and for a third of the families asked the kitchen table became an office "
    "and a classroom at once, a change that most of them said they did not want to keep",
}


def test_every_line_rule_has_a_prose_counter_example() -> None:
    assert {rule.name for rule in RULES} == set(PROSE_WITH_RULE_WORDS)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_a_long_paragraph_with_a_rules_words_survives(rule: Rule) -> None:
    prose = PROSE_WITH_RULE_WORDS[rule.name]
    assert len(prose.split()) > rule.max_words
    assert classify_line(prose).kind in (Kind.BODY, Kind.HEADLINE)
    page = f"Harbour town news\n{prose}\nThe vote is on Monday."
    (article,) = split_page(page, source="/tmp/page.txt")
    assert prose in article.text


def test_a_long_writers_note_shaped_paragraph_stays_body() -> None:
    prose = (
        "The writer is a former harbour master, and her new book tells how the town rebuilt its "
        "sea wall after the storm of 1921, using letters from the residents who paid for it and "
        "photographs that nobody had seen for a century."
    )
    assert len(prose.split()) > _BIO_MAX_WORDS
    assert classify_line(prose).kind is Kind.BODY


def test_classify_page_turns_repeated_short_lines_into_site_chrome() -> None:
    lines = ["Daily Planet", "a minute ago", "- Daily Planet", "Story one headline", "Body one."]
    lines += ["Daily Planet", "- Daily Planet", "Share", "Share", "Story two headline", "Body."]
    kinds = [line.kind for line in classify_page(lines)]
    assert kinds[0] is Kind.SITE and kinds[5] is Kind.SITE
    assert kinds[7] is Kind.JUNK and kinds[3] is Kind.HEADLINE


def test_classify_page_keeps_a_repeated_title_that_heads_the_body() -> None:
    lines = ["Tram line approved", "", "Tram line approved", "The council approved the tram."]
    assert classify_page(lines)[2].kind is Kind.HEADLINE


def _load(path: str) -> list[Article]:
    text = fix_text((PAGES / path).read_text(encoding="utf-8"))
    return split_page(text, source=str(PAGES / path))


def _assert_no_junk(articles: list[Article]) -> None:
    for article in articles:
        for phrase in JUNK_PHRASES:
            assert phrase not in article.text, (article.title, phrase)


@pytest.fixture(scope="module")
def sample() -> list[Article]:
    return split_page(fix_text(SAMPLE.read_text(encoding="utf-8")), source=str(SAMPLE))


def test_sample_page_becomes_exactly_four_articles(sample: list[Article]) -> None:
    assert [a.title for a in sample] == [
        "Japan's US dilemma",
        "Donald Trump's administration to roll out social security payments; "
        "Here's all about the eligibility criteria & overpayment penalty",
        "India's High-Speed Rail Ambitions: The Role of Japan's Shinkansen Technology, ETInfra",
        "Putin Dollar Shock For Trump After BRICS Declaration?",
    ]


def test_sample_opinion_piece_keeps_its_writer_line_as_byline(sample: list[Article]) -> None:
    japan = sample[0]
    assert japan.byline is not None and japan.byline.startswith("The writer is a Research Analyst")
    assert "The writer is" not in japan.text
    assert japan.text.startswith("In the space of a few weeks")
    assert japan.text.endswith("stabilising force in the Indo-Pacific.")


def test_sample_related_articles_carry_the_site_name(sample: list[Article]) -> None:
    assert [a.site for a in sample] == [None, "Time of India", "Time of India", "Time of India"]


def test_sample_mismatched_headline_is_replaced_by_the_bodys_own(sample: list[Article]) -> None:
    putin = sample[3]
    assert "Air India" not in putin.title and "Air India" not in putin.text
    assert putin.text.startswith("Russia's Big De-Dollarisation Announcement")
    assert putin.text.endswith("for cross-border transactions.")


def test_sample_articles_hold_no_boilerplate(sample: list[Article]) -> None:
    _assert_no_junk(sample)
    assert all("\n\n\n" not in a.text for a in sample)


def test_sample_ids_are_deterministic_and_distinct(sample: list[Article]) -> None:
    again = split_page(fix_text(SAMPLE.read_text(encoding="utf-8")), source=str(SAMPLE))
    assert [a.article_id for a in again] == [a.article_id for a in sample]
    assert [a.article_id for a in sample] == [stable_id(f"{SAMPLE}#{n}") for n in range(4)]


def test_blog_page_with_nav_cookie_banner_and_footer_gives_its_two_posts() -> None:
    posts = _load("blog_two_posts.txt")
    assert [(p.title, p.published) for p in posts] == [
        ("Harbour town votes to rebuild its old sea wall", "March 3, 2024"),
        ("Community orchard gets its first harvest", "March 10, 2024"),
    ]
    assert posts[0].text.startswith("Residents of the small harbour town")
    assert posts[1].text.endswith("a long lease on the land.")
    assert not any(w in p.text for p in posts for w in ("cookie", "Share", "comment", "©"))


def test_wire_page_keeps_datelines_and_takes_byline_and_agency() -> None:
    stories = _load("wire_two_stories.txt")
    assert [(s.title, s.byline, s.site) for s in stories] == [
        ("Bank of England holds rates as inflation cools", "Jane Doe", "Reuters"),
        ("Dockworkers end strike after pay deal", None, "Reuters"),
    ]
    assert stories[0].text.startswith("LONDON (Reuters) - The Bank of England")
    assert "Reporting by" not in stories[0].text and "Trust Principles" not in stories[0].text
    assert stories[1].text.startswith("ROTTERDAM (Reuters) - Dockworkers")


def test_widget_page_keeps_subheadings_and_drops_widgets_and_teasers() -> None:
    (story,) = _load("widgets_one_story.txt")
    assert story.title == "City library reopens after two-year renovation"
    assert (story.byline, story.published) == ("Sam Lee", "12 Jan 2024 10:30 GMT")
    assert "\n\nWhat changes for readers\n\n" in story.text
    for junk in (
        "Read more",
        "Share",
        "Tweet",
        "Advertisement",
        "Image caption",
        "min read",
        "Museum night",
        "newsletter",
        "Subscribe",
    ):
        assert junk not in story.text


def test_untitled_text_gets_a_guessed_title() -> None:
    text = (
        "Ad sales boost Time Warner profit Quarterly profits at US media giant TimeWarner "
        "jumped 76% to $1.13bn for the three months to December, from $639m a year earlier. "
        "The firm, which is now one of the biggest investors in Google, benefited from sales."
    )
    (article,) = split_page(text, source="/tmp/x.txt")
    assert article.title == "Ad sales boost Time Warner profit"
    assert article.text.startswith("Quarterly profits")


def test_short_untitled_stray_text_is_not_an_article() -> None:
    assert split_page("Some stray footer words.\nAnother one.", source="/tmp/x.txt") == []


def test_articles_from_a_url_take_url_ids() -> None:
    text = fix_text((PAGES / "wire_two_stories.txt").read_text(encoding="utf-8"))
    url = "https://wire.example.org/page"
    first, second = split_page(text, source=url, url=url, site="Wire")
    assert (first.article_id, second.article_id) == (stable_id(url), stable_id(f"{url}#1"))
    assert first.url == second.url == url


def test_drop_boilerplate_keeps_only_text_lines() -> None:
    text = "The ferry adds crossings.\nShare this\nAdvertisement\n3 comments\nMore on Saturday."
    assert drop_boilerplate(text) == "The ferry adds crossings.\n\nMore on Saturday."


_BODY_A = "The harbour wall was finished in 1921 after the town raised the money itself."
_BODY_B = "Engineers say the stones have moved less than a centimetre in a hundred years."


def test_a_subheading_after_a_short_line_stays_in_the_article() -> None:
    page = (
        f"Harbour wall turns 100\n{_BODY_A}\nImage caption: The wall\nHow it was built\n{_BODY_B}"
    )
    (article,) = split_page(page, source="/tmp/page.txt")
    assert "How it was built" in article.text and article.text.endswith(_BODY_B)


def test_blank_lines_alone_do_not_start_an_article() -> None:
    page = f"Harbour wall turns 100\n{_BODY_A}\n\n\nHow it was built\n{_BODY_B}"
    (article,) = split_page(page, source="/tmp/page.txt")
    assert article.title == "Harbour wall turns 100" and "How it was built" in article.text


def test_a_headline_followed_by_a_byline_opens_an_article() -> None:
    page = f"Harbour wall turns 100\n{_BODY_A}\nOrchard harvest\nBy Sam Lee\n{_BODY_B}"
    first, second = split_page(page, source="/tmp/page.txt")
    assert first.text == _BODY_A
    assert (second.title, second.byline, second.text) == ("Orchard harvest", "Sam Lee", _BODY_B)


def test_a_lone_word_amid_the_text_is_text_but_at_the_edges_is_chrome() -> None:
    page = f"Menu\nHarbour wall turns 100\n{_BODY_A}\nIngredients\n{_BODY_B}\nNewsletter"
    (article,) = split_page(page, source="/tmp/page.txt")
    assert article.text == f"{_BODY_A}\n\nIngredients\n\n{_BODY_B}"


def test_a_dash_line_names_a_site_only_when_the_name_recurs() -> None:
    page = f"Harbour wall turns 100\n{_BODY_A}\n- Granite blocks\n- Lime mortar\n{_BODY_B}"
    (article,) = split_page(page, source="/tmp/page.txt")
    assert "- Granite blocks\n\n- Lime mortar" in article.text and article.site is None


@pytest.mark.parametrize(
    "line",
    ["再起動して完了しました", "ショートカットタブを開き、ショートカットの欄を", "困った挙げ句"],
)
def test_unspaced_japanese_text_is_not_a_lone_word(line: str) -> None:
    assert classify_line(line).kind is not Kind.JUNK


def test_bbc_train_row_104_a_one_line_article_mentioning_cookies_and_policy_is_kept() -> None:
    with (BBC / "train.csv").open(encoding="utf-8", newline="") as handle:
        raw = next(itertools.islice(csv.DictReader(handle), 104, None))["text"]
    text = fix_text(raw)
    assert "cookies" in text and "policy" in text  # the words the cookie-banner rule looks for
    (article,) = split_page(text, source="/tmp/row104.txt")
    assert text.endswith(article.text) and len(article.text.split()) > 0.9 * len(text.split())


def test_repeated_dash_lines_in_lists_are_list_items_not_site_names() -> None:
    page = (
        f"Ferry timetable changes\n{_BODY_A}\nMorning boat\n- Leaves at seven\n"
        f"- Calls at the pier\nEvening boat\n- Leaves at seven\n- Calls at the pier\n{_BODY_B}"
    )
    (article,) = split_page(page, source="/tmp/page.txt")
    assert article.site is None and article.text.count("- Leaves at seven") == 2


def test_a_repeated_title_is_not_a_new_article() -> None:
    dateline = "HARBOURTON (AP) — The harbour wall was finished in 1921 after a town vote."
    page = (
        f"Harbour wall turns 100\nhttps://example.org/harbour\nHarbour wall turns 100\n{dateline}"
    )
    (article,) = split_page(page, source="/tmp/page.txt")
    assert article.title == "Harbour wall turns 100" and article.text.endswith(dateline)


def test_untitled_text_after_a_hard_break_is_no_new_article() -> None:
    small_print = "This copy is for your personal use only."
    more = " ".join([_BODY_B] * 3)  # long enough to be text, not a footer's small print
    footer = f"© 2024 Harbour Notes\n{small_print}"
    page = f"Harbour wall turns 100\n{_BODY_A}\n3 comments\n{more}\n{footer}"
    (article,) = split_page(page, source="/tmp/page.txt")
    assert article.text == f"{_BODY_A}\n\n{more}"
