"""Summary bullets: parse the reader model's bullets, check each against the article, replace
the ones that fail by the article sentence they draw on.

A bullet stands only if it passes the same checks as an answer (`bot.engine.grounding`): every
number, date and name it states occurs in the article, and most of its words come from it. A
bullet that fails is replaced by the article sentence it shares most words with, quoted; so every
bullet shown is either the model's verified words or the article's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.grounding import MIN_SUPPORT, strip_citations, support, unsupported_facts
from bot.engine.text import defuse, isolate_markers, numbers, planted, stems
from index.chunk import sentence_spans

MAX_BULLETS = 5
MIN_BULLETS = 3
MIN_WORDS = 3  # a bullet with fewer content words says nothing checkable ("- Sport")
DUPLICATE = 0.6  # a bullet whose terms are this much already said is dropped
MAX_BULLET_CHARS = 300  # a longer quoted sentence is left out: it is not a short key fact

_CITED = re.compile(r"\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\]")
_MARKER = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Bullet:
    """One shown bullet: the model's own words (verified) or a sentence quoted from the article."""

    text: str
    quoted: bool  # True: the article's sentence, quoted; False: the model's words, checked


def parse_bullets(raw: str) -> list[str]:
    """The bullet texts of a model reply: lines starting with "-", "*", "•" or "1.", in order.

    A reply without any marker is read as one bullet a line. Citations and article-forged
    markup are removed (`defuse`).
    """
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    marked = [line for line in lines if _MARKER.match(line)]
    found = []
    for line in marked or lines:
        text = defuse(strip_citations(_MARKER.sub("", line))).strip(" \"'“”")
        if text:
            found.append(text)
    return found


def verified(bullet: str, article: str) -> bool:
    """Whether `bullet` passes the answer checks against `article`: no number, date or name
    that the article lacks, most of its words from it, and at least `MIN_WORDS` words."""
    words = stems(bullet)
    return (
        len(words) >= MIN_WORDS
        and not unsupported_facts(bullet, [article])
        and support(bullet, [article]) >= MIN_SUPPORT
    )


def article_sentences(article: str) -> list[str]:
    """The article's sentences that may be quoted: not planted instructions, defused."""
    text = isolate_markers(article)
    spans = sentence_spans(text)
    return [defuse(text[s:e]) for s, e in spans if not planted(text[s:e])]


def closest_sentence(bullet: str, sentences: Sequence[str]) -> str | None:
    """The sentence `bullet` draws on: the one holding most of its words and numbers (ties: the
    earlier). None when no sentence shares at least two of them."""
    wanted = stems(bullet) | numbers(bullet)
    best, best_score = None, 1
    for sentence in sentences:
        score = len(wanted & (stems(sentence) | numbers(sentence)))
        if score > best_score:
            best, best_score = sentence, score
    return best


def checked_bullets(
    raw: str, article: str, title: str = "", fill: Sequence[str] | None = None
) -> tuple[list[Bullet], int, int]:
    """The bullets to show for a model reply about `article`, and how many of the model's
    bullets were read and how many passed the check.

    Each model bullet is kept if `verified`, else replaced by its `closest_sentence`, quoted;
    near-repeats and copies of the `title` (shown beside the summary already) are dropped; at
    most `MAX_BULLETS`. With fewer than `MIN_BULLETS`, the `fill` sentences (default: the
    article's, in order) fill up, quoted.
    """
    sentences = article_sentences(article)
    shown: list[Bullet] = []
    said: set[str] = set()
    headline = _terms(title)
    read = passed = 0
    for text in parse_bullets(raw):
        if len(shown) == MAX_BULLETS:
            break
        read += 1
        ok = verified(text, article)
        passed += ok
        bullet = Bullet(text, quoted=False) if ok else _quote(closest_sentence(text, sentences))
        if bullet is not None and _adds(bullet.text, said) and not _terms(text) <= headline:
            shown.append(bullet)
            said |= _terms(bullet.text)
    for sentence in sentences if fill is None else fill:
        if len(shown) >= MIN_BULLETS:
            break
        bullet = _quote(sentence)
        if bullet is not None and _adds(bullet.text, said):
            shown.append(bullet)
            said |= _terms(bullet.text)
    return shown, read, passed


def render_bullets(bullets: Sequence[Bullet], cite: str = "[1]") -> str:
    """One line a bullet, "- text [1]"; quoted sentences in quotation marks."""
    return "\n".join(f"- {_shown(b)} {cite}" for b in bullets)


def read_rendered(text: str) -> list[Bullet]:
    """The bullets of a summary as cached: `render_bullets` lines, or the extractive summary's
    cited sentences ("One. [1] Two. [1]"), which are quotes."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        bulleted = bool(_MARKER.match(line))
        for part in _CITED.split(_MARKER.sub("", line)):
            body = part.strip()
            if not body:
                continue
            quoted = not bulleted or (body.startswith("“") and body.endswith("”"))
            found.append(Bullet(body.strip("“”") if quoted else body, quoted=quoted))
    return found


def _shown(bullet: Bullet) -> str:
    return f"“{bullet.text}”" if bullet.quoted else bullet.text


def _quote(sentence: str | None) -> Bullet | None:
    if not sentence or len(sentence) > MAX_BULLET_CHARS:
        return None
    return Bullet(sentence, quoted=True)


def _terms(text: str) -> set[str]:
    return stems(text) | numbers(text)


def _adds(text: str, said: set[str]) -> bool:
    terms = _terms(text)
    return bool(terms) and len(terms & said) < DUPLICATE * len(terms)
