"""Candidate figure disagreements in BBC train.csv, for `differ.jsonl` to be picked from by hand.

    .venv/bin/python eval/differ_candidates.py [--train ../shared/corpus/bbc/train.csv]
        [--min-story 0.3] [--min-words 0.3] > candidates.jsonl

Articles on the same story are pairs whose TF-IDF cosine (log-scaled word counts, idf over
train.csv) exceeds --min-story; within a pair, two sentences are candidates when both state a
money amount or a share (`FACT_PATTERNS`) and `same_words` is at least --min-words. Each line says
whether they share a figure ("same": an agreement) or not (a possible disagreement). Every
candidate must still be read: most "disagreements" are different things that look alike.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.text import FACT_PATTERNS, numbers, same_words  # noqa: E402
from eval.differ_eval import TRAIN, train_rows  # noqa: E402

KINDS = ("money", "share")


def story_similarity(texts: list[str]) -> np.ndarray:
    counts = [Counter(re.findall(r"[a-z]{3,}", t.lower())) for t in texts]
    df = Counter(w for c in counts for w in c)
    vocab = {w: i for i, w in enumerate(df)}
    m = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for i, c in enumerate(counts):
        for w, k in c.items():
            m[i, vocab[w]] = (1 + math.log(k)) * math.log(len(texts) / df[w])
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-9
    sim = m @ m.T
    np.fill_diagonal(sim, 0)
    return sim


def sentences(text: str) -> list[tuple[str, dict[str, list[str]]]]:
    out = []
    for s in re.split(r"(?<=[.!?\"])\s+(?=[A-Z\"])", text):
        found = {
            k: [m.group().strip().rstrip(",.") for m in re.finditer(FACT_PATTERNS[k], s, re.I)]
            for k in KINDS
        }
        if any(found.values()):
            out.append((s, found))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--min-story", type=float, default=0.3)
    parser.add_argument("--min-words", type=float, default=0.3)
    args = parser.parse_args()
    texts = train_rows(args.train)
    sim = story_similarity(texts)
    split = [sentences(t) for t in texts]
    for i, j in zip(*np.nonzero(np.triu(sim > args.min_story)), strict=True):
        for a, fa in split[i]:
            for b, fb in split[j]:
                words = same_words(a, b)
                if words < args.min_words:
                    continue
                for kind in KINDS:
                    va = {n for f in fa[kind] for n in numbers(f)}
                    vb = {n for f in fb[kind] for n in numbers(f)}
                    if va and vb:
                        row = {"rows": [int(i), int(j)], "story": round(float(sim[i, j]), 2)}
                        row |= {"words": round(words, 2), "kind": kind, "same": bool(va & vb)}
                        row |= {"figures": [fa[kind], fb[kind]], "sentences": [a, b]}
                        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
