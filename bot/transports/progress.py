"""What a member sees while waiting for an answer or a summary: progress, never a draft.

The streaming policy: the model's draft is not shown, because the checks that follow it may
replace it (with a quotation, or a refusal) and a reader who saw the draft would see us
contradict ourselves. Instead the placeholder says where the request is: in the queue (and how
many are ahead, updated as it moves), then being written (with a growing word count, so a long
wait visibly works), and the checked text replaces it once. Transports update it at most once a
second (`Streamer`), or rewrite one status line (the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field

THINKING = "🔎 Looking through the indexed articles…"


@dataclass
class Progress:
    """The status of one request, fed by the desk's `on_queued` and `on_text` callbacks."""

    task: str = "answer"
    ahead: int | None = field(default=None, init=False)
    words: int = field(default=0, init=False)

    def queued(self, ahead: int) -> str:
        self.ahead = ahead
        return self.status()

    def writing(self, draft: str) -> str:
        """The draft only counts: its words are never shown."""
        self.ahead = 0
        self.words = len(draft.split())
        return self.status()

    def status(self) -> str:
        if self.ahead:
            noun = "question" if self.ahead == 1 else "questions"
            return f"⏳ In the queue: {self.ahead} {noun} ahead of yours…"
        if self.words:
            words = "word" if self.words == 1 else "words"
            return (
                f"✍️ Writing the {self.task} and checking it against the articles… "
                f"({self.words} {words} so far)"
            )
        if self.ahead == 0:
            return f"✍️ Your turn: reading the articles for the {self.task}…"
        return THINKING
