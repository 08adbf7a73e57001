"""Answers that say where the articles disagree, instead of picking one silently (issue 20).

News is told across articles, and they do not always agree on a figure: one says the deal is
worth £35bn, a later one £38bn. After an answer to a "how much/how many" question is verified,
the evidence it was shown is read once more. A sentence of another article disagrees when

- it is about the same thing: both sentences mention the question's names and numbers
  (`coverage.about`) and `SAME_THING` of the shorter one's words (figures aside) are in the other;
- it states a figure of the same type (an amount of money, or a share) as the answer's sentence,
  with no number in common (of the figures, the two closest in value are named); and
- neither article states the other's figure (an article that says "up from £35bn to £38bn"
  agrees with both).

The other article may be one the answer already cites (a quote of both figures). Then one line
is added, citing both: "Sources differ: [1] says £35bn, [3] says £38bn." An answer
whose evidence agrees stays as it was: a single-fact answer is still one sentence. Dated articles
are handled first by `dated.Dates.dated` (the newer article leads, the older figure is named), so
this runs only when that added nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.engine.coverage import about
from bot.engine.evidence import Candidate
from bot.engine.grounding import SHOWN, Numbered, strip_citations
from bot.engine.text import FACT_PATTERNS, NUMBER, asked_kind, numbers, same_words
from bot.types import Answer

SAME_THING = 0.3  # share of the shorter sentence's words the other must hold
FIGURE_TYPES = ("money", "share")
# How far down the ranked evidence a disagreeing sentence may be: the sentences the model saw,
# and as many again (a second article's sentence often ranks just below the first's).
LOOK = 2 * SHOWN


def sources_differ(
    question: str, answer: Answer, ranked: Sequence[Candidate], numbered: Numbered
) -> Answer:
    """`answer` with a "Sources differ" line when another article's evidence disagrees."""
    if answer.mode not in ("model", "quote") or asked_kind(question) != "amount":
        return answer
    said = strip_citations(answer.text)
    basis = next(
        (c for c in ranked if c.n in answer.citations and _shared_figures(said, c.text)), None
    )
    if basis is None:
        return answer
    for other in ranked[:LOOK]:
        if other.n == basis.n:
            continue
        ours, theirs = _differing(said, basis.text, other.text)
        if (
            ours
            and about(question, basis.text)
            and about(question, other.text)
            and same_words(basis.text, other.text) >= SAME_THING
            and not _states(numbered.texts_of([other.n]), ours)
            and not _states(numbered.texts_of([basis.n]), theirs)
        ):
            line = f"Sources differ: [{basis.n}] says {ours}, [{other.n}] says {theirs}."
            cited = answer.citations
            return replace(
                answer,
                text=f"{answer.text}\n{line}",
                citations=cited if other.n in cited else (*cited, other.n),
            )
    return answer


def figures(text: str) -> dict[str, list[str]]:
    """The amounts of money and shares `text` states, by type, as written ("£35bn", "70%")."""
    return {
        # "£2.10," ends a clause, not the figure
        kind: [m.group().strip().rstrip(",.") for m in re.finditer(FACT_PATTERNS[kind], text, re.I)]
        for kind in FIGURE_TYPES
    }


def _differing(said: str, ours: str, theirs: str) -> tuple[str, str]:
    """A figure of each sentence, of one type, the sentences sharing no number of that type:
    of the figures the answer states, and of the other sentence's, the two closest in value
    ("$1.3667" and "$1.3666", not the "$1.3652" beside the first). ("", "") if none."""
    mine, yours = figures(ours), figures(theirs)
    for kind in FIGURE_TYPES:
        a = [f for f in mine[kind] if numbers(f) & numbers(said)]
        b = yours[kind]
        if a and b and not _values(mine[kind]) & _values(b):
            return min(((x, y) for x in a for y in b), key=lambda p: _gap(*p))
    return "", ""


def _gap(a: str, b: str) -> float:
    """How far apart two figures are, relative to the larger (their first numbers)."""
    x, y = _value(a), _value(b)
    return abs(x - y) / max(abs(x), abs(y), 1e-9)


def _value(figure: str) -> float:
    match = NUMBER.search(figure)
    try:
        return float(match.group().replace(",", "")) if match else 0.0
    except ValueError:  # "1.2.3"
        return 0.0


def _shared_figures(said: str, sentence: str) -> bool:
    """Whether the answer states one of the sentence's figures (it drew its figure from it)."""
    return bool(_values([f for fs in figures(sentence).values() for f in fs]) & numbers(said))


def _states(texts: Sequence[str], figure: str) -> bool:
    return bool(numbers(figure) & numbers(" ".join(texts)))


def _values(found: Sequence[str]) -> set[str]:
    return {n for f in found for n in numbers(f)}
