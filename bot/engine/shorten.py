"""Shortened sentences: the reader model deletes words from an article sentence, keeping its fact.

A summary within a quarter of the article holds only so many whole sentences, and most of a news
sentence is not its fact ("The ONS said manufacturing output dropped 0.1% in November, matching a
similar unrevised fall in October and ..." states "manufacturing output dropped 0.1% in
November"). The model is shown one sentence at a time, after a few worked examples
(`prompts/shorten_examples.txt`, invented, not from the corpus), and asked to delete words only.
Its reply stands only if it `kept_words`: its words are the sentence's, in the sentence's order
(no word added, changed or moved; numbers and names therefore as written), at least `MIN_WORDS`
content words, and it passes the answers' checks against the sentence (`bullets.verified`).
Otherwise the caller keeps the whole sentence. Paraphrase is what cost the model's bullets their
key facts (docs/measurements.md, round 6): deletion keeps the article's words.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.engine.bullets import verified
from bot.engine.model import ChatModel, Message
from bot.engine.text import COMMON_CAPS, NAME, numbers
from prompts import render

log = logging.getLogger(__name__)

MIN_CHARS = 60  # a sentence shorter than this is shown whole: little to delete
SHORTEN_TOKENS = 64  # a shortened sentence is shorter than the sentence (about 40 tokens)
ARROW = " => "  # separates a sentence from its shortened form in the examples file
_WORD = re.compile(r"\w+(?:[.,'’]\w+)*")


def words(text: str) -> list[str]:
    """The text's words, lower case, numbers whole ("£2.4m" -> "2.4m", "40,000" kept)."""
    return _WORD.findall(text.lower())


def kept_words(short: str, sentence: str) -> bool:
    """Whether `short` is `sentence` with words deleted and nothing else: its words are the
    sentence's in order and it passes the answer checks against the sentence (every number and
    name from it, at least three content words). The check a shortened sentence must pass."""
    wanted = words(short)
    source = iter(words(sentence))
    in_order = bool(wanted) and all(word in source for word in wanted)
    return in_order and verified(short, sentence)


def keeps_facts(short: str, sentence: str) -> bool:
    """Whether `short` still holds every number and name of `sentence`: a key fact is most
    often the clause with a figure or a name, and the model deletes such clauses too ("London
    Brent crude closed at $40.15 - a drop of 5.1% - ..." -> "... closed at $40.15.")."""
    return numbers(sentence) <= numbers(short) and name_words(sentence) <= name_words(short)


def name_words(text: str) -> set[str]:
    """The words of the names in `text` (capitalised runs, `COMMON_CAPS` and the text's first
    word aside), lower case."""
    found = set()
    for match in NAME.finditer(text):
        parts = match.group().split()
        if match.start() == len(text) - len(text.lstrip()):
            parts = parts[1:]  # the sentence's first word is capitalised anyway
        found |= {w.lower() for w in parts if w not in COMMON_CAPS}
    return found


def examples() -> list[tuple[str, str]]:
    """The worked examples: (sentence, shortened), one pair a line of the examples prompt."""
    pairs = []
    for line in render("shorten_examples").splitlines():
        sentence, _, short = line.partition(ARROW)
        if sentence.strip() and short.strip():
            pairs.append((sentence.strip(), short.strip()))
    return pairs


def shorten_messages(sentence: str) -> list[Message]:
    """The chat: the instruction, each example as a user turn and its answer, then `sentence`.
    Everything before the sentence is the same each call, so the model reuses its cache."""
    messages: list[Message] = [{"role": "system", "content": render("shorten_system")}]
    for long, short in examples():
        messages += [{"role": "user", "content": long}, {"role": "assistant", "content": short}]
    messages.append({"role": "user", "content": sentence})
    return messages


def first_line(reply: str) -> str:
    """The reply's first non-blank line, without list markers or wrapping quotation marks."""
    for line in reply.splitlines():
        text = line.strip().lstrip("-*• ").strip()
        if text:
            return text.strip('"“”')
    return ""


@dataclass
class Shortener:
    """Shortens sentences with `model`, at most `limit` calls (each costs about 0.9 s on one
    thread; on dev more than six added nothing); counts the replies read, those that passed
    `kept_words`, and those shown."""

    model: ChatModel
    limit: int = 6
    read: int = 0
    passed: int = 0
    used: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reply): to inspect

    def __call__(self, sentence: str) -> str | None:
        """The sentence shortened, or None: the caller shows the whole sentence. None when the
        sentence is short (`MIN_CHARS`), the calls are used up, the reply fails `kept_words`
        (counted as failed), or it is no shorter or drops a number or name (`keeps_facts`)."""
        if len(sentence) < MIN_CHARS or self.read >= self.limit:
            return None
        reply = self.model.complete(
            shorten_messages(sentence), max_tokens=SHORTEN_TOKENS, stop=("\n",)
        )
        short = first_line(reply)
        self.read += 1
        if not kept_words(short, sentence):
            self.failed.append((sentence, short))
            log.debug("shortened sentence failed the check sentence=%r reply=%r", sentence, short)
            return None
        self.passed += 1
        if len(short) >= len(sentence) or not keeps_facts(short, sentence):
            return None
        self.used += 1
        return short
