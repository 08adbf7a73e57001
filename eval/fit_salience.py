"""Fit the sentence-salience model of extractive summaries on the DEV split; write its weights.

    .venv/bin/python eval/fit_salience.py [--l2 0.1] [--out bot/engine/salience.json]

For each dev article of `eval/summary_keyfacts.jsonl` (BBC `val.csv`, read at run time) every
sentence the summariser may quote is a sample: its `bot.engine.salience.FEATURES`, and whether it
states one of the article's key facts (`summary_eval.fact_covered`, the benchmark's own test). A
class-balanced logistic regression (`fit_evidence.fit_logistic`) gives the weights. Printed: the
weights, and the key-fact coverage and compression of the extractive summary on dev with the
lead's order, with the fitted order (in sample) and leave-one-article-out (each article
summarised by weights fitted on the other dev articles: the honest estimate). Deterministic.
Never run it on the test split.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.bullets import article_sentences  # noqa: E402
from bot.engine.salience import FEATURES, Salience, sentence_features  # noqa: E402
from bot.engine.summarise import extractive_summary  # noqa: E402
from eval.fit_evidence import fit_logistic  # noqa: E402
from index.ingest.load import load_source  # noqa: E402
from newsdesk.summary_eval import KeyFacts, compression, coverage, fact_covered, load_facts  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "bbc"
Sample = tuple[np.ndarray, np.ndarray]


def labelled(item: KeyFacts, text: str) -> tuple[list[str], np.ndarray]:
    """The article's sentences a summary may quote, and which of them state a key fact."""
    sentences = [s for s in article_sentences(text) if s]
    labels = [any(fact_covered(f, [s]) for f in item.facts) for s in sentences]
    return sentences, np.array(labels, dtype=float)


def samples(item: KeyFacts, text: str) -> Sample:
    """The features of the article's sentences, and which of them state a key fact."""
    sentences, labels = labelled(item, text)
    return np.array(sentence_features(sentences)), labels


def fitted(groups: list[Sample], l2: float) -> Salience:
    w = fit_logistic(np.vstack([x for x, _ in groups]), np.concatenate([y for _, y in groups]), l2)
    return Salience(float(w[0]), tuple(float(v) for v in w[1:]))


def scored(
    items: list[KeyFacts], texts: list[str], models: list[Salience | None]
) -> dict[str, float]:
    pairs = []
    for item, text, model in zip(items, texts, models, strict=True):
        summary = extractive_summary(text, salience=model)
        pairs.append((coverage(item.facts, summary), compression(summary, text)))
    return {
        "coverage": round(statistics.mean(c for c, _ in pairs), 3),
        "compression": round(statistics.mean(r for _, r in pairs), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=REPO / "eval/summary_keyfacts.jsonl")
    parser.add_argument("--l2", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=REPO / "bot/engine/salience.json")
    args = parser.parse_args()
    items = [i for i in load_facts(args.facts) if i.split == "dev"]  # never the test split
    if any(Path(i.file).name == "test.csv" for i in items):
        raise SystemExit("the key facts must not be over test.csv")
    files = {i.file for i in items}
    corpora = {
        f: load_source(str(CORPUS / Path(f).name), max_bytes=1 << 30, timeout=10) for f in files
    }
    texts = [corpora[i.file][i.row].text for i in items]
    groups = [samples(i, t) for i, t in zip(items, texts, strict=True)]
    model = fitted(groups, args.l2)
    held_out = [fitted(groups[:k] + groups[k + 1 :], args.l2) for k in range(len(groups))]
    dev = {
        "lead": scored(items, texts, [None] * len(items)),
        "in_sample": scored(items, texts, [model] * len(items)),
        "leave_one_article_out": scored(items, texts, list(held_out)),
    }
    data = {
        "fitted_on": f"{args.facts.name} (dev: {len(items)} articles, "
        f"{sum(len(y) for _, y in groups)} sentences)",
        "l2": args.l2,
        "features": list(FEATURES),
        "bias": round(model.bias, 4),
        "weights": [round(w, 4) for w in model.weights],
        "dev": dev,
    }
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
