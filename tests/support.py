"""Real stand-ins used across tests: they implement the same interfaces as the real parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.engine.model import Message, TextCallback


@dataclass
class ScriptedModel:
    """A `ChatModel` that replies from a queue and records every call (cf. simonw/llm MockModel)."""

    replies: list[str] = field(default_factory=list)
    calls: list[list[Message]] = field(default_factory=list)
    name: str = "scripted"
    n_ctx: int = 2048

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        self.calls.append(list(messages))
        reply = self.replies.pop(0) if self.replies else ""
        for marker in stop:
            reply = reply.split(marker)[0]
        text = ""
        for word in reply.split(" "):
            text = f"{text} {word}" if text else word
            if on_text is not None:
                on_text(text)
        return reply

    def count_tokens(self, text: str) -> int:
        return len(text.split())


@dataclass
class FixedReader:
    """A `Reader` giving every sentence the same probability, recording what it read. Its real
    twin is the packaged reader on the same questions (tests/bot/engine/test_reader.py)."""

    probability: float
    calls: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    name: str = "fixed"

    def score(self, question: str, items: Sequence[tuple[str, str]]) -> list[float]:
        self.calls.append((question, list(items)))
        return [self.probability] * len(items)
