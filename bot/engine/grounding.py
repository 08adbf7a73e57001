"""After the model: citations, facts against sources, verification and the extractive fallback.

Nothing the model says is trusted: a citation must point at a numbered source, and the facts an
answer states (numbers, dates, amounts, names) must occur in the passages it cites. An answer
that fails a check is replaced by sentences quoted from the sources (`extractive_answer`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.engine.coverage import about
from bot.engine.evidence import Candidate
from bot.engine.text import (
    COMMON_CAPS,
    FACT_KINDS,
    HOW_MANY,
    NAME,
    asked_kind,
    content_words,
    kind_facts,
    numbers,
    stems,
)
from bot.types import Answer, Source

log = logging.getLogger(__name__)

NOT_COVERED = "The indexed articles don't cover that."
NEAR_MISS = "The articles don't say exactly. The closest they come:"
MIN_SUPPORT = 0.6
# At most this many evidence sentences are quoted: the best one, and the next ones only while the
# ranker scores them within the fitted margin of it (`Weights.quote_margin`): one sentence when the
# ranker is sure, up to three when it is not.
MAX_QUOTED = 3
# A model answer is one or two short sentences; a longer reply copies its sources.
MAX_ANSWER_WORDS = 60
# The evidence sentences the model is shown (best first, then put back in article order).
SHOWN = 5
# Words beyond the question's own that a model answer must share with that evidence.
NEW_WORDS = 2

_NUMERIC = re.compile(r"\d[\d.]*")
_CITATION = re.compile(r"\s*\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_POSSESSIVE_END = re.compile(r"['’]s?(?:\s+|$)")  # "Japan's October": the name ends at the 's


@dataclass(frozen=True)
class Numbered:
    """The sources of one answer: articles numbered 1..n in rank order, with their passages."""

    sources: tuple[Source, ...]
    passages: tuple[tuple[int, str], ...]  # (source number, passage text), rank order

    def texts_of(self, numbers: Sequence[int]) -> list[str]:
        return [text for n, text in self.passages if n in numbers]

    def article_of(self, n: int) -> str:
        """Source `n`'s title and retrieved passages: what the question must be about."""
        return " ".join([self.sources[n - 1].title, *self.texts_of([n])])


def parse_citations(text: str, valid: Iterable[int]) -> tuple[str, tuple[int, ...]]:
    """Remove citations that point at no source; return the cleaned text and the valid numbers."""
    allowed = set(valid)
    found: list[int] = []

    def keep(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        good = [n for n in numbers if n in allowed]
        found.extend(n for n in good if n not in found)
        return f" [{', '.join(map(str, good))}]" if good else ""

    cleaned = _CITATION.sub(keep, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned).strip()
    # "[1] £182 million" reads as "£182 million [1]": a leading citation moves to the end
    if (lead := re.match(r"(\[[\d, ]+\])\s*(\S.*)", cleaned, re.S)) and "[" not in lead.group(2):
        cleaned = f"{lead.group(2)} {lead.group(1)}"
    return cleaned, tuple(found)


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text).strip()


def facts(text: str) -> set[str]:
    """The checkable facts of `text`: numbers (normalised; in words too: "eight" is "8") and
    capitalised names (a possessive "'s" or "s'" ends one and is not part of it)."""
    plain = strip_citations(text)
    found = numbers(plain)
    for run in NAME.findall(plain):
        # "Fernwing's round" names Fernwing, and a possessive ends a name: "Japan's October
        # output" names Japan and October, "the Department for Work and Pensions' network" Pensions
        for name in _POSSESSIVE_END.split(run):
            words = [w for w in name.split() if w not in COMMON_CAPS]
            if words:
                found.add(" ".join(words).lower())
    return found


def unsupported_facts(text: str, sources: Sequence[str]) -> set[str]:
    """Facts stated in `text` that occur in none of `sources`."""
    # A citation look-alike in an article ("[9]") is not a fact: it must not vouch for a "9".
    haystack = strip_citations(" ".join(sources))
    stated = numbers(haystack)
    lowered = haystack.lower()
    return {
        f
        for f in facts(text)
        if (f not in stated if _NUMERIC.fullmatch(f) else f not in lowered)  # "9" is not in "90"
    }


def terms(text: str) -> set[str]:
    """What an answer says, word by word: its content words and its numbers ("5 May" says "5":
    a bare date or amount has no content words)."""
    plain = strip_citations(text)
    return content_words(plain) | numbers(plain)


def support(text: str, sources: Sequence[str]) -> float:
    """The share of the answer's terms (content words and numbers) that occur in the sources."""
    words = terms(text)
    if not words:
        return 0.0
    pool = terms(" ".join(sources))
    return len(words & pool) / len(words)


def anchored(answer: str, evidence: Sequence[str]) -> bool:
    """Whether the answer draws on the evidence ranked as answering the question.

    An answer copied from an unrelated sentence (e.g. an instruction planted in an article, which
    is never evidence) uses source words, but shares at most a few with the evidence sentences.
    The evidence need not repeat the question: the sentence that gives a reason often doesn't.
    """
    said = terms(answer)
    if not said:
        return False
    return any(len(said & terms(e)) * 2 >= min(len(said), 4) for e in evidence)


def verify(
    question: str,
    raw: str,
    numbered: Numbered,
    ranked: Sequence[Candidate],
    *,
    margin: float,
) -> Answer:
    """Keep the model's answer if its citations and facts check out against the passages it cites
    and it states a fact of the asked-for kind that the evidence it was shown holds — whichever
    sentence ranked first; else quote the best evidence (see `quoted`)."""
    valid = [s.n for s in numbered.sources]
    text, cited = parse_citations(raw, valid)
    all_texts = [t for _, t in numbered.passages]
    cited_texts = numbered.texts_of(cited) or all_texts
    problems = unsupported_facts(text, cited_texts)
    if text and (not cited or problems):
        # uncited, or citing a source that does not state its facts (a small model often
        # mis-numbers): cite the one source that states them all, if there is one
        holding = next((n for n in valid if not unsupported_facts(text, numbered.texts_of([n]))), 0)
        if holding:
            text, cited = f"{strip_citations(text)} [{holding}]", (holding,)
            cited_texts, problems = numbered.texts_of(cited), set()
    if (
        text
        and cited
        and not problems
        and support(text, cited_texts) >= MIN_SUPPORT
        and not echoes(text, numbered)
        and anchored(text, [c.text for c in ranked[:SHOWN]])
        and states_fact(text, question, [c.text for c in ranked[:SHOWN]])
        and all(about(question, numbered.article_of(n)) for n in cited)
    ):
        return Answer(question, text, True, cited, numbered.sources, mode="model")
    log.info("grounding fallback unsupported=%d cited=%s", len(problems), cited)
    return extractive_answer(question, numbered, quoted(ranked, margin))


_DECLINES = re.compile(r"^\W*not stated\b", re.I)


def declines(raw: str) -> bool:
    """Whether the model's reply is the prompt's "Not stated": the sources it was shown do not
    give what the question asks."""
    return bool(_DECLINES.match(strip_citations(raw)))


def echoes(text: str, numbered: Numbered) -> bool:
    """Whether a model's reply copies the sources block instead of answering: a source's title in
    the brackets the prompt puts it in, or more words than a short answer has."""
    said = strip_citations(text)
    return len(said.split()) > MAX_ANSWER_WORDS or any(
        f"({s.title})" in said for s in numbered.sources
    )


def states_fact(text: str, question: str, evidence: Sequence[str]) -> bool:
    """Whether an answer states what the best evidence adds to the question, not just restates it.

    For "how much"/"when"/"who"/"where" it must name an amount/date/name that the question
    lacks and the evidence holds; otherwise it must share at least `NEW_WORDS` words with the
    evidence that are not the question's own ("Why is the Telegraph cutting jobs?" is not answered
    by "The Telegraph is cutting jobs").
    """
    said = strip_citations(text)
    shown = " ".join(evidence)
    kind = asked_kind(question)
    if kind in FACT_KINDS:
        stated = kind_facts(kind, said, question) | _opening_name(kind, said)
        held = kind_facts(kind, shown, question)
        if stated & held:
            return True
        # "12 crew" states the evidence's "a dozen crew": numbers compare by value (for "how
        # many", only the evidence's numbers that count what is asked)
        pool = numbers(" ".join(held)) if HOW_MANY.search(question) else numbers(shown)
        return kind == "amount" and bool((numbers(said) - numbers(question)) & pool)
    asked = stems(question) | numbers(question)
    added = (stems(said) | numbers(said)) - asked
    return len(added & (stems(shown) | numbers(shown))) >= NEW_WORDS


def _opening_name(kind: str, said: str) -> set[str]:
    """An answer's first word when a name is asked for: "Kenya [1]" names Kenya, though a
    sentence's first word is not otherwise counted as a name (every sentence opens with a
    capital). The caller counts it only where the evidence names it too, so "The council" or
    "He" never do (the evidence's names leave those out, and the question's own)."""
    opening = NAME.match(said)
    if kind != "name" or opening is None:
        return set()
    return {opening.group().split()[0].strip("'’").lower()}


def invents_asked(question: str, raw: str, numbered: Numbered) -> bool:
    """Whether every amount, date or name of the asked-for kind in the model's reply comes from
    outside the sources about the question: it did not find the fact in them (it made it up, or
    took another film's cost), so the closest sentence is no answer either. One invented detail
    beside a found fact ("26 February 2023") is not enough. When no source is about the question
    (its dates may be the articles' own, not in their text), every source counts."""
    on_topic = {s.n for s in numbered.sources if about(question, numbered.article_of(s.n))}
    texts = [t for n, t in numbered.passages if n in on_topic or not on_topic]
    haystack = strip_citations(" ".join(texts))
    held, lowered = numbers(haystack), haystack.lower()
    given = kind_facts(asked_kind(question), strip_citations(raw), question)
    return bool(given) and all(
        (stated - held) if (stated := numbers(fact)) else fact not in lowered for fact in given
    )


def lacks_asked(question: str, quotes: Sequence[Candidate]) -> bool:
    """Whether the question asks for an amount, a date or a name that none of the sentences to
    be quoted holds: quoting them would pass the topic off as the fact."""
    kind = asked_kind(question)
    return kind in FACT_KINDS and not any(kind_facts(kind, c.text, question) for c in quotes)


def quoted(ranked: Sequence[Candidate], margin: float) -> list[Candidate]:
    """The best evidence sentence, and the next best (up to `MAX_QUOTED` in all) whose ranker
    score is within `margin` of it."""
    if not ranked:
        return []
    return [c for c in ranked[:MAX_QUOTED] if ranked[0].score - c.score <= margin]


def extractive_answer(question: str, numbered: Numbered, quotes: Sequence[Candidate]) -> Answer:
    """Quote the given evidence sentences, each cited."""
    parts = [f"“{c.text}” [{c.n}]" for c in quotes]
    cited = tuple(dict.fromkeys(c.n for c in quotes))
    text = " ".join(parts) if parts else NOT_COVERED
    return Answer(question, text, bool(parts), cited, numbered.sources, mode="quote")


def near_miss(question: str, numbered: Numbered, best: Candidate) -> Answer:
    """The topic is covered, the asked-for fact is not: say so, and show the closest sentence.

    Not an answer (`covered` and `grounded` are False): the quote is shown, cited, so a reader
    can see what the articles do say.
    """
    text = f"{NEAR_MISS} “{best.text}” [{best.n}]"
    return Answer(
        question,
        text,
        False,
        (best.n,),
        numbered.sources,
        covered=False,
        used_model=False,
        mode="near-miss",
    )
