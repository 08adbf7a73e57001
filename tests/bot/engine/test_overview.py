"""Overview questions: which questions are answered by the digest of their subject, and what that
answer says (several articles, each fact cited to the ones stating it, disagreements named)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.engine.overview import Overview, digest_answer, read_overview
from bot.types import Source, Summary
from index.dates import Window
from index.models import Article
from newsdesk.app import App, build_desk
from tests.support import ScriptedModel

ASKED_ON = date(2005, 6, 1)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What has been said about the Glazer takeover?", "the Glazer takeover"),
        ("What's been said about Lycos?", "Lycos"),
        ("What's the latest on the WorldCom trial?", "the WorldCom trial"),
        ("what is the latest in the Yukos affair", "the Yukos affair"),
        ("Tell me about the EU software patent law", "the EU software patent law"),
        ("Can you tell me more about the I, Robot DVD?", "the I, Robot DVD"),
        ("Catch me up on the Ebbers trial.", "the Ebbers trial"),
        ("Fill me in on the Eastgate tram", "the Eastgate tram"),
        ("What do the articles say about the Eastgate tram?", "the Eastgate tram"),
        ("What have the papers reported on Yukos?", "Yukos"),
        ("Any news on the Millrace Bridge?", "the Millrace Bridge"),
        ("What is going on with Yukos?", "Yukos"),
        ("Give me an overview of the hosepipe ban", "the hosepipe ban"),
    ],
)
def test_an_overview_question_gives_its_subject(question: str, subject: str) -> None:
    overview = read_overview(question, ASKED_ON)
    assert overview is not None and overview.subject == subject


@pytest.mark.parametrize(
    "question",
    [
        # a single fact is wanted: asked_kind names its kind
        "How much did the Eastgate tram line cost?",
        "When does the Quayside ferry return?",
        "Who scored twice for Calderbrook Rovers?",
        "Why was the Millrace Bridge closed?",
        "Tell me about the cost of the tram line",  # "cost": an amount
        "What's the latest on who will lead the party?",  # "who": a name
        "Tell me about when the library reopens",  # "when": a date
        # no framing about the articles' coverage: a person's words, a verdict, an event
        "What has Blair said about the election date?",
        "What did Blair say about the election date?",
        "What did the reviewer make of the I, Robot DVD?",
        "What happened to Yukos shares on Monday?",
        "What did the council decide?",
        "Was the takeover hostile?",
        # a span of dates: today's path reads it (and says when nothing is that recent)
        "What's new with Tesco this week?",
        "Tell me about the Glazer takeover in March 2005",
        "What has been said about Yukos since the election?",
        # no subject: a follow-up in a conversation
        "Tell me about it",
        "Tell me more about that.",
    ],
)
def test_other_questions_are_not_overviews(question: str) -> None:
    assert read_overview(question, ASKED_ON) is None


def test_latest_keeps_the_articles_up_to_the_asking_day_newest_first() -> None:
    assert read_overview("What's the latest on Yukos?", ASKED_ON) == Overview(
        "Yukos", Window(end=ASKED_ON, newest=True)
    )
    assert read_overview("Tell me about Yukos", ASKED_ON) == Overview("Yukos", None)


def source(n: int, title: str) -> Source:
    return Source(n, f"a{n}", title, f"/srv/{n}.txt", None, 0.0, "")


def test_a_digest_becomes_an_answer_citing_every_article_it_cites() -> None:
    digest = Summary(
        "",
        "the Glazer takeover",
        "",
        None,
        "- Glazer owns 70% [1]\n- Fans protested [2]\nSources differ: [1] says 70%, [2] says 75%.",
        True,
        sources=(source(1, "Glazer stake"), source(2, "Fans protest")),
    )
    answer = digest_answer("What has been said about the Glazer takeover?", digest)
    assert answer.mode == "digest" and answer.covered and answer.grounded
    assert answer.text.splitlines()[0] == "From 2 articles:"
    assert answer.text.splitlines()[1:] == digest.summary.splitlines()
    assert answer.citations == (1, 2)
    assert [(s.n, s.title) for s in answer.sources] == [(1, "Glazer stake"), (2, "Fans protest")]
    assert [s.quote for s in answer.sources] == ["Glazer owns 70%", "Fans protested"]


GLAZER = [
    Article(
        article_id="stake",
        title="Glazer takeover: Manchester United stake rises",
        text="Malcolm Glazer has raised his stake in Manchester United to 70%. "
        "The club's board called the Glazer takeover bid hostile.",
        source="a",
    ),
    Article(
        article_id="owns",
        title="Glazer takeover of Manchester United nears",
        text="Malcolm Glazer now owns 75% of Manchester United. "
        "Fans protested outside Old Trafford on Sunday.",
        source="b",
    ),
    Article(
        article_id="floods",
        title="Valley floods",
        text="Heavy rain flooded the valley. The river rose two metres overnight.",
        source="c",
    ),
]


@pytest.fixture
def glazer(app: App) -> App:
    app.index.add(GLAZER)
    return app


async def test_an_overview_question_is_answered_from_several_articles(glazer: App) -> None:
    model = ScriptedModel(["Invented."])
    desk = build_desk(glazer.settings, glazer.index, glazer.retriever, lambda: model)
    answer = await desk.ask("What has been said about the Glazer takeover of Manchester United?")
    assert answer.mode == "digest" and answer.grounded and not model.calls
    by_id = {s.article_id: s.n for s in answer.sources}
    assert set(by_id) == {"stake", "owns"} and answer.citations == (1, 2)
    stake, owns = by_id["stake"], by_id["owns"]
    lines = answer.text.splitlines()
    assert (
        f"- “Malcolm Glazer has raised his stake in Manchester United to 70%.” [{stake}]" in lines
    )
    assert f"- “Malcolm Glazer now owns 75% of Manchester United.” [{owns}]" in lines
    assert f"- “The club's board called the Glazer takeover bid hostile.” [{stake}]" in lines
    assert f"- “Fans protested outside Old Trafford on Sunday.” [{owns}]" in lines
    differ = [line for line in lines if line.startswith("Sources differ")]
    assert differ in (
        [f"Sources differ: [{stake}] says 70%, [{owns}] says 75%."],
        [f"Sources differ: [{owns}] says 75%, [{stake}] says 70%."],
    )
    assert len(lines) == 6  # the lead line, the four facts, the disagreement


async def test_a_single_fact_question_keeps_the_one_sentence_answer(glazer: App) -> None:
    model = ScriptedModel(["Malcolm Glazer owns 75% of Manchester United [1]."])
    desk = build_desk(glazer.settings, glazer.index, glazer.retriever, lambda: model)
    answer = await desk.ask("What share of Manchester United does Malcolm Glazer own?")
    assert answer.mode == "model" and len(model.calls) == 1  # today's path: one model sentence
    assert answer.text.splitlines()[0] == "Malcolm Glazer owns 75% of Manchester United [1]."


async def test_an_overview_off_its_subject_goes_the_single_answer_way(glazer: App) -> None:
    """The nearest article clears the (hashing embedder's low) threshold, but no digest line or
    title names "Tokyo": today's path answers instead, asking the model (with the reader on, it
    vetoes the question first: nothing in the Glazer articles says anything about a regatta)."""
    model = ScriptedModel()
    question = "What has been said about the Tokyo rowing regatta?"
    no_reader = glazer.settings.model_copy(update={"reader_veto": 0.0})
    desk = build_desk(no_reader, glazer.index, glazer.retriever, lambda: model)
    answer = await desk.ask(question)
    assert answer.mode != "digest" and model.calls
    desk = build_desk(glazer.settings, glazer.index, glazer.retriever, lambda: model)
    answer = await desk.ask(question)
    assert answer.mode == "refusal" and len(model.calls) == 1


async def test_an_overview_with_nothing_indexed_is_refused_as_before(app: App) -> None:
    model = ScriptedModel()
    desk = build_desk(app.settings, app.index, app.retriever, lambda: model)
    answer = await desk.ask("What has been said about the Glazer takeover?")
    assert answer.mode == "refusal" and not answer.covered and not model.calls


FARES = [
    Article(
        article_id="old",
        title="Tram fares set",
        text="Tram fares on the Eastgate line will be £1.90. The tram opens in June.",
        source="a",
        published="2025-03-01",
    ),
    Article(
        article_id="new",
        title="Tram fares rise",
        text="Tram fares on the Eastgate line will rise to £2.10. The tram is busy.",
        source="b",
        published="2025-09-01",
    ),
]


@pytest.mark.parametrize(
    ("asked_on", "cited"), [(date(2025, 10, 1), ["new", "old"]), (date(2025, 6, 1), ["old"])]
)
async def test_the_latest_is_newest_first_and_never_after_the_asking_day(
    app: App, asked_on: date, cited: list[str]
) -> None:
    app.index.add(FARES)
    settings = app.settings.model_copy(update={"now": asked_on})
    model = ScriptedModel()
    desk = build_desk(settings, app.index, app.retriever, lambda: model)
    answer = await desk.ask("What's the latest on Eastgate tram fares?")
    assert answer.mode == "digest" and not model.calls
    assert [s.article_id for s in answer.sources] == cited
    assert ("£2.10" in answer.text) == ("new" in cited)
