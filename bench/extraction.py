"""The real-page extraction corpus and its scoring, shared by `extract_bench.py` and its test.

The corpus (`bench/data/extraction/`, see NOTICE there) is 181 real news and blog pages with a
hand-made article body each. Pages are split once, at random with a fixed seed, into `dev` (to
look at and tune on) and `test` (held out: scored, never tuned on); the split is `split.json`.

Scoring is the article-extraction benchmarks' shingle matching: a text is its `\\w+` tokens, a
page's shingles are its word 4-grams (counted as a multiset); per page, true positives, false
positives and false negatives are normalised to sum to 1, so long pages weigh no more than short
ones; precision and recall are averaged over pages (precision over the pages with some output,
recall over the pages with some ground truth), and F1 is the harmonic mean of the two averages.

Newsdesk's output on a page is what `index add` keeps of it: every article `parse_html` returns,
in order. Titles are indexed but are not article body, so a title is scored only when it was
taken out of the body (any title but trafilatura's own page title).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "data" / "extraction"
SPLIT_SEED = 20261202
NGRAM = 4
# trafilatura's options in `index.ingest.html.parse_html`, used for the bare baseline too.
OPTIONS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": False,
}

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    page_id: str
    url: str
    truth: str

    def html(self) -> bytes:
        return gzip.decompress((CORPUS / "html" / f"{self.page_id}.html.gz").read_bytes())


@dataclass(frozen=True)
class Match:
    """Normalised true positives, false positives and false negatives of one page."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def load_pages() -> dict[str, Page]:
    raw = json.loads(gzip.decompress((CORPUS / "ground-truth.json.gz").read_bytes()))
    return {
        key: Page(page_id=key, url=item.get("url") or "", truth=item.get("articleBody") or "")
        for key, item in sorted(raw.items())
    }


def make_split(page_ids: list[str], dev_share: float = 0.5) -> dict[str, Any]:
    """The one random, seeded dev/test split (written to `split.json` once)."""
    ids = sorted(page_ids)
    random.Random(SPLIT_SEED).shuffle(ids)
    cut = round(len(ids) * dev_share)
    return {"seed": SPLIT_SEED, "dev": sorted(ids[:cut]), "test": sorted(ids[cut:])}


def load_split() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))
    return data


def shingles(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def match(truth: str, predicted: str) -> Match:
    want, got = shingles(truth), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if not total:
        return Match(0.0, 0.0, 0.0)
    return Match(tp / total, fp / total, fn / total)


def summary(matches: list[Match]) -> dict[str, float]:
    """Mean precision, mean recall and their F1 over pages, as the benchmarks report them."""
    precisions = [m.precision for m in matches if m.tp + m.fp > 0]
    recalls = [m.recall for m in matches if m.tp + m.fn > 0]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r}


@dataclass(frozen=True)
class Extraction:
    text: str
    articles: int
    title: str | None = None


def bare_trafilatura(page: Page) -> Extraction:
    """`trafilatura.bare_extraction` alone, with Newsdesk's options."""
    import trafilatura

    from index.ingest.clean import fix_text

    doc = trafilatura.bare_extraction(page.html(), url=page.url, **OPTIONS)
    if doc is None or isinstance(doc, dict):
        return Extraction("", 0)
    text = doc.text or ""
    return Extraction(text, 1 if text.strip() else 0, fix_text(doc.title) if doc.title else None)


def newsdesk(page: Page, page_title: str | None) -> Extraction:
    """What `index add` keeps of the page, fetched from its URL; `page_title` is trafilatura's
    (cleaned) title of the page, the one title that is not body text."""
    from index.ingest.html import parse_html

    articles = parse_html(page.html(), source=page.url, url=page.url)
    parts = [a.text if a.title == page_title else f"{a.title}\n\n{a.text}" for a in articles]
    return Extraction("\n\n".join(parts), len(articles))
