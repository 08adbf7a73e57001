"""Salience fitted at scale: cross-validated over the key facts of 480 `train.csv` articles.

    .venv/bin/python eval/salience_cv.py

`eval/summary_keyfacts_train.jsonl` holds 5–8 key facts for each of 480 BBC `train.csv` articles
(none that an evaluation question uses), written the way the dev and test key facts were. Four
folds: each fold's articles are summarised by the extractive path (`extractive_summary`, the
shipped budget) with a salience model fitted on the other three, and scored like the benchmark
(`summary_eval.coverage`). Models: the lead (article order), the shipped weights (fitted on the
22 dev articles), the five text features refitted, and the five plus the sentence's MiniLM vector
(its cosine to the article's mean vector and to the first sentence, and the 384 dimensions).
Each is then fitted on all 480 and scored on the dev key facts. Never run on the test split.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.bullets import article_sentences  # noqa: E402
from bot.engine.salience import Salience, sentence_features  # noqa: E402
from bot.engine.summarise import extractive_summary  # noqa: E402
from eval.fit_evidence import fit_logistic  # noqa: E402
from index.embed import MiniLmEmbedder  # noqa: E402
from index.ingest.load import load_source  # noqa: E402
from newsdesk.summary_eval import compression, coverage, fact_covered, load_facts  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "bbc"
FOLDS = 4
L2 = 0.1


class Fitted:
    """A logistic model's order over an article's sentences (the first one always first)."""

    def __init__(self, w: np.ndarray, vectors: dict[str, np.ndarray] | None) -> None:
        self.w, self.vectors = w, vectors

    def order(self, sentences: Sequence[str]) -> list[int]:
        if not sentences:
            return []
        s = self.w[0] + features(list(sentences), self.vectors) @ self.w[1:]
        return [0, *sorted(range(1, len(sentences)), key=lambda i: (-s[i], i))]


def features(sentences: list[str], vectors: dict[str, np.ndarray] | None) -> np.ndarray:
    base = np.array(sentence_features(sentences))
    if vectors is None:
        return base
    v = np.array([vectors[s] for s in sentences])
    mean = v.mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-12)
    return np.hstack([base, (v @ mean)[:, None], (v @ v[0])[:, None], v])


def scored(model: object, articles: list[tuple[tuple[str, ...], str]]) -> tuple[float, float]:
    """Mean key-fact coverage and compression of the extractive summaries in `model`'s order
    (any object with `order(sentences)`, like `Salience`; None: the lead)."""
    covered, ratio = [], []
    for facts, text in articles:
        summary = extractive_summary(text, salience=model)  # type: ignore[arg-type]
        covered.append(coverage(facts, summary))
        ratio.append(compression(summary, text))
    return round(statistics.mean(covered), 3), round(statistics.mean(ratio), 3)


def main() -> int:
    docs = {
        f: load_source(str(CORPUS / f), max_bytes=1 << 30, timeout=10)
        for f in ("train.csv", "val.csv")
    }
    train = [
        (k.facts, docs["train.csv"][k.row].text)
        for k in load_facts(REPO / "eval/summary_keyfacts_train.jsonl")
    ]
    dev = [
        (k.facts, docs["val.csv"][k.row].text)
        for k in load_facts(REPO / "eval/summary_keyfacts.jsonl")
        if k.split == "dev"
    ]
    # keyed by the text object: two rows of train.csv share a body but not their key facts
    sentences = {id(t): [s for s in article_sentences(t) if s] for _, t in train + dev}
    embedder = MiniLmEmbedder(threads=2)
    every = sorted({s for ss in sentences.values() for s in ss})
    vectors = dict(zip(every, embedder.embed(every), strict=True))
    labels = {
        id(t): np.array([any(fact_covered(f, [s]) for f in facts) for s in sentences[id(t)]], float)
        for facts, t in train
    }
    print(f"{len(train)} train articles, {sum(len(v) for v in labels.values())} sentences")

    def fit(
        articles: list[tuple[tuple[str, ...], str]], vec: dict[str, np.ndarray] | None
    ) -> Fitted:
        x = np.vstack([features(sentences[id(t)], vec) for _, t in articles])
        return Fitted(
            fit_logistic(x, np.concatenate([labels[id(t)] for _, t in articles]), L2), vec
        )

    folds = [train[k::FOLDS] for k in range(FOLDS)]
    print(f"{'model':<34} {'4-fold CV (train)':<20} dev")
    print(f"{'lead':<34} {scored(None, train)!s:<20} {scored(None, dev)}")
    print(
        f"{'shipped (fitted on dev)':<34} {scored(Salience.load(), train)!s:<20}",
        scored(Salience.load(), dev),
        "(in sample)",
    )
    for name, vec in (("five text features", None), ("+ MiniLM vector", vectors)):
        cv = [
            scored(fit([a for j in range(FOLDS) if j != k for a in folds[j]], vec), folds[k])
            for k in range(FOLDS)
        ]
        mean = (
            round(statistics.mean(c for c, _ in cv), 3),
            round(statistics.mean(r for _, r in cv), 3),
        )
        print(f"{name:<34} {mean!s:<20} {scored(fit(train, vec), dev)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
