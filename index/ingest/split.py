"""Page structure: classify each line of a scraped page, then cut the page into articles.

A pasted or scraped page is a column of lines: navigation, headlines, bylines, datelines, body
paragraphs, share widgets, comment boxes, "related articles" teasers. `classify_line` labels one
line with general rules (short lines without terminal punctuation, relative times, call-to-action
verbs, comment widgets, ad markers); `split_page` walks the labelled lines and starts a new article
at each headline that follows a break (boilerplate, a site-name line, two blank lines) or that is
followed by a byline or a date. Headlines that do not match their body are replaced by the body's
own leading headline.
"""

from __future__ import annotations

import enum
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from index.ingest.clean import AGO, guess_title, headline_matches, strip_inline_junk
from index.models import Article, stable_id

log = logging.getLogger(__name__)


class Kind(enum.Enum):
    BLANK = "blank"
    JUNK = "junk"  # boilerplate that separates articles (comments, related, share, nav ...)
    AD = "ad"  # an ad marker: dropped, separates nothing
    SITE = "site"
    BYLINE = "byline"  # "By Jane Doe": belongs to the article that follows
    BIO = "bio"  # "The writer is ...": belongs to the article above
    DATE = "date"
    HEADLINE = "headline"
    BODY = "body"


@dataclass(frozen=True)
class Line:
    kind: Kind
    text: str
    value: str | None = None  # the metadata carried (site name, byline, date)
    hard: bool = False  # a break after which body text no longer continues the article above


_I = re.IGNORECASE
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


@dataclass(frozen=True)
class Rule:
    """A line rule: a line of at most `max_words` words matching `pattern` is `kind`.

    The word limit is what keeps prose safe: a widget label, a banner or a caption is short, so a
    paragraph that merely contains a rule's words is longer than the rule allows and stays body.
    """

    name: str
    kind: Kind
    hard: bool  # a break after which body text no longer continues the article above
    max_words: int
    pattern: re.Pattern[str]


def _rule(name: str, kind: Kind, hard: bool, max_words: int, *alternatives: str) -> Rule:
    return Rule(name, kind, hard, max_words, re.compile("|".join(alternatives), _I))


# The first matching rule labels a whole line. Every alternative is anchored at the line's start.
RULES = (
    _rule(
        "ad marker",
        Kind.AD,
        False,
        2,
        r"^(?:advt\.?|advertisement|sponsored(?: content)?|ad|promoted)$",
    ),
    # "a minute ago", "Updated: 3 hours ago", "42.2K views | 1 day ago"
    _rule(
        "relative time",
        Kind.JUNK,
        True,
        8,
        rf"^(?:(?:updated|posted|published)\s*:?\s*)?(?:just now|{AGO})$",
        r"^(?:yesterday|today)$",
        rf"^\d[\d.,]*\s?[km]?\s+views?(?:\s*[|·•]\s*{AGO})?$",
    ),
    _rule(
        "comment widget",
        Kind.JUNK,
        True,
        8,
        r"^(?:\d+\s+)?comments?(?:\s*\(\d+\))?$",
        r"^no comments(?: yet)?\W*$",
        r"^(?:leave|post|add|write|show|view|load)\b.{0,30}\b(?:comments?|repl(?:y|ies))\W*$",
        r"^be the first to comment\b[^.!?]*\W*$",
    ),
    _rule(
        "teaser label",
        Kind.JUNK,
        True,
        12,
        r"^(?:related(?: articles?| stories| news| posts?| content)?"
        r"|more (?:from|stories|news|on)\b[^.!?]{0,40}|recommended(?: for you| stories)?"
        r"|trending(?: now| stories)?"
        r"|most (?:read|popular|viewed)|top stories|latest(?: news| stories)?"
        r"|you (?:may|might) also like|also read\b[^.]*|read next|editor'?s picks?|popular(?: now)?"
        r"|in other news|further reading)\s*:?$",
    ),
    _rule(
        "copyright footer",
        Kind.JUNK,
        True,
        12,
        r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))",
        r"^[^.!?]{0,60}\ball rights reserved\W*$",
    ),
    # "We use cookies to ... By continuing you agree ...", "Accept all", "Manage cookies"
    _rule(
        "cookie banner",
        Kind.JUNK,
        True,
        35,
        r"^(?:we|this (?:web)?site|our (?:web)?site|by (?:using|continuing)|cookies?)\b"
        r"(?=.*\bcookies?\b).*\b(?:accept|consent|agree|continu|settings|policy)",
        r"^(?:accept|reject) all(?: cookies)?$",
        r"^manage (?:preferences|cookies)$",
        r"^got it!?$",
    ),
    # a UI verb and no sentence ("Try Our AI Features", "Share this", "Sign up for our newsletter")
    _rule(
        "call to action",
        Kind.JUNK,
        False,
        8,
        r"^(?:try|explore|discover|download|get|sign (?:up|in)|log ?in|register|subscribe|join"
        r"|follow|click|tap|watch|listen|read|see|share|continue reading|go to|back to|skip to"
        r"|view|load|show|print|email|tweet|save)\b[^.!?]{0,80}$",
    ),
    _rule(
        "caption",
        Kind.JUNK,
        False,
        25,
        r"^(?:image|photo|picture|video|media)(?:\s+(?:caption|source|credit))?\s*:",
        r"^(?:image|photo|picture|video|media)\s+(?:caption|source|credit)\b",
    ),
    _rule("reading time", Kind.JUNK, False, 4, r"^\d+ min(?:ute)?s? read$"),
    # "Home | World | Business"
    _rule(
        "navigation bar",
        Kind.JUNK,
        False,
        12,
        r"^(?:[\w&'-]+(?: [\w&'-]+)?\s*[|›»/•·]\s*){2,}[\w&'-]+(?: [\w&'-]+)?$",
    ),
)
_DASHED = re.compile(r"^[-–—•*]\s")
_SITE = re.compile(r"^[-–—|]\s*([A-Z][\w.&'-]*(?:\s+[\w.&'-]+){0,5})$")
_BYLINE = re.compile(
    r"^(?:[Bb]y|[Ww]ritten by|[Ww]ords by|BY)\s+"
    r"([A-Z][\w.'-]*(?:[\s,]+(?:and\s+)?[A-Z][\w.'-]*){0,5})\s*(?:[,|–—-]\s*[^.]{0,40})?$"
)
_BIO = re.compile(
    r"^(?:the\s+)?(?:writer|author|columnist|reviewer)s?\s+(?:is|are|was|were)\b|^reporting by\b",
    _I,
)
_DATE = re.compile(
    rf"^(?:(?:published|updated|posted|date)\s*(?:on)?\s*:?\s*)?(?:\w+day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"(?:[\sT,|]+[\d:.]+\s*(?:am|pm)?(?:\s*[A-Z]{{2,4}})?)?$",
    _I,
)
# "LONDON (Reuters) - " / "WASHINGTON, July 3 (AP) — ": an article's first paragraph.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.' -]{2,}(?:,\s*[A-Z][\w. ]+)?\s*(?:\(([A-Za-z .]+)\))?\s*[-–—]\s+\S"
)
_HEADLINE_MAX_WORDS = 20
_LONE_WORD_MAX_CHARS = 24
# Japanese and Chinese are written without spaces: two such characters count as one word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_END = re.compile(r"[.!?。！？][\"')\]」』”’]*$")  # a sentence's end, in Latin or CJK script
_BIO_MAX_WORDS = 30  # "The writer is ..." notes are one short sentence
_MIN_UNTITLED_WORDS = 30


def classify_line(text: str) -> Line:
    """Label one stripped line by its shape alone (no page context)."""
    if not text:
        return Line(Kind.BLANK, text)
    words = text.split()
    count = word_count(text)
    if rule := _matching_rule(text, count):
        return Line(rule.kind, text, hard=rule.hard)
    if site := _SITE.match(text):
        return Line(Kind.SITE, text, value=site.group(1), hard=True)
    if byline := _BYLINE.match(text):
        return Line(Kind.BYLINE, text, value=byline.group(1).strip(" ,"))
    if count <= _BIO_MAX_WORDS and _BIO.match(text):
        return Line(Kind.BIO, text, value=text)
    if _DATE.match(text):
        return Line(Kind.DATE, text, value=re.sub(r"^\w+\s*(?:on)?\s*:\s*", "", text))
    if _is_lone_word(text, count):
        return Line(Kind.JUNK, text)  # a navigation item or a label, unless the page says not
    if _is_headline(text, words):
        return Line(Kind.HEADLINE, text)
    return Line(Kind.BODY, text)


def _matching_rule(text: str, count: int) -> Rule | None:
    return next((r for r in RULES if count <= r.max_words and r.pattern.search(text)), None)


def _is_lone_word(text: str, count: int) -> bool:
    return count == 1 and len(text) <= _LONE_WORD_MAX_CHARS and not _END.search(text)


def word_count(text: str) -> int:
    """Words in a line, counting unspaced Japanese or Chinese text as two characters a word."""
    return len(text.split()) + len(_UNSPACED.findall(text)) // 2


def _is_headline(text: str, words: list[str]) -> bool:
    first = text.lstrip("\"'‘“(")[:1]
    return (
        len(words) <= _HEADLINE_MAX_WORDS
        and len(text) <= 160
        and (first.isupper() or first.isdigit())
        and not re.search(r"[.,;:…。、，；：]$", text)
    )


def classify_page(lines: Iterable[str]) -> list[Line]:
    """Label every line, using the page as context: a short line repeated on the page and never
    followed by body text is site chrome (a site name when a `- Site` line names it). A `- Site`
    line names a site only when the name recurs on the page and the line is not one of a run of
    dash lines; otherwise it is a list item. A lone
    word amid the article's text (a label, a table cell) is text, not navigation."""
    texts = list(lines)
    labelled = [classify_line(t) for t in texts]
    sites = {line.value for line in labelled if line.kind is Kind.SITE and line.value}
    counts = Counter(_SITE.sub(r"\1", t) for t in texts if t and len(t.split()) <= 6)
    heads_body = {
        line.text for i, line in enumerate(labelled) if _next_kind(labelled, i) is Kind.BODY
    }
    for i, line in enumerate(labelled):
        list_item = line.kind is Kind.SITE and (counts[line.value or ""] < 2 or _in_list(texts, i))
        if list_item or _amid_text(labelled, i):
            labelled[i] = Line(Kind.BODY, line.text)
        elif line.kind not in (Kind.HEADLINE, Kind.JUNK) or counts[line.text] < 2:
            continue
        elif line.text in sites:
            labelled[i] = Line(Kind.SITE, line.text, value=line.text, hard=True)
        elif line.text not in heads_body:
            labelled[i] = Line(Kind.JUNK, line.text, hard=line.hard)
    return labelled


def _in_list(texts: list[str], i: int) -> bool:
    """Whether the nearest non-blank line above or below line `i` is a dash line too."""
    above = next((t for t in reversed(texts[:i]) if t), "")
    below = next((t for t in texts[i + 1 :] if t), "")
    return bool(_DASHED.match(above) or _DASHED.match(below))


def _amid_text(labelled: list[Line], i: int) -> bool:
    """Whether line `i` is a lone word (no rule's label) with text on both sides: the nearest
    lines above and below that are not blank or lone words themselves are body or headlines."""
    if not _is_lone(labelled[i]):
        return False
    above = (line for line in reversed(labelled[:i]) if not _is_lone(line))
    below = (line for line in labelled[i + 1 :] if not _is_lone(line))
    text = (Kind.BODY, Kind.HEADLINE)
    return all(
        next((line.kind for line in side if line.kind is not Kind.BLANK), None) in text
        for side in (above, below)
    )


def _is_lone(line: Line) -> bool:
    count = word_count(line.text)
    return (
        line.kind is Kind.JUNK
        and _is_lone_word(line.text, count)
        and _matching_rule(line.text, count) is None
    )


def _next_kind(labelled: list[Line], i: int) -> Kind | None:
    """The kind of the next line that is not blank or an ad marker."""
    for line in labelled[i + 1 :]:
        if line.kind not in (Kind.BLANK, Kind.AD):
            return line.kind
    return None


_SLOTS = {Kind.SITE: "site", Kind.BYLINE: "byline", Kind.BIO: "byline", Kind.DATE: "published"}


@dataclass
class _Draft:
    headline: str | None = None
    byline: str | None = None
    site: str | None = None
    published: str | None = None
    paras: list[str] = field(default_factory=list)

    def take(self, line: Line) -> None:
        """Keep a metadata line's value unless the draft already has one."""
        slot = _SLOTS[line.kind]
        if getattr(self, slot) is None:
            setattr(self, slot, line.value)


def split_page(
    text: str,
    *,
    source: str,
    url: str | None = None,
    site: str | None = None,
    published: str | None = None,
) -> list[Article]:
    """Cut cleaned page text (see `fix_text`) into articles, boilerplate removed.

    `source` should be the resolved path or URL: ids are `stable_id(url)` for the first article of
    a URL (`url#n` for later ones), else `stable_id(f"{source}#{n}")`.
    """
    return split_lines(text.split("\n"), source=source, url=url, site=site, published=published)


def split_lines(
    lines: Iterable[str],
    *,
    source: str,
    url: str | None = None,
    site: str | None = None,
    published: str | None = None,
    hard_headlines: frozenset[int] = frozenset(),
) -> list[Article]:
    """`split_page` over lines; lines at `hard_headlines` (e.g. Markdown `#` headings) are
    headlines that always start an article."""
    labelled = classify_page(line.strip() for line in lines)
    for i in hard_headlines:
        labelled[i] = Line(Kind.HEADLINE, labelled[i].text)
    drafts = _attach_untitled(_segment(labelled, hard_headlines))
    articles: list[Article] = []
    for draft in drafts:
        article = _finish(
            draft, len(articles), source=source, url=url, site=site, published=published
        )
        if article is not None:
            articles.append(article)
    log.debug("split source=%s lines=%d articles=%d", source, len(labelled), len(articles))
    return articles


def _segment(labelled: list[Line], hard_headlines: frozenset[int]) -> list[_Draft]:
    """Cut labelled lines into drafts. A headline opens a new article only on strong evidence: a
    hard break above it (site chrome, a writer's note, comment or teaser widgets) or a byline,
    date or dateline below it. A short line or a gap between paragraphs (a caption, a call to
    action, an ad marker, blank lines) is not enough: a headline after it is a subheading."""
    drafts: list[_Draft] = []
    cur, pending = _Draft(), _Draft()
    fixed = False  # the current headline is a hard one: later soft headlines are subheadings
    hard = False  # a hard break since the last body line (body no longer continues)
    for i, line in enumerate(labelled):
        kind = line.kind
        if kind is Kind.BLANK:
            continue
        if kind in (Kind.JUNK, Kind.AD):
            hard = hard or line.hard
        elif kind is Kind.BIO and cur.paras:
            cur.take(line)
            hard = True
        elif kind in (Kind.SITE, Kind.BYLINE, Kind.BIO, Kind.DATE):
            (pending if cur.paras else cur).take(line)
            hard = hard or line.hard
        elif kind is Kind.HEADLINE and not cur.paras and not (fixed and i not in hard_headlines):
            cur.headline, fixed = line.text, i in hard_headlines
            hard = False  # boilerplate above a headline separated nothing
        elif kind is Kind.HEADLINE and line.text == cur.headline and i not in hard_headlines:
            continue  # the article's own title repeated (pages print it twice): no new article
        elif kind is Kind.HEADLINE and not (hard or i in hard_headlines or _opens(labelled, i)):
            cur.paras.append(line.text)  # a subheading inside the article
        elif kind is Kind.HEADLINE or hard or (not cur.paras and cur.headline is None):
            drafts.append(cur)
            cur, pending = _merge(pending, line.text if kind is Kind.HEADLINE else None), _Draft()
            fixed = i in hard_headlines
            if kind is Kind.BODY:
                cur.paras.append(line.text)
            hard = False
        else:
            cur.paras.append(line.text)
            hard = False
    drafts.append(cur)
    return drafts


def _attach_untitled(drafts: list[_Draft]) -> list[_Draft]:
    """A block without a headline after an article is not a new article (a new article needs a
    headline): a long one continues the article above, a short one (a footer's small print) is
    dropped. Only a page's first block may be an untitled article."""
    kept: list[_Draft] = []
    for draft in drafts:
        if not draft.paras and draft.headline is None:
            continue
        if draft.headline is None and kept:
            if sum(len(p.split()) for p in draft.paras) >= _MIN_UNTITLED_WORDS:
                kept[-1].paras.extend(draft.paras)
            continue
        kept.append(draft)
    return kept


def _opens(labelled: list[Line], i: int) -> bool:
    """Whether the headline at `i` opens an article: a byline, a date or a dateline follows."""
    for line in labelled[i + 1 :]:
        if line.kind not in (Kind.BLANK, Kind.AD):
            return line.kind in (Kind.BYLINE, Kind.DATE) or bool(_DATELINE.match(line.text))
    return False


def _merge(meta: _Draft, headline: str | None) -> _Draft:
    return _Draft(headline=headline, byline=meta.byline, site=meta.site, published=meta.published)


def _finish(
    draft: _Draft,
    position: int,
    *,
    source: str,
    url: str | None,
    site: str | None,
    published: str | None,
) -> Article | None:
    paras = [p for p in map(strip_inline_junk, draft.paras) if p and p != draft.headline]
    text = "\n\n".join(paras)
    if not text:
        return None
    if draft.headline is None and len(text.split()) < _MIN_UNTITLED_WORDS:
        log.debug("dropping short untitled block source=%s words=%d", source, len(text.split()))
        return None
    if draft.headline is not None and headline_matches(draft.headline, text):
        title = draft.headline
    else:
        if draft.headline is not None:
            log.debug("headline does not match body source=%s headline=%r", source, draft.headline)
        title, text = guess_title(text)
    dateline = _DATELINE.match(paras[0])
    key = (url if position == 0 else f"{url}#{position}") if url else f"{source}#{position}"
    return Article(
        article_id=stable_id(key),
        title=title,
        text=text,
        source=source,
        url=url,
        site=draft.site or site or (dateline.group(1) if dateline else None),
        byline=draft.byline,
        published=draft.published or published,
    )


def drop_boilerplate(text: str) -> str:
    """Text of one known article (a feed entry) without its boilerplate lines and inline junk."""
    keep = (Kind.HEADLINE, Kind.BODY)
    lines = classify_page(line.strip() for line in text.split("\n"))
    paras = (strip_inline_junk(line.text) for line in lines if line.kind in keep)
    return "\n\n".join(p for p in paras if p)
