"""`newsdesk chat`: the interactive terminal conversation over `Conversation`.

`run_chat` is async (call it with `asyncio.run`). Lines are read in a worker thread, so the event
loop stays free while waiting; stdin need not be a tty (a pipe or a file works the same).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import textwrap
from typing import TextIO

from bot.conversation import Conversation, describe_error
from bot.desk import DeskAPI
from bot.transports.progress import Progress
from bot.transports.render import format_about, format_articles, format_sources_text
from bot.types import Outcome

log = logging.getLogger(__name__)

CLEAR_LINE = "\x1b[2K"

HELP = """Ask a question about the indexed news, or:
  /summarise TEXT      summarise an article (its id or title), or digest a topic
  /articles            the most recently indexed articles
  /about               the model, embedder and index size
  /reset               forget the conversation so far
  /quit                leave (or end of input)"""


class Printer:
    """Shows progress while a request waits and runs, then the checked text once.

    The model's draft is never printed (see `bot.transports.progress`). On a terminal the status
    is one line rewritten in place and cleared before the result; into a pipe or file, a status
    line is printed only when the request moves (a new queue place, writing begins).
    """

    def __init__(self, out: TextIO, task: str = "answer") -> None:
        self.out = out
        self.progress = Progress(task)
        self.live = out.isatty()
        self.shown = ""
        self.phase: tuple[str, int] | None = None

    def on_text(self, text: str) -> None:
        self._show(self.progress.writing(text), ("writing", 0))

    def on_queued(self, ahead: int) -> None:
        self._show(self.progress.queued(ahead), ("queued", ahead))

    def _show(self, status: str, phase: tuple[str, int]) -> None:
        if self.live:
            if status != self.shown:
                self.out.write(f"\r{CLEAR_LINE}{status}")
        elif phase != self.phase:
            self.out.write(status + "\n")
        self.shown, self.phase = status, phase
        self.out.flush()

    def finish(self, outcome: Outcome) -> None:
        if self.live and self.shown:
            self.out.write(f"\r{CLEAR_LINE}")
        text = outcome.text.strip()
        lines = [f"error: {text}" if outcome.error else text, *outcome.warnings]
        if outcome.sources:
            lines.append("\nSources:\n" + format_sources_text(outcome.sources))
        for line in lines:
            self.out.write((wrapped(line, self.width) if self.live else line) + "\n")
        self.out.flush()

    @property
    def width(self) -> int:
        return shutil.get_terminal_size().columns


def wrapped(text: str, width: int) -> str:
    """`text` wrapped at word boundaries to `width` columns, line by line, a bullet's ("- ")
    continuation indented under its text; a word longer than the width (a URL) stays whole."""
    out = []
    for line in text.split("\n"):
        indent = "  " if line.startswith("- ") else ""
        out.append(
            textwrap.fill(
                line,
                max(width - 1, 20),
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            if line.strip()
            else line
        )
    return "\n".join(out)


async def _command(conversation: Conversation, line: str, out: TextIO) -> bool:
    """Run one `/command`; False when the chat should end."""
    name, _, arg = line.partition(" ")
    desk = conversation.desk
    if name in ("/quit", "/exit"):
        return False
    if name in ("/summarise", "/summarize") and arg.strip():
        printer = Printer(out, task="summary")
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
    live = stdout.isatty()
    if live:
        stdout.write("Loading the models…")
        stdout.flush()
    await desk.warm_up()  # first: nothing may be written while a model loads (see `warm_up`)
    if live:
        stdout.write(f"\r{CLEAR_LINE}")
    stdout.write("Newsdesk — ask about the indexed news; /help for commands.\n")
    await _chat_lines(conversation, stdin, stdout)
    return 0


async def _chat_lines(conversation: Conversation, stdin: TextIO, stdout: TextIO) -> None:
    """Answer each line of `stdin` until `/quit` or its end."""
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            if line.startswith("/"):
                if not await _command(conversation, line, stdout):
                    return
                continue
            printer = Printer(stdout)
            outcome = await conversation.ask(
                line, on_text=printer.on_text, on_queued=printer.on_queued
            )
            printer.finish(outcome)
        except Exception as exc:  # noqa: BLE001 - the chat never dies on one line
            stdout.write(f"error: {describe_error(exc, context='chat').text}\n")
