from __future__ import annotations

import io

from bot.transports.terminal import run_chat, wrapped
from bot.types import BusyError, Turn
from tests.bot.fakes import FakeDesk, answer, record, source


async def chat(desk: FakeDesk, text: str) -> str:
    out = io.StringIO()
    assert await run_chat(desk, stdin=io.StringIO(text), stdout=out, history_turns=2) == 0
    return out.getvalue()


async def test_an_answer_is_printed_with_its_sources() -> None:
    desk = FakeDesk().script(answer("Rates rose [1].", source(1, "Bank raises rates")))
    out = await chat(desk, "what about rates?\n")
    assert "Rates rose [1].\n" in out
    assert "Sources:\n[1] Bank raises rates — Example News <https://example.org/1>" in out


async def test_the_chat_loads_the_models_as_it_starts() -> None:
    desk = FakeDesk()
    await chat(desk, "/quit\n")
    assert [c.method for c in desk.calls][:1] == ["warm_up"]


async def test_the_draft_is_never_printed_only_progress_then_the_checked_answer() -> None:
    desk = FakeDesk(stream=True, draft="Rates fell sharply in March [1].")
    out = await chat(desk.script(answer("“Rates rose.” [1]", source(1))), "rates?\n")
    assert "fell" not in out and "not supported" not in out
    assert out.count("“Rates rose.” [1]") == 1
    assert out.count("✍️ Writing the answer") == 1  # into a pipe: once, when writing begins


async def test_waiting_shows_the_queue_place_as_it_moves() -> None:
    desk = FakeDesk(queued_ahead=2, stream=True).script(answer("Rates rose [1].", source(1)))
    out = await chat(desk, "rates?\n")
    assert "⏳ In the queue: 2 questions ahead of yours…\n" in out
    assert "⏳ In the queue: 1 question ahead of yours…\n" in out
    assert out.index("ahead of yours") < out.index("Writing") < out.index("Rates rose [1].")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_on_a_terminal_the_status_line_is_rewritten_then_cleared() -> None:
    desk = FakeDesk(stream=True, draft="one two three").script(answer("Rates rose [1].", source(1)))
    out = Terminal()
    assert await run_chat(desk, stdin=io.StringIO("rates?\n"), stdout=out) == 0
    text = out.getvalue()
    assert "\r\x1b[2K✍️ Writing the answer and checking it against the articles… (3 words" in text
    assert "\r\x1b[2KRates rose [1].\n" in text and "one two" not in text


async def test_follow_ups_carry_the_earlier_turns() -> None:
    desk = FakeDesk().script(
        answer("A1 [1].", source(1)),
        answer("A2 [1].", source(1)),
        answer("A3 [1].", source(1)),
        answer("A4 [1].", source(1)),
    )
    await chat(desk, "q1\nq2\nq3\n/reset\nq4\n")
    histories = [c.history for c in desk.asked()]
    assert histories == [
        (),
        (Turn("q1", "A1 [1]."),),
        (Turn("q1", "A1 [1]."), Turn("q2", "A2 [1].")),
        (),
    ]


async def test_commands_and_errors_do_not_end_the_chat() -> None:
    desk = FakeDesk(articles=[record("a1", "Tram line approved")]).script(BusyError(3))
    out = await chat(
        desk,
        "busy?\n/articles\n/about\n/summarise Tram line approved\n"
        "/summarise nothing\n/help\n/quit\nnever asked\n",
    )
    assert "1. Tram line approved" in out
    assert "model: fake" in out
    assert "A summary of Tram line approved." in out
    assert "error: no indexed article matches 'nothing'" in out
    assert f"error: {BusyError(3)}" in out
    assert "/summarise TEXT" in out
    assert [c.args for c in desk.asked()] == [("busy?",)]


def test_on_a_terminal_answers_wrap_between_words_and_bullets_stay_indented() -> None:
    text = "- “The first tram pulled out of Brackenford Central at 5:42am on Saturday.” [1]\nNext."
    assert wrapped(text, 41) == (
        "- “The first tram pulled out of\n"
        "  Brackenford Central at 5:42am on\n"
        "  Saturday.” [1]\n"
        "Next."
    )
    url = "see <https://example.org/a-very-long-address-that-cannot-be-broken>"
    assert (
        wrapped(url, 30) == "see\n<https://example.org/a-very-long-address-that-cannot-be-broken>"
    )


async def test_into_a_pipe_the_answer_is_not_wrapped() -> None:
    long = "Rates rose " * 30 + "[1]."
    desk = FakeDesk().script(answer(long, source(1)))
    out = await chat(desk, "rates?\n")
    assert long.strip() + "\n" in out
