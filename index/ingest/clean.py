"""Text repair and titles: mojibake, whitespace, inline page junk, and headlines run into bodies.

Pure functions over strings; the line-level page structure (which line is a headline, a byline or
boilerplate) lives in `index.ingest.split`.
"""

from __future__ import annotations

import itertools
import logging
import re

log = logging.getLogger(__name__)

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_BLANKS = re.compile(r"\n{4,}")

# Inline junk that scrapers glue into running text: ad markers and view-count/relative-time tails.
_AD_MARKER = re.compile(r"(?:(?<=\s)|^)(?:Advt|ADVT|ADVERTISEMENT)\.?(?=\s|$)\s*")
# A relative time ("a minute ago", "3 hrs ago"); `index.ingest.split` labels whole lines with it
# too.
AGO = (
    r"(?:\d+|an?|one|(?:a )?few)\s+"
    r"(?:sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year)s?\s+ago"
)
_VIEWS_TAIL = re.compile(
    rf"\s*(?:^|(?<=\s)|(?<=[.!?\"']))\d[\d.,]*\s?[KkMm]?\s+views?\b"
    rf"(?:\s*[|·•]\s*{AGO})?\s*$"
)
_AGO_TAIL = re.compile(rf"\s*[|·•]\s*{AGO}\s*$")

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words(
    "the a an of to for and or in on at by with from as is are was were be been its it this that "
    "these those his her their our your my he she they we you i not no but if so than then over "
    "after before into about out up down new says said will would could can may more most all "
    "how what why who when where which here there has have had do does did just also"
)

# Words that, capitalised, usually begin a sentence rather than continue a sentence-case headline.
_SENTENCE_STARTERS = _words(
    "the a an in on at for from by with as after before when while if but and despite although "
    "though however it its he she they we i you your our my his her their this that these those "
    "there here some many more most several one two three four five six seven eight nine ten "
    "shares sales profits plans people voters fans former chancellor prime president "
    "what why how who where now last next every each all both few no not only about"
)
_HEADLINE_ENDERS_BAD = _words(
    "the a an of to for and or in on at by with from as its his her & de du la le van von v vs"
)
# Role nouns that stand before a name in an apposition (`AC Milan defender Jaap Stam`).
_ROLE_NOUNS = _words(
    "boss manager keeper goalkeeper defender midfielder striker captain coach player champion "
    "star singer band group actor actress director chief leader minister secretary president "
    "chairman spokesman spokeswoman legend rapper musician producer conductor firm giant company "
    "maker winner veteran officer commissioner governor senator head founder executive"
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_ABBREV = re.compile(r"^(?:[A-Z]\.)+$|^(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Co|Inc|Ltd|No|vs|v)\.$")
_MAX_TITLE_WORDS = 15
_FALLBACK_WORDS = 10


def fix_text(text: str) -> str:
    """Repair mojibake (`Â£` → `£`), straighten quotes, and normalise whitespace.

    Lines are stripped and inner runs of spaces collapsed; line breaks are kept (they carry the
    page structure), with at most two blank lines in a row.
    """
    import ftfy  # only loading articles needs it: a searching process never imports it (3 MB)

    text = ftfy.fix_text(text)
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANKS.sub("\n\n\n", "\n".join(lines)).strip("\n")


def strip_inline_junk(paragraph: str) -> str:
    """Drop ad markers and trailing view-count / relative-time widgets glued into a paragraph."""
    cleaned = _AD_MARKER.sub("", paragraph)
    cleaned = _VIEWS_TAIL.sub("", cleaned)
    cleaned = _AGO_TAIL.sub("", cleaned)
    return cleaned.strip()


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (no stop words), crudely stemmed to six letters."""
    words = (w.lower().removesuffix("'s").strip("'-") for w in _WORD.findall(text))
    return {w[:6] for w in words if len(w) > 2 and w not in _STOP}


def headline_matches(headline: str, body: str) -> bool:
    """Whether a headline is about its body: some of its content words occur in the body."""
    head = content_words(headline)
    if len(head) < 3:
        return True
    opening = content_words(" ".join(body.split()[:400]))
    return len(head & opening) / len(head) >= 0.2


def guess_title(text: str) -> tuple[str, str]:
    """Split text whose headline runs straight into the body into `(title, body)`.

    A first line that is itself headline-shaped is the title. Otherwise the split point is scored
    over the first words: a capitalised sentence-starting word, a headline not ending on a function
    word, the headline's subject named again at the start of the body, a question/exclamation mark.
    When no split point is convincing the title is the first ten words and "…", and the body is
    the whole text.
    """
    text = text.strip()
    first, _, rest = text.partition("\n")
    if rest.strip() and _is_headline_line(first):
        return first.strip(), rest.strip()
    words = text.split()
    split = _best_split(words)
    if split is None:
        log.debug("guess_title unsure words=%d", len(words))
        if len(words) <= _FALLBACK_WORDS:
            return text, text
        return " ".join(words[:_FALLBACK_WORDS]) + "…", text
    title = " ".join(words[:split])
    return title, text[text.index(words[split], len(title)) :].strip()


def _is_headline_line(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= _MAX_TITLE_WORDS and not re.search(r"[.,;:]$", line.strip())


def _bare(word: str) -> str:
    return word.strip("\"'‘’“”()[]:,;").removesuffix("'s").removesuffix("’s")


def _best_split(words: list[str]) -> int | None:
    lower_vocab = {w for w in (_bare(w) for w in words) if w[:1].islower()}
    limit = min(len(words) - 3, _MAX_TITLE_WORDS)
    best, best_score = None, 2.5
    for i in range(2, limit + 1):
        if _ends_sentence(words[i - 2]):
            break  # the title holds no full stop: stop at the first sentence end
        score = _split_score(words, i, lower_vocab)
        if score > best_score:
            best, best_score = i, score
    return best


def _ends_sentence(word: str) -> bool:
    return bool(_SENTENCE_END.search(word)) and not _ABBREV.match(word)


def _is_cap(word: str) -> bool:
    return _bare(word)[:1].isupper()


def _split_score(words: list[str], i: int, lower_vocab: set[str]) -> float:
    """How likely the body starts at `words[i]`; a score ≤ 0 rules the split out."""
    word, prev = _bare(words[i]), words[i - 1]
    if not word or not word[0].isupper():
        return 0.0
    if prev.endswith(("?", "!")):
        return 10.0
    if _ends_sentence(prev) or prev.endswith(","):
        return 0.0
    title_caps = sum(_is_cap(w) for w in words[1:i]) / max(i - 1, 1)
    score = 1.0 - title_caps  # sentence-case headlines: few capitals inside the title
    score += 3.0 if word.lower() in _SENTENCE_STARTERS else 0.0
    score += 1.5 if word.lower() in lower_vocab and not word.isupper() else 0.0
    score -= 3.0 if _bare(prev).lower() in _HEADLINE_ENDERS_BAD else 0.0
    score -= 1.0 if word.isupper() and len(word) > 1 else 0.0
    repeat = _repeat_bonus(words, i)
    if repeat >= 3.5 and (_bare(prev).lower() in _ROLE_NOUNS or _is_cap(prev)):
        # inside `Chelsea boss Jose Mourinho` or `Paula Radcliffe`: the body starts further back
        score -= 0.0 if _doubled(words, i) or _named_again(words, i) else 3.0
    elif _is_cap(prev) and not _doubled(words, i):
        # inside a run of capitalised words: a boundary if the title's last name recurs later
        pair = (_stem(prev), _stem(words[i]))
        stems = [_stem(w) for w in words[i + 1 : i + 61]]
        later = set(itertools.pairwise(stems))
        score += 0.5 if _named_again(words, i, 40) and pair not in later else -1.5
    if any(_stem(words[j - 1]) == _stem(words[j]) for j in range(1, i)):
        score -= 3.0  # `Arsenal Arsenal's` inside the title: that was the boundary
    score += 1.0 if prev.endswith(("'", '"')) else 0.0
    nxt = _bare(words[i + 1]) if i + 1 < len(words) else ""
    score += 1.0 if nxt[:1].islower() and not _ends_sentence(words[i]) else 0.0
    score += repeat
    score -= 0.25 * abs(i - 6) + 0.5 * max(i - 10, 0)  # headlines are usually four to eight words
    return score


def _doubled(words: list[str], i: int) -> bool:
    """`New Zealand New Zealand`: the body starts by repeating the title's last words."""
    return any(
        [_stem(w) for w in words[i - k : i]] == [_stem(w) for w in words[i : i + k]]
        for k in (1, 2, 3)
    )


def _named_again(words: list[str], i: int, window: int = 12) -> bool:
    """`… Straw Jack Straw has`: the title's last word is named again just after the split."""
    return _stem(words[i - 1]) in {_stem(w) for w in words[i + 1 : i + window]}


def _stem(word: str) -> str:
    return _bare(word).lower().removesuffix("s")


def _repeat_bonus(words: list[str], i: int) -> float:
    """The body's first words name the headline's subject again (`Radcliffe … Paula Radcliffe`)."""
    names = {_stem(w) for w in words[:i] if _is_cap(w) and len(_bare(w)) > 1}
    topics = {_stem(w) for w in words[:i] if len(_bare(w)) > 3} - names - _STOP
    best = 0.0
    for distance, raw in enumerate(words[i : i + 6]):
        if _stem(raw) in names:
            best = max(best, 4.0 - 0.5 * distance)
        elif _stem(raw) in topics:
            best = max(best, 2.5 - 0.5 * distance)
    return best


def valid_unicode(text: str) -> str:
    """`text` made encodable: bytes that were not UTF-8 (carried as surrogates, e.g. from argv)
    and lone surrogates become U+FFFD, so tokenizers and the model never see invalid text."""
    if not _SURROGATE.search(text):
        return text
    text = _NOT_ESCAPED_BYTE.sub("\ufffd", text)  # a lone surrogate that is not a byte
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ESCAPED_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
