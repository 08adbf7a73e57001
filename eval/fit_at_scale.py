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

Candidate features are cached as pickles in the data directory, keyed by the questions and the
code that computes the features, so re-fitting after a change to the fitting only takes seconds.
Never run on the test split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.coverage import question_features  # noqa: E402
from bot.engine.evidence import Weights  # noqa: E402
from eval.fit_evidence import (  # noqa: E402
    Array,
    Row,
    candidate_rows,
    fit_logistic,
    fit_ranker,
    has_answer,
    pick_quote_margin,
    pick_threshold,
    probability,
    rerank,
    write_weights,
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


FEATURE_CODE = [REPO / "bot" / "engine" / f for f in ("evidence.py", "coverage.py", "text.py")]


def cached_rows(app: App, questions: list[dict], data_dir: Path, name: str) -> list[Row]:
    """`candidate_rows`, kept on disk under a key of the questions and the feature code."""
    key = hashlib.sha256(json.dumps(questions, sort_keys=True).encode())
    for path in FEATURE_CODE:
        key.update(path.read_bytes())
    cache = data_dir / f"fit-{name}-{key.hexdigest()[:12]}.pickle"
    if cache.exists():
        return list(pickle.loads(cache.read_bytes()))
    rows = candidate_rows(app, questions, progress=200)
    cache.write_bytes(pickle.dumps(rows))
    return rows


def answerability_examples(rows: list[tuple], ranker: Array) -> tuple[Array, Array]:
    """Question features and labels: answerable, near miss (answer taken out), out of corpus."""
    feats, labels = [], []
    for q, hits, found, x, y in rows:
        if not hits:
            continue
        ranked = rerank(found, x, ranker)
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
    rows = cached_rows(app, questions, args.data_dir, "generated")
    groups = [(x, y) for q, _, _, x, y in rows if q["answerable"] and len(y)]
    print(f"generated: {len(questions)} questions, {len(groups)} ranker groups")
    ranker = fit_ranker(groups)
    fx, fy = answerability_examples(rows, ranker)
    print(f"answerability examples: {int(fy.sum())} answerable, {int((fy == 0).sum())} not")
    answerable = fit_logistic(fx, fy)
    dev = [json.loads(line) for line in DEV.read_text().splitlines() if line]
    dev_rows = cached_rows(app, dev, args.data_dir, "dev")
    threshold, margin = calibrate_on_dev(dev, dev_rows, ranker, answerable)
    shipped = Weights.load()
    for name, (r, a, t) in {
        "shipped (fitted on dev)": (shipped.ranker, shipped.answerable, shipped.threshold),
        "fitted on generated, calibrated on dev": (ranker, answerable, threshold),
    }.items():
        print(f"{name:40} {dev_report(dev_rows, np.array(r), np.array(a), t)}")
    fitted_on = f"{GENERATED.name} ({len(questions)} questions); calibrated on {DEV.name}"
    write_weights(args.out, fitted_on, (ranker, answerable, threshold, margin), app.embedder.name)
    return 0


def calibrate_on_dev(
    dev: list[dict], rows: list[tuple], ranker: Array, answerable: Array
) -> tuple[float, float]:
    """The answerability threshold and the quote margin, chosen on dev as `fit_evidence` does."""
    probs, labels, quotable = [], [], []
    for q, hits, found, x, _ in rows:
        if not hits:
            continue
        ranked = rerank(found, x, ranker)
        features = np.array(question_features(q["question"], hits, ranked))
        probs.append(probability(features, answerable))
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
            ranked = rerank(found, x, ranker)
            f = np.array(question_features(q["question"], hits, ranked))
            decided = bool(probability(f, answerable) >= threshold)
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
