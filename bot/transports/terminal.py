"""`newsdesk chat`: the interactive terminal conversation over `Conversation`.

`run_chat` is async (call it with `asyncio.run`). Lines are read in a worker thread, so the event
loop stays free while waiting; stdin need not be a tty (a pipe or a file works the same).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TextIO

from bot.conversation import Conversation, describe_error
from bot.desk import DeskAPI
from bot.transports.render import format_about, format_articles, format_sources_text
from bot.types import Outcome

log = logging.getLogger(__name__)

HELP = """Ask a question about the indexed news, or:
  /summarise ARTICLE   summarise one article (its id or title)
  /articles            the most recently indexed articles
  /about               the model, embedder and index size
  /reset               forget the conversation so far
  /quit                leave (or end of input)"""


class Printer:
    """Prints streamed text as it grows; the final text is printed again only if it changed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = ""

    def on_text(self, text: str) -> None:
        if text.startswith(self.shown):
            self.out.write(text[len(self.shown) :])
            self.shown = text
            self.out.flush()

    def on_queued(self, ahead: int) -> None:
        self.out.write(f"(waiting: {ahead} question(s) ahead)\n")
        self.out.flush()

    def finish(self, outcome: Outcome) -> None:
        text = outcome.text.strip()
        if outcome.error:
            self.out.write(("\n" if self.shown else "") + f"error: {text}\n")
        elif self.shown.strip() != text:
            if self.shown:  # the draft failed the checks: say so before the checked text
                self.out.write("\n\n(the draft above is not supported by the sources; instead:)\n")
            self.out.write(text + "\n")
        else:
            self.out.write("\n")
        for warning in outcome.warnings:
            self.out.write(warning + "\n")
        if outcome.sources:
            self.out.write("\nSources:\n" + format_sources_text(outcome.sources) + "\n")
        self.out.flush()


async def _command(conversation: Conversation, line: str, out: TextIO) -> bool:
    """Run one `/command`; False when the chat should end."""
    name, _, arg = line.partition(" ")
    desk = conversation.desk
    if name in ("/quit", "/exit"):
        return False
    if name in ("/summarise", "/summarize") and arg.strip():
        printer = Printer(out)
        printer.finish(
            await conversation.summarise(arg, on_text=printer.on_text, on_queued=printer.on_queued)
        )
    elif name == "/articles":
        out.write(format_articles(await desk.recent(10)) + "\n")
    elif name == "/about":
        out.write(format_about(await desk.about()) + "\n")
    elif name == "/reset":
        conversation.reset()
        out.write("(conversation forgotten)\n")
    else:
        out.write(HELP + "\n")
    return True


async def run_chat(
    desk: DeskAPI,
    *,
    stdin: TextIO,
    stdout: TextIO,
    history_turns: int = 3,
    max_question_chars: int = 500,
) -> int:
    """Chat until `/quit` or end of input; the exit code (0)."""
    conversation = Conversation(
        desk, history_turns=history_turns, max_question_chars=max_question_chars
    )
    interactive = stdin.isatty()
    stdout.write("Newsdesk — ask about the indexed news; /help for commands.\n")
    while True:
        if interactive:
            stdout.write("> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return 0
        line = line.strip()
        if not line:
            continue
        try:
            if line.startswith("/"):
                if not await _command(conversation, line, stdout):
                    return 0
                continue
            printer = Printer(stdout)
            outcome = await conversation.ask(
                line, on_text=printer.on_text, on_queued=printer.on_queued
            )
            printer.finish(outcome)
        except Exception as exc:  # noqa: BLE001 - the chat never dies on one line
            stdout.write(f"error: {describe_error(exc, context='chat').text}\n")
