"""Summaries in the key-fact tagger's order against the lead and the salience model.

    .venv/bin/python eval/keyfacts/evaluate.py [--tagger data/keyfacts/keyfacts.onnx]

Two article sets, neither of which the tagger was trained on: the tenth of the 480 training
articles it left out (`data.held_out`, 48 articles) and the 22 dev articles of
`eval/summary_keyfacts.jsonl` (which the salience model was fitted on, so its dev figure is in
sample). Each summary is the shipped extractive path (`extractive_summary`, the default budget);
coverage and compression as in `bench/summary_bench.py`. Also printed: what round 15 tried and did
not ship, summaries of the tagger's word spans instead of whole sentences (`span_summary`). Never
run on the test split.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.bullets import article_sentences  # noqa: E402
from bot.engine.salience import default_salience  # noqa: E402
from bot.engine.summarise import extractive_summary  # noqa: E402
from bot.engine.text import NUMBER, stems  # noqa: E402
from eval.keyfacts.data import FACTS, article_id, held_out, load  # noqa: E402
from eval.keyfacts.tagger import (  # noqa: E402
    TRAINED,
    KeyFactTagger,
    TaggedOrder,
    context_text,
)
from newsdesk.summary_eval import compression, coverage  # noqa: E402

DEV = ROOT / "eval" / "summary_keyfacts.jsonl"
# The span summaries tried: words from the first to the last at or over THRESHOLD, spans taken
# by their mean probability plus 1 / (1 + place) until SHARE of the article, at most SPANS.
THRESHOLD, SHARE, SPANS, MIN_WORDS = 0.12, 0.27, 6, 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tagger", type=Path, default=TRAINED, help="make train-keyfacts' output")
    args = parser.parse_args()
    tagger = KeyFactTagger(args.tagger, threads=2)
    train = load(FACTS, ["train"])
    held = held_out(article_id(f) for f, _, _ in train)
    sets = {
        "held out of training (48)": [a for a in train if article_id(a[0]) in held],
        "dev (22)": load(DEV, ["dev"]),
    }
    orders = {"lead": None, "salience": default_salience(), "tagger": TaggedOrder(lambda: tagger)}
    print("| summaries | " + " | ".join(sets) + " |\n|---|" + "---|" * len(sets))
    for label, order in orders.items():
        cells = []
        for items in sets.values():
            made = [
                (f.facts, text, extractive_summary(text, salience=order, title=title))
                for f, title, text in items
            ]
            cells.append(_scored(made))
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for items in sets.values():
        made = [(f.facts, text, span_summary(tagger, title, text)) for f, title, text in items]
        cells.append(_scored(made))
    print("| tagger spans (tried) | " + " | ".join(cells) + " |")
    return 0


def _scored(made: Sequence[tuple[Sequence[str], str, str]]) -> str:
    cov = statistics.mean(coverage(facts, summary) for facts, _, summary in made)
    comp = statistics.mean(compression(summary, text) for _, text, summary in made)
    return f"{cov:.3f} @ {comp:.3f}"


def span_summary(tagger: KeyFactTagger, title: str, text: str) -> str:
    """Bullets of word spans: in each sentence the words from the first to the last likely one."""
    tok = tagger.tokenizer
    sentences = article_sentences(text)
    probs = tagger.token_probabilities(title, sentences)
    spans = []
    for i, (sentence, p) in enumerate(zip(sentences, probs, strict=True)):
        enc = tok.encode(context_text(i, title), sentence)
        offsets = [o for o, seq in zip(enc.offsets, enc.sequence_ids) if seq == 1]
        likely = [o for o, q in zip(offsets, p, strict=True) if q >= THRESHOLD]
        if not likely:
            continue
        start, end = likely[0][0], likely[-1][1]
        while start > 0 and not sentence[start - 1].isspace():
            start -= 1
        while end < len(sentence) and not sentence[end].isspace():
            end += 1
        words = sentence[start:end].strip(" ,;:-–—(\"“'").split()
        inside = [q for o, q in zip(offsets, p, strict=True) if start <= o[0] < end]
        if len(words) >= MIN_WORDS:
            spans.append((sum(inside) / len(inside) + 1 / (1 + i), i, " ".join(words)))
    chosen: dict[int, str] = {}
    said: set[str] = set()
    used = 0
    for _, i, span in sorted(spans, key=lambda s: (-s[0], s[1])):
        terms = stems(span) | {m.group() for m in NUMBER.finditer(span)}
        if len(chosen) == SPANS or (chosen and used + len(span) + 2 > SHARE * len(text)):
            continue
        if terms and len(terms & said) >= 0.7 * len(terms):
            continue
        chosen[i] = span
        said |= terms
        used += len(span) + 2
    return "\n".join(f"- {chosen[i]} [1]" for i in sorted(chosen))


if __name__ == "__main__":
    raise SystemExit(main())
