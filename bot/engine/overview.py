"""Overview questions: ones that ask what the articles say about a subject, not for one fact.

"What has been said about the Glazer takeover?", "What's the latest on the WorldCom trial?",
"Tell me about the EU software patent law", "Catch me up on ...", "What do the articles say
about ...": the answer is the topic digest of the subject (`bot.engine.digest`), every fact cited
to the articles that state it and the sources' disagreements named, instead of one sentence.

The rule, all three must hold:

1. the question opens with one of the `FRAMING` phrases (the words that ask about the articles'
   coverage, never a person's words: "What has Blair said about …" is not one);
2. it asks for no fact of a kind (`text.asked_kind` is None: no "how much", "when", "who",
   "why", "cost", "which year" anywhere in it);
3. it names no bounded span of dates ("this week", "in March": today's path reads those, and
   says when nothing is that recent); "latest" is allowed (the digest lists newest first);

and the subject (the question stripped of its framing) has a content word ("Tell me about it"
is a follow-up, not a subject). Anything else keeps the single-answer path, and so does an
overview whose digest is not about the subject's names (`on_subject`): the retriever's threshold
alone lets "the Tokyo rowing regatta" find the nearest sports story, which today's path refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from bot.engine.coverage import about
from bot.engine.text import asked_kind, content_words
from bot.engine.when import read_question
from bot.types import Answer, Summary
from index.dates import Window

_ARTICLES = r"(?:the\s+)?(?:articles?|sources?|reports?|news|papers?|stories|coverage|press)"
FRAMING = re.compile(
    r"""^\s*(?:
        what(?:'s|’s|\s+has|\s+have|\s+is)?\s+(?:been\s+)?(?:said|reported|written)\s+(?:about|on)
      | what\s+(?:have|has)\s+ARTICLES\s+(?:said|reported|written)\s+(?:about|on)
      | what\s+(?:do|did|does)\s+ARTICLES\s+(?:say|said|report)\s+(?:about|on)
      | what(?:'s|’s|\s+is)\s+(?:the\s+)?(?:latest|news|story)\s+(?:on|about|with|in)
      | what(?:'s|’s|\s+is)\s+(?:new|going\s+on|happening)\s+(?:on|about|with|in)
      | (?:any|the)\s+(?:latest\s+)?news\s+(?:on|about)
      | (?:the\s+)?latest\s+(?:on|about)
      | (?:(?:can|could)\s+you\s+|please\s+)?tell\s+me\s+(?:more\s+|everything\s+)?about
      | what\s+can\s+you\s+tell\s+me\s+about
      | (?:please\s+)?(?:catch|fill)\s+me\s+(?:up\s+)?(?:on|in\s+on)
      | bring\s+me\s+up\s+to\s+speed\s+(?:on|with)
      | (?:give\s+me\s+)?(?:an\s+)?overview\s+of
      | (?:summari[sz]e|sum\s+up)\s+ARTICLES\s+(?:on|about)
    )\s+(?P<subject>.+?)[\s?.!]*$""".replace("ARTICLES", _ARTICLES),
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Overview:
    """An overview question's subject ("the Glazer takeover"), and the dates its digest may
    draw on: none given, or up to the asking day, newest first ("latest")."""

    subject: str
    window: Window | None = None


def read_overview(question: str, now: date) -> Overview | None:
    """The overview `question` asks for, or None for any other question (see the module's rule);
    `now` is the asking day, for reading its dates."""
    framed = FRAMING.match(question)
    if framed is None or asked_kind(question) is not None:
        return None
    asked = read_question(question, now)
    if asked.since_event or asked.window.start or (asked.window.end or now) < now:
        return None  # a span of dates: today's path reads it ("latest" ends today: not one)
    subject = framed.group("subject").strip()
    if not content_words(subject):
        return None
    return Overview(subject, asked.window if asked.window != Window() else None)


def on_subject(subject: str, digest: Summary) -> bool:
    """Whether the digest (its articles' titles and its facts) mentions the subject's key terms
    (its names and numbers, `coverage.about`): at least half of them."""
    titles = " ".join(s.title for s in digest.sources)
    return about(subject, f"{titles}\n{digest.summary}")


def digest_answer(question: str, digest: Summary) -> Answer:
    """A topic digest as the answer to an overview question: its fact lines and "Sources
    differ" lines under one line saying how many articles they come from; it cites every
    article the digest cites, and is grounded as the digest is (each fact checked against the
    articles cited for it)."""
    cited = tuple(s.n for s in digest.sources)
    count = len(cited)
    lead = f"From {count} article{'s' if count != 1 else ''}:"
    sources = tuple(
        replace(s, quote=s.quote or _first_fact(digest.summary, s.n)) for s in digest.sources
    )
    return Answer(
        question=question,
        text=f"{lead}\n{digest.summary}",
        grounded=digest.grounded,
        citations=cited,
        sources=sources,
        used_model=False,
        mode="digest",
    )


_FACT_LINE = re.compile(r"^- “?(?P<text>.+?)”? \[(?P<cited>\d+(?:, \d+)*)\]$")


def _first_fact(digest: str, n: int) -> str:
    """The first fact the digest cites article `n` for: its source's quote in `ask --json`."""
    for line in digest.splitlines():
        fact = _FACT_LINE.match(line)
        if fact and str(n) in fact.group("cited").split(", "):
            return fact.group("text")
    return ""
