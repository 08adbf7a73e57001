from __future__ import annotations

import logging
from dataclasses import replace
from unittest.mock import create_autospec

import pytest

from bot.conversation import UNGROUNDED_WARNING, Conversation, check_question, describe_error
from bot.desk import DeskAPI
from bot.types import BusyError, QuestionError, Summary, Turn
from index.errors import ArticleNotFoundError, EmptyIndexError
from tests.bot.fakes import FakeDesk, answer, source


def spec_desk() -> DeskAPI:
    desk: DeskAPI = create_autospec(DeskAPI, spec_set=True, instance=True)
    return desk


@pytest.mark.parametrize(
    ("question", "ok"),
    [("why?", True), ("  why?  ", True), ("", False), ("   ", False), ("x" * 21, False)],
)
def test_check_question(question: str, ok: bool) -> None:
    if ok:
        assert check_question(question, 20) == question.strip()
    else:
        with pytest.raises(QuestionError):
            check_question(question, 20)


def test_the_history_keeps_the_last_turns() -> None:
    turns = [Turn(f"q{i}", f"a{i}") for i in range(5)]
    assert Conversation(FakeDesk(), history_turns=2, turns=turns).history == (turns[3], turns[4])
    assert Conversation(FakeDesk(), history_turns=0, turns=turns).history == ()


@pytest.mark.parametrize(
    "exc", [BusyError(3), ArticleNotFoundError("x"), EmptyIndexError(), QuestionError("too long")]
)
def test_expected_errors_are_shown_as_they_are(exc: Exception) -> None:
    outcome = describe_error(exc, context="test")
    assert outcome.error and outcome.text == str(exc) and outcome.reference is None


def test_unexpected_errors_get_a_reference_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        outcome = describe_error(KeyError("internal detail"), context="ask id=1")
    assert outcome.error and outcome.reference is not None
    assert outcome.reference in outcome.text and "internal" not in outcome.text
    [logged] = caplog.records
    assert outcome.reference in logged.getMessage() and "ask id=1" in logged.getMessage()
    assert logged.exc_info is not None


async def test_ask_passes_history_and_remembers_turns() -> None:
    desk = FakeDesk().script(*(answer(f"a{i} [1].", source(1)) for i in range(4)))
    conversation = Conversation(desk, history_turns=2)
    for i in range(4):
        await conversation.ask(f"q{i}")
    assert [c.history for c in desk.asked()][-1] == (Turn("q1", "a1 [1]."), Turn("q2", "a2 [1]."))


async def test_ask_with_derived_turns_uses_them() -> None:
    desk = FakeDesk()
    turns = (Turn("q0", "a0"), Turn("q1", "a1"), Turn("q2", "a2"))
    await Conversation(desk, history_turns=2, turns=turns).ask("next")
    assert desk.asked()[0].history == turns[1:]


async def test_an_uncovered_answer_has_no_sources_and_is_not_remembered() -> None:
    desk = FakeDesk().script(answer("The indexed articles don't cover that.", covered=False))
    conversation = Conversation(desk)
    outcome = await conversation.ask("weather on mars?")
    assert outcome.sources == () and not outcome.error
    assert conversation.turns == []


async def test_a_near_miss_shows_the_source_of_its_closest_sentence_and_is_not_remembered() -> None:
    near = answer(
        "The articles don't say exactly. The closest they come: “Rates rose.” [1]",
        source(1),
        source(2, "Other"),
        covered=False,
        grounded=False,
    )
    desk = FakeDesk().script(replace(near, citations=(1,), mode="near-miss"))
    conversation = Conversation(desk)
    outcome = await conversation.ask("by how much exactly?")
    assert [s.n for s in outcome.sources] == [1] and outcome.warnings == ()
    assert conversation.turns == []


async def test_an_ungrounded_answer_carries_a_warning() -> None:
    desk = FakeDesk().script(answer("Maybe [1].", source(1), grounded=False))
    outcome = await Conversation(desk).ask("q")
    assert outcome.warnings == (UNGROUNDED_WARNING,)


async def test_a_question_that_is_too_long_never_reaches_the_desk() -> None:
    desk = spec_desk()
    outcome = await Conversation(desk, max_question_chars=20).ask("x" * 21)
    assert outcome.error and "limit is 20" in outcome.text
    desk.ask.assert_not_called()  # type: ignore[attr-defined]


async def test_desk_errors_become_outcomes() -> None:
    desk = spec_desk()
    desk.ask.side_effect = BusyError(2)  # type: ignore[attr-defined]
    outcome = await Conversation(desk).ask("q")
    assert outcome.error and outcome.text == str(BusyError(2))


async def test_summarise_shows_the_article_as_its_source() -> None:
    desk = spec_desk()
    desk.summarise.return_value = Summary(  # type: ignore[attr-defined]
        "id1", "Title", "example.org", "https://example.org", "It says things.", grounded=True
    )
    outcome = await Conversation(desk).summarise(" id1 ")
    desk.summarise.assert_awaited_once_with("id1", None, None)  # type: ignore[attr-defined]
    assert outcome.text == "It says things."
    assert [s.title for s in outcome.sources] == ["Title"]


@pytest.mark.parametrize(
    ("raw", "checked"),
    [
        ("How much did the tram \udcff cost?", "How much did the tram \ufffd cost?"),
        ("Lone \ud800 surrogate?", "Lone \ufffd surrogate?"),
        ("caf\udce9 prices?", "caf\ufffd prices?"),
    ],
)
def test_an_undecodable_question_is_answered_after_replacing(raw: str, checked: str) -> None:
    assert check_question(raw, 500) == checked
    checked.encode("utf-8")  # the model and the tokenizers can take it


def test_a_question_with_no_readable_text_is_one_clear_error() -> None:
    with pytest.raises(QuestionError, match="no readable text"):
        check_question("\udcff\udcfe?", 500)
