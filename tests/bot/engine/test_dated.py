"""Dates on the answering path, with a real index (hashing embedder) and a scripted model:
questions asked on Wednesday 18 June 2025."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.engine.answer import AnswerService
from bot.engine.dated import Dates, about_as_relevant, describe, newer_leads, say_when
from bot.engine.evidence import Evidence, Weights
from index.dates import Window
from index.models import Article
from newsdesk.app import App
from newsdesk.settings import Settings
from tests.conftest import make_article
from tests.support import ScriptedModel

NOW = date(2025, 6, 18)


def dated(n: int, text: str, title: str, published: str | None) -> Article:
    return replace(make_article(n, text, title), published=published)


TRAM_OLD = dated(
    1,
    "The Brackenford tram line will cost 182 million pounds, the council said on Tuesday. "
    "Councillors approved the tram line after a long debate.",
    "Brackenford tram line approved",
    "2005-03-08",
)
TRAM_NEW = dated(
    2,
    "The Brackenford tram line will now cost 240 million pounds, the council said. "
    "Councillors blamed the rising price of steel for the tram line's new cost.",
    "Brackenford tram line cost rises",
    "2025-06-17",
)
BRIDGE_UNDATED = dated(
    3,
    "The Millrace footbridge closed for repairs after inspectors found cracked beams. "
    "Engineers expect the footbridge repairs to take six weeks.",
    "Millrace footbridge closed",
    None,
)
LIBRARY_OLD = dated(
    4,
    "Lowick Green library will close its doors on Saturdays to save 40,000 pounds a year. "
    "Readers protested outside the library against the Saturday closures.",
    "Lowick Green library cuts Saturdays",
    "Tue, 08 Mar 2005 10:00:00 GMT",
)


def service(app: App, model: ScriptedModel) -> AnswerService:
    evidence = Evidence(app.embedder.embed, Weights.load().for_embedder(app.embedder.name))
    dates = Dates(app.retriever, lambda: NOW)
    return AnswerService(app.retriever, lambda: model, evidence, max_tokens=64, dates=dates)


@pytest.fixture
def indexed(app: App) -> App:
    app.index.add([TRAM_OLD, TRAM_NEW, BRIDGE_UNDATED, LIBRARY_OLD])
    return app


def test_a_this_week_question_is_answered_from_this_weeks_article_and_says_when(
    indexed: App,
) -> None:
    model = ScriptedModel(["The tram line will now cost 240 million pounds [1]."])
    answer = service(indexed, model).answer(
        "How much will the Brackenford tram line cost this week?"
    )
    assert [s.title for s in answer.sources] == ["Brackenford tram line cost rises"]
    assert answer.text.startswith("On 17 June 2025, the tram line will now cost 240 million")
    assert answer.grounded


def test_a_window_with_only_older_articles_says_how_old_the_news_is(settings: Settings) -> None:
    app = App(settings.model_copy(update={"min_relevance": 0.2}))
    app.index.add([TRAM_OLD, TRAM_NEW, BRIDGE_UNDATED, LIBRARY_OLD])
    model = ScriptedModel([])  # the model must not be asked
    question = "What happened with the Lowick Green library Saturday closures this week?"
    answer = service(app, model).answer(question)
    assert answer.text == (
        "No indexed article on this is dated this week. "
        "The newest article on this is from 8 March 2005 [1]."
    )
    assert (
        answer.citations == (1,)
        and answer.sources[0].title == "Lowick Green library cuts Saturdays"
    )
    assert not answer.used_model and model.calls == []


def test_a_window_in_the_past_keeps_the_articles_of_then(indexed: App) -> None:
    model = ScriptedModel(["The tram line will cost 182 million pounds [1]."])
    answer = service(indexed, model).answer(
        "How much was the Brackenford tram line to cost in March 2005?"
    )
    titles = [s.title for s in answer.sources]
    assert titles[0] == "Brackenford tram line approved"
    assert "Brackenford tram line cost rises" not in titles  # June 2025: outside the window
    assert answer.text.startswith("On 8 March 2005, ") and "182 million pounds" in answer.text


def test_undated_articles_answer_dated_questions_as_before(indexed: App) -> None:
    model = ScriptedModel(["Inspectors found cracked beams in the Millrace footbridge [1]."])
    answer = service(indexed, model).answer("Why did the Millrace footbridge close this week?")
    assert answer.sources[0].title == "Millrace footbridge closed"
    assert "cracked beams" in answer.text
    assert "2025" not in answer.text and not answer.text.startswith("On ")  # no date to say


def test_when_two_articles_disagree_the_newer_leads_and_the_older_figure_is_named(
    indexed: App,
) -> None:
    model = ScriptedModel(["The tram line will now cost 240 million pounds [1]."])
    answer = service(indexed, model).answer("How much will the Brackenford tram line cost?")
    titles = [s.title for s in answer.sources]
    assert titles[:2] == ["Brackenford tram line cost rises", "Brackenford tram line approved"]
    assert answer.text.startswith(
        "On 17 June 2025, the tram line will now cost 240 million pounds [1]."
    )
    assert "An earlier article (8 March 2005) had said:" in answer.text
    assert "182 million" in answer.text and answer.citations == (1, 2)


def test_latest_orders_the_nearly_as_relevant_newest_first(indexed: App) -> None:
    hits = indexed.retriever.search("Brackenford tram line cost", window=Window(newest=True))
    assert hits[0].article.title == "Brackenford tram line cost rises"
    plain = indexed.retriever.search("Brackenford tram line cost", window=Window(newest=True))
    assert {h.article.article_id for h in plain} == {h.article.article_id for h in hits}


def test_a_window_filters_retrieval_but_keeps_undated_articles(indexed: App) -> None:
    window = Window(date(2025, 6, 1), date(2025, 6, 30))
    hits = indexed.retriever.search(
        "tram line library footbridge", 10, window=window, threshold=False
    )
    assert {h.article.title for h in hits} == {
        "Brackenford tram line cost rises",
        "Millrace footbridge closed",
    }


def test_newer_leads_only_reorders(indexed: App) -> None:
    hits = indexed.retriever.search("How much will the Brackenford tram line cost?", 6)
    moved = newer_leads(hits, margin=1.0)
    assert sorted(h.chunk.chunk_id for h in moved) == sorted(h.chunk.chunk_id for h in hits)
    assert newer_leads(hits, margin=0.0)[0].article.article_id == hits[0].article.article_id or (
        hits[0].article.published == "2025-06-17"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("The council approved it [1].", "On 14 June 2025, the council approved it [1]."),
        ("Tesco said sales rose [1].", "On 14 June 2025, Tesco said sales rose [1]."),
        ("It rose 5% [1].", "On 14 June 2025, it rose 5% [1]."),
        ("On 14 June 2025, it rose [1].", "On 14 June 2025, it rose [1]."),
    ],
)
def test_say_when(text: str, said: str) -> None:
    assert say_when(text, date(2025, 6, 14)) == said


def test_windows_are_described_in_words() -> None:
    assert describe(Window(date(2025, 6, 14), date(2025, 6, 14))) == "on 14 June 2025"
    assert describe(Window(start=date(2004, 1, 1))) == "since 1 January 2004"
    assert describe(Window(end=date(2004, 11, 30))) == "up to 30 November 2004"


def test_a_weakly_related_article_in_the_window_does_not_hide_stale_news(indexed: App) -> None:
    model = ScriptedModel([])  # the model must not be asked
    answer = service(indexed, model).answer("What happened with the library cuts this week?")
    assert answer.text.endswith("The newest article on this is from 8 March 2005 [1].")
    assert answer.sources[0].title == "Lowick Green library cuts Saturdays"
    assert model.calls == []


def test_about_as_relevant_keeps_the_hits_near_the_best(indexed: App) -> None:
    hits = indexed.retriever.search("library cuts", 6, threshold=False)
    near = about_as_relevant(hits, 0.05)
    assert near and all(h.score >= max(x.score for x in hits) - 0.05 for h in near)
    assert about_as_relevant([], 0.05) == []


def test_since_an_event_starts_on_the_day_of_the_article_about_it(app: App) -> None:
    election = dated(
        5,
        "Voters in Brackenford elected a new council in the local election on Thursday. "
        "The election turnout was 41 per cent.",
        "Brackenford council election results",
        "2025-05-02",
    )
    app.index.add([TRAM_OLD, TRAM_NEW, election])
    found = Dates(app.retriever, lambda: NOW).search(
        "What will the tram line cost since the election?", "tram line cost since the election"
    )
    assert found.asked.since_event == "the election"
    titles = {h.article.title for h in found.hits}
    assert "Brackenford tram line cost rises" in titles
    assert "Brackenford tram line approved" not in titles  # 2005: before the election


def test_a_soft_window_prefers_its_articles_and_keeps_the_others(indexed: App) -> None:
    soft = Window(date(2005, 1, 1), date(2005, 12, 31), soft=True)
    hits = indexed.retriever.search("Brackenford tram line cost", 6, window=soft)
    assert hits[0].article.title == "Brackenford tram line approved"  # 2005 first
    assert "Brackenford tram line cost rises" in {h.article.title for h in hits}  # 2025 kept
