"""Sentence-aware chunking with overlap, sized in embedder tokens, with character offsets.

Chunk ids are deterministic: `{article_id}:{ordinal}`. `Chunk.text` is exactly
`article.text[chunk.start:chunk.end]`, so a citation can quote the passage it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from index.models import Article, Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]

_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof st sr jr vs etc inc ltd co corp "
        "no gen col lt sgt rep sen gov jan feb mar apr jun jul "
        "aug sep sept oct nov dec u.s u.k e.g i.e a.m p.m "
    ).split()
)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace
# and an opening capital, digit or quote; or at a line break (cleaned text has one paragraph
# per line).
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(\s+)(?=[\"'“‘(\[]?[A-Z0-9])|\s*\n\s*")
_LAST_WORD = re.compile(r"([\w.]+)\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (whitespace between them excluded)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start(1) if match.group(1) is not None else match.start()
        word = _LAST_WORD.search(text[start:end].rstrip("\"'”’)]"))
        if match.group(1) is not None and word and _is_abbreviation(word.group(1)):
            continue
        _append(spans, text, start, end)
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _is_abbreviation(word: str) -> bool:
    lowered = word.lower()
    return lowered in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def chunk_article(
    article: Article, *, count_tokens: TokenCounter, max_tokens: int, overlap: int = 1
) -> list[Chunk]:
    """Greedy packing of whole sentences into chunks of at most `max_tokens` tokens.

    Each chunk after the first repeats the last `overlap` sentences of the one before (when they
    fit). A sentence longer than the budget is cut at word boundaries.
    """
    spans, sizes = _fit_spans(article.text, sentence_spans(article.text), count_tokens, max_tokens)
    if not spans:
        return []
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, size in enumerate(sizes):
        if current and used + size > max_tokens:
            groups.append(current)
            current = current[-overlap:] if overlap else []
            used = sum(sizes[j] for j in current)
            if used + size > max_tokens:
                current, used = [], 0
        current.append(i)
        used += size
    groups.append(current)
    return [
        Chunk(
            chunk_id=f"{article.article_id}:{ordinal}",
            article_id=article.article_id,
            ordinal=ordinal,
            text=article.text[spans[g[0]][0] : spans[g[-1]][1]],
            start=spans[g[0]][0],
            end=spans[g[-1]][1],
        )
        for ordinal, g in enumerate(groups)
    ]


def _fit_spans(
    text: str, spans: list[tuple[int, int]], count_tokens: TokenCounter, max_tokens: int
) -> tuple[list[tuple[int, int]], list[int]]:
    """The spans with any sentence longer than the budget cut into word-aligned pieces, and
    their token counts (each text is counted once, pieces apart)."""
    sizes = count_tokens([text[s:e] for s, e in spans]) if spans else []
    fitted: list[tuple[int, int]] = []
    fitted_sizes: list[int | None] = []
    for (start, end), size in zip(spans, sizes):
        if size <= max_tokens:
            fitted.append((start, end))
            fitted_sizes.append(size)
            continue
        pieces = -(-size // max_tokens) + 1  # ceil, plus slack for uneven words
        words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
        per_piece = max(1, -(-len(words) // pieces))
        for k in range(0, len(words), per_piece):
            group = words[k : k + per_piece]
            fitted.append((start + group[0][0], start + group[-1][1]))
            fitted_sizes.append(None)
    cut = [i for i, size in enumerate(fitted_sizes) if size is None]
    if cut:
        for i, size in zip(cut, count_tokens([text[s:e] for s, e in (fitted[i] for i in cut)])):
            fitted_sizes[i] = size
    return fitted, [size or 0 for size in fitted_sizes]
