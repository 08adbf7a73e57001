from __future__ import annotations

from bot.transports.progress import THINKING, Progress


def test_progress_never_contains_the_draft() -> None:
    progress = Progress()
    assert progress.status() == THINKING
    assert progress.queued(2) == "⏳ In the queue: 2 questions ahead of yours…"
    assert progress.queued(1) == "⏳ In the queue: 1 question ahead of yours…"
    assert progress.queued(0) == "✍️ Your turn: reading the articles for the answer…"
    status = progress.writing("The Eastgate line cost £182 million")
    assert "Eastgate" not in status and "182" not in status
    assert status.endswith("(6 words so far)")


def test_a_summary_says_so() -> None:
    assert "summary" in Progress("summary").writing("a b")
