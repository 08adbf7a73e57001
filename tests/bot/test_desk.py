"""`Desk`, the async front, with a real index and a scripted model; and the `DeskAPI` contract
that the real `Desk` and the `FakeDesk` both pass."""

from __future__ import annotations

import asyncio
import re
import threading

import pytest

from bot.desk import DeskAPI
from index.errors import ArticleNotFoundError, NewsdeskError
from index.models import Article
from newsdesk.app import App, build_desk
from newsdesk.settings import Settings
from tests.bot.fakes import FakeDesk
from tests.support import ScriptedModel


@pytest.fixture
def indexed(app: App, articles: list[Article]) -> App:
    app.index.add(articles)
    return app


async def test_streamed_text_arrives_on_the_event_loop_thread(indexed: App) -> None:
    model = ScriptedModel(["Striker Kyle Ansah scored twice [1]."])
    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, lambda: model)
    seen: list[tuple[str, bool]] = []
    loop_thread = threading.current_thread()
    answer = await desk.ask(
        "Who scored twice for the club?",
        on_text=lambda t: seen.append((t, threading.current_thread() is loop_thread)),
    )
    await asyncio.sleep(0)  # let the last relayed callback run
    assert answer.citations == (1,)
    assert seen and all(on_loop for _, on_loop in seen)
    assert seen[-1][0] == "Striker Kyle Ansah scored twice [1]."


def model_mode(app: App) -> Settings:
    return app.settings.model_copy(update={"summary_mode": "model"})


def auto_mode(app: App) -> Settings:
    return app.settings.model_copy(update={"summary_mode": "auto"})


async def test_by_default_summaries_quote_the_lead_and_never_call_the_model(indexed: App) -> None:
    """The default (`extractive`): on the key-fact benchmark the lead covers more than the
    0.5B model's bullets (bench/summary_bench.py)."""
    model = ScriptedModel(["- Invented."])
    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, lambda: model)
    summary = await desk.summarise("Valley floods")
    assert summary.summary.startswith("Heavy rain flooded the valley. [1]")
    assert summary.grounded and not model.calls


async def test_with_the_bundled_135m_model_summaries_quote_the_lead(indexed: App) -> None:
    """`auto` (the default): the tiny model's summaries cover less than the lead; not asked."""
    model = ScriptedModel(["- Invented."], name="SmolLM2-135M-Instruct.Q4_1.gguf")
    desk = build_desk(auto_mode(indexed), indexed.index, indexed.retriever, lambda: model)
    summary = await desk.summarise("Valley floods")
    assert summary.summary.startswith("Heavy rain flooded the valley. [1]")
    assert summary.grounded and not model.calls


async def test_in_model_mode_summaries_are_its_checked_bullets(indexed: App) -> None:
    """`model`: the model's bullets, each checked and cited; one that fails is replaced by the
    article sentence it draws on, quoted."""
    model = ScriptedModel(
        [
            "- The council approved a new tram line on Tuesday\n"
            "- The line will cost 250 million pounds\n"  # not what the article says
            "- Mayor Ada Lovel said it links Eastgate to the station"
        ]
    )
    desk = build_desk(model_mode(indexed), indexed.index, indexed.retriever, lambda: model)
    summary = await desk.summarise("Tram line approved")
    assert summary.summary.splitlines() == [
        "- The council approved a new tram line on Tuesday [1]",
        "- “It will cost 182 million pounds and open in 2025.” [1]",
        "- Mayor Ada Lovel said it links Eastgate to the station [1]",
    ]
    assert summary.grounded and len(model.calls) == 1


async def test_in_auto_mode_the_model_shortens_the_later_sentences(app: App) -> None:
    """`auto` with the 0.5B model: the likeliest three sentences whole and quoted, the next
    shortened (words deleted, checked) so that it fits; a reply that changes words is not shown."""
    streets = ["Quay", "Mill", "Bridge", "Market", "Castle", "Abbey", "Hill", "Park", "Dock"]
    background = " ".join(f"Residents of {s} Street remember the horse trams." for s in streets)
    text = (
        "The Eastgate tram line opened on Monday. It cost 182 million pounds. Trams run every 10 "
        "minutes. Passenger numbers reached 5,000 on the first day, the council said in a long "
        "statement on its website, adding that the work had finished ahead of schedule. "
        + background
    )
    app.index.add([Article(article_id="t", title="Tram line opens", text=text, source="s")])
    model = ScriptedModel(
        ["Passenger numbers reached 5,000 on the first day.", "Residents remember trams."] * 3,
        name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    )
    desk = build_desk(auto_mode(app), app.index, app.retriever, lambda: model)
    summary = await desk.summarise("Tram line opens")
    lines = summary.summary.splitlines()
    assert lines[0] == "- “The Eastgate tram line opened on Monday.” [1]"
    assert lines[-1] == "- Passenger numbers reached 5,000 on the first day. [1]"
    assert "schedule" not in summary.summary and "remember" not in summary.summary
    assert model.calls[0][-1]["content"].startswith("Passenger numbers reached 5,000")


async def test_summaries_are_cached_by_content_hash_and_mode(indexed: App) -> None:
    model = ScriptedModel(["- The football club won promotion after a 3-1 win"])
    desk = build_desk(model_mode(indexed), indexed.index, indexed.retriever, lambda: model)
    first = await desk.summarise("Rovers promoted")
    again = await desk.summarise("rovers promotd")  # fuzzy title
    assert first == again
    assert first.grounded and first.summary.startswith("- The football club won promotion")
    assert len(model.calls) == 1
    extractive = indexed.settings.model_copy(update={"summary_mode": "extractive"})
    other = build_desk(extractive, indexed.index, indexed.retriever, lambda: model)
    assert (await other.summarise("Rovers promoted")).summary != first.summary


async def test_an_invented_model_summary_falls_back_to_article_sentences(indexed: App) -> None:
    model = ScriptedModel(["Indonesia won the 2022 World Cup."])
    desk = build_desk(model_mode(indexed), indexed.index, indexed.retriever, lambda: model)
    summary = await desk.summarise("Valley floods")
    assert "Indonesia" not in summary.summary
    assert summary.summary.splitlines()[0] == "- “Heavy rain flooded the valley.” [1]"


async def test_no_model_output_is_the_lead(indexed: App) -> None:
    model = ScriptedModel([""])
    desk = build_desk(model_mode(indexed), indexed.index, indexed.retriever, lambda: model)
    summary = await desk.summarise("Valley floods")
    assert summary.summary.startswith("Heavy rain flooded the valley. [1]")


async def test_the_model_reads_the_likeliest_key_sentences_not_the_whole_article(app: App) -> None:
    streets = ["Quay", "Mill", "Bridge", "Market", "Castle", "Abbey", "Hill", "Park", "Dock"]
    background = [f"Residents of {s} Street remember the old horse trams." for s in streets * 3]
    text = " ".join(
        [
            "The Eastgate tram line opened on Monday.",
            *background[:6],
            "The line cost 182 million pounds.",
            *background[6:],
        ]
    )
    app.index.add([Article(article_id="t", title="Tram line opens", text=text, source="s")])
    model = ScriptedModel(["- The Eastgate tram line opened on Monday"])
    desk = build_desk(model_mode(app), app.index, app.retriever, lambda: model)
    await desk.summarise("Tram line opens")
    prompt = model.calls[0][1]["content"]
    assert "The Eastgate tram line opened on Monday." in prompt
    assert "182 million pounds" in prompt  # a figure in the middle of the article
    assert prompt.count("horse trams") < len(background)


async def test_when_the_key_sentences_overflow_the_window_they_are_summarised_map_reduce(
    app: App,
) -> None:
    streets = ["Quay", "Mill", "Bridge", "Market", "Castle", "Abbey", "Hill", "Park", "Dock"]
    text = " ".join(
        f"Stop {i} on {s} Street opened with {10 * i} riders." for i, s in enumerate(streets * 40)
    )
    app.index.add([Article(article_id="long", title="Long tram story", text=text, source="s")])
    model = ScriptedModel(["- Stop 1 on Mill Street opened with 10 riders"] * 40)
    model.n_ctx = 300
    desk = build_desk(model_mode(app), app.index, app.retriever, lambda: model)
    summary = await desk.summarise("long")
    assert len(model.calls) > 2
    assert "bullet points from consecutive parts" in model.calls[-1][1]["content"]
    assert summary.summary.startswith("- Stop 1 on Mill Street opened with 10 riders [1]")


async def test_a_topic_is_digested_from_several_articles(indexed: App) -> None:
    """A text naming no one article is a topic: the relevant articles' bullets, each cited to
    every article that states it."""
    model = ScriptedModel(name="SmolLM2-135M")  # extractive bullets: no model call
    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, lambda: model)
    digest = await desk.summarise("rain flooded valley river Millbrook")
    assert digest.article_id == "" and digest.sources
    assert digest.sources[0].title == "Valley floods"
    assert "- “Heavy rain flooded the valley.” [1]" in digest.summary.splitlines()


async def test_an_unknown_article_is_a_clear_error(indexed: App) -> None:
    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, ScriptedModel)
    with pytest.raises(ArticleNotFoundError, match="no indexed article matches"):
        await desk.summarise("zzzz qqqq xxxx")


async def test_titles_recent_and_about(indexed: App) -> None:
    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, ScriptedModel)
    assert [r.title for r in await desk.find_titles("tram")] == ["Tram line approved"]
    assert len(await desk.recent(2)) == 2
    about = await desk.about()
    assert about["articles"] == 3 and about["embedder"] == "hashing-384"


@pytest.fixture(params=["real", "fake"])
async def any_desk(request: pytest.FixtureRequest, indexed: App) -> DeskAPI:
    """The real `Desk` and the fake one, over the same three articles."""
    if request.param == "real":
        return build_desk(indexed.settings, indexed.index, indexed.retriever, ScriptedModel)
    return FakeDesk(articles=indexed.index.catalog.records())


async def test_contract_articles_are_named_by_id_or_fuzzy_title(any_desk: DeskAPI) -> None:
    """Both desks name articles by the one rule (index.lookup)."""
    tram = await any_desk.find_article("Tram line approvd")
    assert tram.title == "Tram line approved"
    assert (await any_desk.find_article(f"  {tram.article_id} ")).article_id == tram.article_id
    with pytest.raises(ArticleNotFoundError):
        await any_desk.find_article("zzzz qqqq xxxx")
    assert [r.title for r in await any_desk.find_titles("tram")] == ["Tram line approved"]
    assert [r.title for r in await any_desk.find_titles(tram.article_id)] == [tram.title]
    assert len(await any_desk.find_titles("", limit=2)) == 2
    assert len(await any_desk.recent(2)) == 2


async def test_contract_a_topic_is_a_digest_citing_its_sources(any_desk: DeskAPI) -> None:
    digest = await any_desk.summarise("tram line Eastgate")  # names no title exactly
    assert digest.article_id == "" and digest.title == "tram line Eastgate"
    assert "Tram line approved" in [s.title for s in digest.sources]
    cited = {
        int(n) for n in re.findall(r"\d+", " ".join(re.findall(r"\[[\d, ]+\]", digest.summary)))
    }
    assert cited and cited <= {s.n for s in digest.sources}


async def test_contract_summaries_name_their_article(any_desk: DeskAPI) -> None:
    tram = await any_desk.find_article("tram line approved")
    summary = await any_desk.summarise(tram.article_id)
    assert (summary.article_id, summary.title) == (tram.article_id, "Tram line approved")


async def test_a_digest_numbers_dated_articles_newest_first(app: App) -> None:
    older = Article(
        article_id="old",
        title="Tram fares set",
        text="Tram fares on the Eastgate line will be £1.90. The tram opens in June.",
        source="a",
        published="2025-03-01",
    )
    newer = Article(
        article_id="new",
        title="Tram fares rise",
        text="Tram fares on the Eastgate line will rise to £2.10. The tram is busy.",
        source="b",
        published="2025-09-01",
    )
    app.index.add([older, newer])
    model = ScriptedModel(name="SmolLM2-135M")
    desk = build_desk(app.settings, app.index, app.retriever, lambda: model)
    digest = await desk.digest("Eastgate tram fares")
    assert [s.article_id for s in digest.sources] == ["new", "old"]
    assert "“Tram fares on the Eastgate line will rise to £2.10.” [1]" in digest.summary


async def test_a_model_that_fails_to_load_at_warm_up_is_reported_by_the_first_question(
    indexed: App, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> ScriptedModel:
        raise NewsdeskError("NEWSDESK_MODEL_PATH: no GGUF file at /nowhere.gguf")

    desk = build_desk(indexed.settings, indexed.index, indexed.retriever, broken)
    await desk.warm_up()  # logs, does not raise: the bot still starts
    assert "loading the models failed: NEWSDESK_MODEL_PATH: no GGUF file" in caplog.text
    with pytest.raises(NewsdeskError, match="no GGUF file"):
        await desk.ask("Who scored twice for the club?")
