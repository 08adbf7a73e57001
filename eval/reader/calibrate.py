"""Score a trained reader on the dev split against the shipped evidence ranker (no model calls).

    python eval/reader/calibrate.py --reader data/reader/reader.onnx [--questions eval/dev.jsonl]

Every dev question goes through the answering path's own retrieval. The reader scores every
sentence of the retrieved passages; the answer it would quote is its best sentence when that scores
at least a threshold, a refusal otherwise. For each threshold it prints correct behaviour
(answerable questions quoted right, the others refused), quote accuracy and false refusals, and
the same for the shipped ranker and answerability model beside it. It refuses the test split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.answer import number_sources  # noqa: E402
from bot.engine.coverage import question_features  # noqa: E402
from bot.engine.evidence import Evidence, Weights  # noqa: E402
from eval.reader.onnx_reader import Reader  # noqa: E402
from newsdesk.app import build_searching_app  # noqa: E402
from newsdesk.evaluate import EvalQuestion, load_questions  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

GRID = [round(0.04 * i, 2) for i in range(1, 25)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, default=ROOT / "data" / "reader" / "reader.onnx")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "dev.jsonl")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "eval-train")
    args = parser.parse_args(argv)
    if "test" in args.questions.name:
        parser.error("tune on the dev split only; the test split is for reporting")
    questions = load_questions(args.questions)
    app = build_searching_app(Settings(data_dir=args.data_dir))
    evidence = Evidence(app.embedder.embed, Weights.load())
    reader = Reader(args.reader)
    read, ranked_by = [], []
    for q in questions:
        hits = app.retriever.search(q.question)
        numbered = number_sources(hits, [])
        titles = {s.n: s.title for s in numbered.sources}
        ranked = evidence.candidates(q.question, numbered.passages, titles) if hits else []
        ok = bool(ranked) and evidence.is_answerable(question_features(q.question, hits, ranked))
        ranked_by.append((q, ok, ranked[0].text if ranked else ""))
        scores = reader.score(q.question, [(titles[c.n], c.text) for c in ranked])
        best = max(zip(scores, (c.text for c in ranked)), default=(0.0, ""))
        read.append((q, float(best[0]), best[1]))
    for t in GRID:
        row = _rates([(q, s >= t, text) for q, s, text in read])
        print(f"reader threshold {t:.2f}: {row}")
    print(f"shipped ranker + answerability: {_rates(ranked_by)}")
    return 0


def _rates(outcomes: list[tuple[EvalQuestion, bool, str]]) -> str:
    answerable = [(q, a, t) for q, a, t in outcomes if q.answerable]
    right = sum(
        a and any(e.casefold() in t.casefold() for e in q.expected) for q, a, t in answerable
    )
    refused = sum(not a for _, a, _ in answerable)
    behaved = right + sum(not a for q, a, _ in outcomes if not q.answerable)
    n = max(1, len(answerable))
    return (
        f"correct behaviour {behaved / len(outcomes):.3f}, quote accuracy {right / n:.3f}, "
        f"false refusals {refused / n:.3f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
