"""The engine's one vocabulary: words, stems, stop words and the patterns of checkable facts.

Coverage (before the model) and grounding (after it) read text with these same rules, so a word
or a fact means the same thing on both sides of the model call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    (
        "a an the of to in on at for by with from and or "
        "but is are was were be been being it its this that these those "
        "as into about over under after before than then there their they he she "
        "his her we you i what which who whom whose when where why how "
        "does did do has have had will would can could should may might not "
        "no yes so if said says also up out more most much many any "
        "some them him me my our your its "
    ).split()
)
# The stop words that can be capitalised at the start of a question without naming anything
# ("Who", "The", "Did"): dropped from a question's key terms. A subset of STOPWORDS; the rest
# ("May", "Will", "It") stay, since in a name they may be part of it.
QUESTION_WORDS = frozenset(
    (
        "who what which when where why how whom whose the a an in on is did does do was were has i"
    ).split()
)
# Words that start sentences or are otherwise capitalised without naming anything.
COMMON_CAPS = frozenset(
    (
        "The A An It In On At He She They We This "
        "That These Those There His Her Its Their According However But And "
        "Yes No Source Sources Answer Question Based Mr Mrs Ms Dr "
    ).split()
)

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*")
# A question's key terms: names (runs of capitalised words, digits allowed) and 2+ digit numbers.
NAME_TERM = re.compile(r"\b[A-Z][a-zA-Z0-9'’-]*(?:\s+[A-Z][a-zA-Z0-9'’-]*)*|\b\d{2,}[\d,.]*\b")

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# The kinds of fact a question can ask for, and how each looks in text.
FACT_PATTERNS = {
    # A currency sign, or a currency word: "21 million voters" is a count, not money.
    "money": r"[£$€¥]\s?\d[\d,.]*\s?(?:m|bn|k|million|billion|trillion)?|\d[\d,.]*\s?"
    r"(?:(?:million|billion|trillion|bn|m)\s?)?(?:p|pence|pounds|dollars|euros|yen|rupees)\b",
    "share": r"\d[\d.]*\s?(?:%|per\s?cent|percent)",
    "date": rf"\b(?:1[89]\d\d|20\d\d)\b|\b(?:{_MONTHS}|{_DAYS})\b",
    "number": r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozen|hundred|thousand)\b",
    "name": r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’-]+",
}
# How a question asks for each kind, tried in this order.
ASKS = (
    ("share", r"\b(what|which) (share|proportion|percentage)|\bwhat per ?cent|\bhow much of\b"),
    (
        "number",
        r"\bhow (many|long|far|old|fast|tall|big|high|large|heavy|low)\b"
        r"|\bwhat (number|speed|size|figure)\b|\bby how much\b",
    ),
    ("money", r"\bhow much\b|\b(cost|price|paid|raised?|worth|fine|budget|fee)\b"),
    ("date", r"\bwhen\b|\b(what|which) (year|date|day|month)\b|\bin what year\b"),
    ("name", r"^\s*(who|whom|whose|which|where|in which|from which|at which|on which)\b|\bwho\b"),
)
# Amounts are any of these. Which ones answer depends on how the question asks: "how much did it
# cost" wants money (or a share: "how much did prices rise"), "what share" a share, "how many"
# any number.
AMOUNT_PATTERNS = ("money", "share", "number")
ANSWERED_BY = {"money": ("money", "share"), "share": ("share",), "number": ("number",)}
# The kinds of fact a sentence can be checked for by pattern.
FACT_KINDS = ("amount", "date", "name")
HOW_MANY = re.compile(r"\bhow many\b", re.I)
# A number after "can", "could", "may" or "might" (within a few words) is what is possible, not
# what happened: "each can carry up to 210 passengers" is a capacity, not a week's riders.
# Lower case only: "In May, 50,000 were sold" names a month.
_POSSIBLE = re.compile(r"\b(?:can|could|may|might|able to)\b(?:\W+\w+){0,3}\W*$")
_COUNTED = re.compile(
    r"\bhow many\b(.+?)\b(?:did|does|do|has|have|had|is|are|was|were|will|would|can|could|may|"
    r"might|should|must)\b",
    re.I,
)
_DETERMINERS = frozenset("the a an its his her their this that these those".split())
_PREPOSITIONS = frozenset("in on at of for with by from to into during since after over".split())
_ASKS_POSSIBLE = re.compile(r"\b(?:can|could|may|might|able|capacity|hold|up to|at most)\b")
# Words of a number's size, not of what it counts: "two and a half million cars".
_SIZE_WORDS = frozenset("and a half quarter hundred thousand million billion m bn k".split())
# How far after a number the thing it counts is named: "3.5 million copies", "seven Old Firm games".
COUNTED_WITHIN = 4
# How far before a number the asked action may be named: "would cover about 310,000 homes".
ACTION_BEFORE = 3
# A question that asks for a reason, and the words that usually give one.
REASON_ASK = re.compile(
    r"\bwhy\b|\bwhat (caused|causes|prompted|pushed|led|made|drove|is behind|was behind)\b"
    r"|\breasons?\b",
    re.I,
)
REASON_CUES = re.compile(
    r"\b(because|due to|as a result|following|amid|owing to|blamed|reasons?|caused|led to|after|"
    r"so that|in order to|aims? to|in a bid|bid to|since|means|meant|to (avoid|help|cut|make|"
    r"protect|allow|stop|boost|reduce|ensure|save|meet|encourage|prevent))\b",
    re.I,
)


def content_words(text: str) -> set[str]:
    """The lowercased words of `text` that carry meaning (no stop words, no single letters)."""
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


@cache
def _stemmer() -> Callable[[list[str]], list[str]]:
    import Stemmer  # PyStemmer (Snowball): "fined"/"fine", "joined"/"join", "takings"/"take"

    return Stemmer.Stemmer("english").stemWords  # type: ignore[no-any-return,unused-ignore]


def stems(text: str) -> set[str]:
    """The stems of `text`'s content words."""
    return set(_stemmer()(sorted(content_words(text))))


def normal(text: str) -> str:
    """Lowercased, dashes as spaces, possessive 's dropped: the form terms are matched in."""
    return re.sub(r"['’]s\b", "", re.sub(r"[-‐‑–—]", " ", text)).lower()


def asked_kind(question: str) -> str | None:
    """The kind of fact a question asks for: "amount", "date", "name", "reason", or None."""
    lowered = question.lower().strip()
    for kind, pattern in ASKS:
        if re.search(pattern, lowered):
            return "amount" if kind in AMOUNT_PATTERNS else kind
    return "reason" if REASON_ASK.search(question) else None


@lru_cache(maxsize=256)
def asked_amount(question: str) -> str:
    """Which amount an "amount" question asks for: "money", "share" or "number"."""
    lowered = question.lower().strip()
    return next((k for k, p in ASKS if k in AMOUNT_PATTERNS and re.search(p, lowered)), "number")


def kind_facts(kind: str | None, text: str, question: str) -> set[str]:
    """Facts of the asked-for kind in `text` that the question doesn't already state.

    For "how many X" a number counts only if it counts what is asked (`counts_asked`)."""
    if kind not in FACT_KINDS:
        return set()
    asked = question.lower()
    counted = kind == "amount" and bool(HOW_MANY.search(question))
    found: set[str] = set()
    for name in ANSWERED_BY[asked_amount(question)] if kind == "amount" else (kind,):
        flags = 0 if name == "name" else re.IGNORECASE
        found |= {
            m.group().strip().lower()
            for m in re.finditer(FACT_PATTERNS[name], text, flags)
            if (not counted or counts_asked(question, text[m.end() :], text[: m.start()]))
            and (name != "name" or names_something(m.group(), text[: m.start()]))
        }
    return {f for f in found if f and f not in asked}


def names_something(word: str, before: str) -> bool:
    """Whether a capitalised word inside a sentence is a name: not one of the words capitalised
    for other reasons ("We", "According"), nor a quotation's first word ('said: "We are ...')."""
    return word not in COMMON_CAPS and not re.search(r"[\"“‘:]\s*$", before)


def counts_asked(question: str, after: str, before: str) -> bool:
    """Whether a number, between `before` and `after`, counts what "how many ..." asks: one of
    the next `COUNTED_WITHIN` words (or the `ACTION_BEFORE` words before it) shares a stem with
    what the question counts ("21 million online voters" for "how many people voted", not "three
    days on sale" for "how many copies were sold"), and
    it counts what happened unless the question asks what is possible ("can carry up to 210
    passengers" answers "how many can it carry", not "how many did it carry")."""
    if _POSSIBLE.search(before) and not _ASKS_POSSIBLE.search(question):
        return False
    words = WORD.findall(after.lower())
    following = [w for w in words[: COUNTED_WITHIN + 4] if w not in _SIZE_WORDS][:COUNTED_WITHIN]
    # the asked action may come just before the number: "would cover about 310,000 households"
    preceding = WORD.findall(before.lower())[-ACTION_BEFORE:]
    named = stems(" ".join(following + preceding))
    return any(same_stem(w, f) for w in named for f in _counted_stems(question))


def _counted_stems(question: str) -> set[str]:
    """The stems that say what "how many ..." counts: the words before its auxiliary verb and
    the action after it. "How many passengers did the tram line carry in its first week" counts
    passengers, or carrying: a phrase opened by "the", "its", ... names the things around the
    count (its last word, right after the auxiliary, is the verb), and so does one after a
    preposition. With no auxiliary verb ("how many people voted online"), every word counts."""
    counted = _COUNTED.search(question)
    if counted is None:
        return stems(HOW_MANY.sub(" ", question))
    action: list[str] = []
    for i, run in enumerate(_runs(WORD.findall(question[counted.end() :].lower()))):
        if run[0] not in _DETERMINERS:
            action += run
        elif i == 0:
            action.append(run[-1])
    return stems(counted.group(1)) | stems(" ".join(action))


def _runs(words: list[str]) -> list[list[str]]:
    """`words` split at prepositions, which are dropped."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in _PREPOSITIONS:
            runs.append([])
        else:
            runs[-1].append(word)
    return [run for run in runs if run]


def same_stem(a: str, b: str) -> bool:
    """Whether two stems match, one extending the other ("agre"/"agreement", "vote"/"voter")."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


# --- article text is data -----------------------------------------------------------------------
# What in an article could pass for structure of ours: chat-template markers, role labels, banner
# headings and citation look-alikes. `defuse` neutralises them wherever article text leaves the
# engine (the prompt, quotes, summaries, source lines); `planted` flags a sentence carrying them,
# which is never quoted as an answer.
_CHAT_MARKER = re.compile(
    r"<\|[^|>]{1,40}\|>|</?(?:s|im_start|im_end|system|assistant|user)>|\[/?INST\]", re.I
)
_ROLE_LABEL = re.compile(
    r"(?<![\w-])(?:system|assistant|user|developer|human|ai|model)\s*:(?!//)", re.I
)
_BANNER = re.compile(r"#{2,}|={3,}|\*{3,}|-{4,}")
_CITATION_LIKE = re.compile(r"\[(\d{1,3})\]")
_CITATION_RUN = re.compile(r"\[\d{1,3}\](?:\s*\[\d{1,3}\])+")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|"
    r"earlier)\s+(?:instructions?|prompts?|messages?)\b|\b(?:system|admin)\s+override\b|"
    r"\byou are now\b|\bnew instructions?\b",
    re.I,
)


def defuse(text: str) -> str:
    """`text` with chat markers, role labels and banners removed and citation look-alikes
    ("[3]") turned into plain parentheses ("(3)"), so no article can forge our structure."""
    text = _CHAT_MARKER.sub("", text)
    text = _ROLE_LABEL.sub("", text)
    text = _BANNER.sub("", text)
    text = _CITATION_LIKE.sub(r"(\1)", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def isolate_markers(text: str) -> str:
    """`text` with a line break before every chat marker, role label and banner, so sentence
    splitting keeps them out of the honest sentence before them."""
    for pattern in (_CHAT_MARKER, _ROLE_LABEL, _BANNER):
        text = pattern.sub(lambda m: "\n" + m.group(), text)
    return text


def planted(sentence: str) -> bool:
    """Whether a sentence carries what an injected instruction looks like (a role label, a chat
    marker, a banner, a run of citation look-alikes, "ignore previous instructions")."""
    return any(
        pattern.search(sentence)
        for pattern in (_CHAT_MARKER, _ROLE_LABEL, _BANNER, _CITATION_RUN, _INSTRUCTION)
    )


# --- numbers, in digits or in words ---------------------------------------------------------------
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {w: n for n, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_NUMBER_WORD = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[\s-]+({'|'.join(_SMALL[1:10])}))?|({'|'.join(_SMALL)})|"
    r"(dozen))(?:\s+(hundred|thousand))?\b",
    re.I,
)
# Too common as words to be facts ("one of the", "no one"); as digits they still count.
_NOT_FACTS = frozenset({"zero", "one"})


def numbers(text: str) -> set[str]:
    """The numbers `text` states, as digit strings: "1,200" → "1200", "eight" → "8",
    "twenty-five" → "25", "a dozen" → "12", "three hundred" → "300"."""
    found = {n.replace(",", "") for n in NUMBER.findall(text)}
    for match in _NUMBER_WORD.finditer(text):
        tens, unit, small, dozen, scale = (g.lower() if g else g for g in match.groups())
        if small in _NOT_FACTS and not scale:
            continue
        value = 12 if dozen else _WORD_VALUES[tens or small] + (_WORD_VALUES[unit] if unit else 0)
        value *= {"hundred": 100, "thousand": 1000}.get(scale or "", 1)
        found.add(str(value))
    return found


QUANTITY = re.compile(f"{FACT_PATTERNS['money']}|{FACT_PATTERNS['share']}", re.I)


def same_words(a: str, b: str) -> float:
    """The share of the shorter text's word stems, amounts and shares aside, that the other holds:
    how far two sentences say the same thing, whatever figures they give."""
    wa, wb = stems(QUANTITY.sub(" ", a)), stems(QUANTITY.sub(" ", b))
    return len(wa & wb) / min(len(wa), len(wb)) if wa and wb else 0.0
