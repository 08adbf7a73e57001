"""Fit the evidence ranker and the answerability model on the generated questions, at scale.

    .venv/bin/python eval/fit_at_scale.py [--data-dir data/eval-train] [--out FILE]

`eval/fit_evidence.py` fits both models on the dev split's 55 answerable questions. This fits the
same models (same features, same fitting code) on the model-written questions of
`eval/reader/questions.jsonl` instead, over the same index (BBC train.csv + samples), and uses dev
only to calibrate: the answerability threshold (dev false refusals at most `MAX_FALSE_REFUSALS`)
and the quote margin. The examples:

- ranker: each train.csv question's candidates; the sentences holding its answer are positives;
- answerability, answerable: a train.csv question whose answer is in the retrieved sentences;
- answerability, near miss: the same question with every sentence holding the answer taken out
  of the ranked evidence (the topic is retrieved, the fact is not);
- answerability, out of corpus: a val.csv question (val.csv is not indexed), unless the index
  holds a copy of its story (the best hit has the same title).

Candidate features are cached in `data/fit-cache.npz`-style pickles keyed by the question file's
hash, so re-fitting after a change to the fitting only takes seconds. Never run on the test split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.coverage import question_features  # noqa: E402
from bot.engine.evidence import QUESTION_FEATURES, SENTENCE_FEATURES, Evidence, Weights  # noqa: E402
from eval.fit_evidence import (  # noqa: E402
    RECHECK_BELOW,
    Array,
    fit_logistic,
    fit_ranker,
    has_answer,
    pick_quote_margin,
    pick_threshold,
    retrieved_candidates,
)
from eval.reader.corpus import read_rows  # noqa: E402
from newsdesk.app import App  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

GENERATED = REPO / "eval" / "reader" / "questions.jsonl"
DEV = REPO / "eval" / "dev.jsonl"


def generated_questions() -> list[dict[str, object]]:
    """The kept model-written questions, as eval questions (expected = the answer span)."""
    titles = {(f, r.row): r.title for f in ("train.csv", "val.csv") for r in read_rows(f)}
    out = []
    for line in GENERATED.read_text("utf-8").splitlines():
        q = json.loads(line) if line.strip() else {}
        if "question" in q:
            key = (str(q["file"]), int(q["row"]))
            out.append(
                {
                    "question": q["question"],
                    "expected": [q["answer"]],
                    "answerable": q["file"] == "train.csv",
                    "title": titles[key],
                    "origin": q["file"],
                }
            )
    return out


def candidate_rows(app: App, questions: list[dict], cache: Path) -> list[tuple]:
    """(question, hits, candidates, features, labels) per question, cached on disk."""
    if cache.exists():
        return list(pickle.loads(cache.read_bytes()))
    neutral = Weights((1.0,) + (0.0,) * (len(SENTENCE_FEATURES) - 1), (0.0,) * 7, 0.5, 0.0)
    scorer = Evidence(app.embedder.embed, neutral)
    rows = []
    for i, q in enumerate(questions):
        hits, found = retrieved_candidates(app, scorer, str(q["question"]))
        x = np.array([c.features for c in found], dtype=np.float64).reshape(
            -1, len(SENTENCE_FEATURES)
        )
        y = np.array([bool(q["answerable"]) and has_answer(q["expected"], c.text) for c in found])
        rows.append((q, hits, found, x, y.astype(float)))
        if (i + 1) % 200 == 0:
            print(f"{i + 1}/{len(questions)} questions read", flush=True)
    cache.write_bytes(pickle.dumps(rows))
    return rows


def answerability_examples(rows: list[tuple], ranker: Array) -> tuple[Array, Array]:
    """Question features and labels: answerable, near miss (answer taken out), out of corpus."""
    feats, labels = [], []
    for q, hits, found, x, y in rows:
        if not hits:
            continue
        scores = x @ ranker
        ranked = [
            replace(found[i], score=float(scores[i])) for i in np.argsort(-scores, kind="stable")
        ]
        if q["answerable"]:
            if not y.any():
                continue  # the answer was not retrieved: neither example is what it claims
            feats.append(question_features(str(q["question"]), hits, ranked))
            labels.append(1.0)
            rest = [c for c in ranked if not has_answer(q["expected"], c.text)]
            if rest:
                feats.append(question_features(str(q["question"]), hits, rest))
                labels.append(0.0)
        elif hits[0].article.title.casefold() != str(q["title"]).casefold():
            feats.append(question_features(str(q["question"]), hits, ranked))
            labels.append(0.0)
    return np.array(feats), np.array(labels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "eval-train")
    parser.add_argument("--out", type=Path, default=REPO / "bot" / "engine" / "evidence.json")
    args = parser.parse_args()
    app = App(Settings(data_dir=args.data_dir))
    questions = generated_questions()
    digest = hashlib.sha256(GENERATED.read_bytes()).hexdigest()[:12]
    rows = candidate_rows(app, questions, args.data_dir / f"fit-generated-{digest}.pickle")
    groups = [(x, y) for q, _, _, x, y in rows if q["answerable"] and len(y)]
    print(f"generated: {len(questions)} questions, {len(groups)} ranker groups")
    ranker = fit_ranker(groups)
    fx, fy = answerability_examples(rows, ranker)
    print(f"answerability examples: {int(fy.sum())} answerable, {int((fy == 0).sum())} not")
    answerable = fit_logistic(fx, fy)
    dev = [json.loads(line) for line in DEV.read_text().splitlines() if line]
    dev_rows = candidate_rows(app, dev, args.data_dir / "fit-dev.pickle")
    threshold, margin = calibrate_on_dev(dev, dev_rows, ranker, answerable)
    shipped = Weights.load()
    for name, (r, a, t) in {
        "shipped (fitted on dev)": (shipped.ranker, shipped.answerable, shipped.threshold),
        "fitted on generated, calibrated on dev": (ranker, answerable, threshold),
    }.items():
        print(f"{name:40} {dev_report(dev_rows, np.array(r), np.array(a), t)}")
    out = {
        "fitted_on": f"{GENERATED.name} ({len(questions)} questions); calibrated on {DEV.name}",
        "sentence_features": list(SENTENCE_FEATURES),
        "ranker": [round(float(v), 4) for v in ranker],
        "question_features": list(QUESTION_FEATURES),
        "answerable": [round(float(v), 4) for v in answerable],
        "threshold": round(threshold, 4),
        "quote_margin": round(margin, 4),
        "embedder": app.embedder.name,
        "recheck_below": RECHECK_BELOW,
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def calibrate_on_dev(
    dev: list[dict], rows: list[tuple], ranker: Array, answerable: Array
) -> tuple[float, float]:
    """The answerability threshold and the quote margin, chosen on dev as `fit_evidence` does."""
    probs, labels, quotable = [], [], []
    for q, hits, found, x, _ in rows:
        if not hits:
            continue
        scores = x @ ranker
        ranked = [
            replace(found[i], score=float(scores[i])) for i in np.argsort(-scores, kind="stable")
        ]
        f = np.array(question_features(q["question"], hits, ranked))
        probs.append(1 / (1 + np.exp(-(f @ answerable[1:] + answerable[0]))))
        labels.append(float(q["answerable"]))
        if q["answerable"] and ranked:
            quotable.append((q, ranked))
    threshold = pick_threshold(np.array(probs), np.array(labels), dev, rows)
    margin = pick_quote_margin(quotable, sum(q["answerable"] for q in dev))
    return threshold, margin


def dev_report(rows: list[tuple], ranker: Array, answerable: Array, threshold: float) -> str:
    """Quote-only behaviour on dev: the best sentence is the answer when answerable."""
    good = right = answerable_n = 0
    refused: dict[str, list[bool]] = {}
    for q, hits, found, x, _ in rows:
        decided = False
        top = ""
        if hits and len(found):
            scores = x @ ranker
            order = np.argsort(-scores, kind="stable")
            ranked = [replace(found[i], score=float(scores[i])) for i in order]
            f = np.array(question_features(q["question"], hits, ranked))
            decided = 1 / (1 + np.exp(-(f @ answerable[1:] + answerable[0]))) >= threshold
            top = ranked[0].text
        refused.setdefault(str(q.get("type")), []).append(not decided)
        if q["answerable"]:
            answerable_n += 1
            hit = bool(decided) and has_answer(q["expected"], top)
            right += hit
            good += hit
        else:
            good += not decided
    rates = {k: f"{sum(v) / len(v):.2f}" for k, v in refused.items() if k != "None"}
    return f"CB {good / len(rows):.3f}, quote accuracy {right / answerable_n:.3f}, refused {rates}"


if __name__ == "__main__":
    raise SystemExit(main())
