"""The load test's short version: 20 concurrent askers through the real Desk (real index, real
worker queue) with a stand-in model that takes its time like a real one. Its real twin is
`bench/load_test.py` with the bundled model (run for 5 minutes; numbers in bench/README.md).

Structure is asserted (everyone answered or told busy, positions, FIFO); the event-loop gap is
only checked against a loose bound that a blocking call on the loop would break (a model call
here blocks for 0.3 s), not against the 100 ms target, which the benchmark measures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import pytest

from bench.load_test import Ticker, run_wave, soak
from index.models import Article
from newsdesk.app import App, build_desk
from newsdesk.settings import Settings
from tests.support import ScriptedModel

ANSWER_SECONDS = 0.3


class SlowModel(ScriptedModel):
    """A scripted model that spends as long as a short real answer (off the event loop)."""

    def complete(self, messages: Sequence[dict[str, str]], **kwargs: object) -> str:  # type: ignore[override]
        time.sleep(ANSWER_SECONDS)
        return "It cost 182 million pounds [1]."


def desk_for(app: App, articles: list[Article], queue_size: int) -> object:
    app.index.add(articles)
    settings = Settings(**{**app.settings.model_dump(), "queue_size": queue_size})
    return build_desk(settings, app.index, app.retriever, SlowModel)


QUESTIONS = ["How much did the tram line cost?", "What did Mayor Ada Lovel say about the line?"]


async def test_twenty_askers_are_answered_or_told_busy_in_fifo_order(
    app: App, articles: list[Article]
) -> None:
    desk = desk_for(app, articles, queue_size=8)
    await desk.warm_up()  # as the bot and the chat do at start-up: onnxruntime holds the GIL for
    # 0.1-0.4 s building a session, which a first question would otherwise do during the wave
    ticker = Ticker()
    import asyncio

    ticking = asyncio.create_task(ticker.run())
    wave = await run_wave(desk, 20, QUESTIONS)
    ticking.cancel()
    assert wave.errors == []
    assert len(wave.answered) + len(wave.busy) == 20
    assert wave.answered == list(range(9))  # one running + eight waiting, in arrival order
    assert sorted(wave.busy) == list(range(9, 20))
    assert set(wave.busy.values()) == {9}  # each was told how many were ahead
    assert wave.positions == {n: n for n in range(1, 9)}  # queued askers know their place
    assert ticker.worst < ANSWER_SECONDS * 0.8, ticker.worst  # no model call on the loop


async def test_a_short_soak_keeps_every_promise(app: App, articles: list[Article]) -> None:
    desk = desk_for(app, articles, queue_size=4)
    result = await soak(desk, askers=6, seconds=2.0, log=False)
    assert result["errors"] == [] and result["fifo"] and result["every_asker_accounted"]
    assert result["answered"] and result["busy"]


async def test_warming_up_loads_every_model_so_the_first_question_loads_none(
    app: App, articles: list[Article], caplog: pytest.LogCaptureFixture
) -> None:
    desk = desk_for(app, articles, queue_size=4)
    with caplog.at_level(logging.INFO):
        await desk.warm_up()
    loaded = caplog.text
    assert "relevance cross-encoder loaded" in loaded and "reader loaded" in loaded
    assert "models loaded in" in loaded
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await desk.ask(QUESTIONS[0])
    assert "loaded" not in caplog.text  # the first question builds no session of its own
