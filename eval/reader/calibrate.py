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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.answer import number_sources  # noqa: E402
from bot.engine.coverage import question_features  # noqa: E402
from bot.engine.evidence import Evidence, Weights  # noqa: E402
from bot.engine.reader import OnnxReader  # noqa: E402
from newsdesk.app import build_searching_app  # noqa: E402
from newsdesk.evaluate import EvalQuestion, load_questions  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

GRID = [round(0.02 * i, 2) for i in range(0, 50)]


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
    reader = OnnxReader(args.reader)
    rows: list[Row] = []
    for q in questions:
        hits = app.retriever.search(q.question)
        numbered = number_sources(hits, [])
        titles = {s.n: s.title for s in numbered.sources}
        ranked = evidence.candidates(q.question, numbered.passages, titles) if hits else []
        ok = bool(ranked) and evidence.is_answerable(question_features(q.question, hits, ranked))
        scores = reader.score(q.question, [(titles[c.n], c.text) for c in ranked])
        rows.append(Row(q, ok, [c.text for c in ranked], [float(s) for s in scores]))
    head = f"{'t':>5} {'CB':>6} {'quote acc':>9} {'false ref':>9} {'near':>5} {'ooc':>5}"
    print(f"{'variant':58} {head}")
    print(f"{'shipped ranker + answerability':58} {'':>5} {_rates([r.shipped() for r in rows])}")
    for name, pick in VARIANTS.items():
        best = max(GRID, key=lambda t: _behaved([pick(r, t) for r in rows]))
        print(f"{name:58} {best:5.2f} {_rates([pick(r, best) for r in rows])}")
    return 0


@dataclass(frozen=True)
class Row:
    """One dev question: the shipped decision, the ranked sentences and the reader's scores."""

    q: EvalQuestion
    shipped_ok: bool
    ranked: list[str]
    scores: list[float]

    def shipped(self) -> Outcome:
        return self.q, self.shipped_ok, self.ranked[0] if self.ranked else ""

    def read(self, top: int) -> tuple[float, str]:
        """The reader's best score and sentence among the ranker's `top` (0: all)."""
        pool = list(zip(self.scores, self.ranked, strict=True))[: top or None]
        return max(pool, default=(0.0, ""))


Outcome = tuple[EvalQuestion, bool, str]
VARIANTS: dict[str, Callable[[Row, float], Outcome]] = {
    "reader alone (all sentences)": lambda r, t: (r.q, r.read(0)[0] >= t, r.read(0)[1]),
    "reader re-ranks the ranker's top 5, reader threshold": lambda r, t: (
        r.q,
        r.read(5)[0] >= t,
        r.read(5)[1],
    ),
    "shipped quote, shipped answerability + reader veto": lambda r, t: (
        r.q,
        r.shipped_ok and r.read(5)[0] >= t,
        r.shipped()[2],
    ),
    "reader re-ranks top 5, shipped answerability + reader veto": lambda r, t: (
        r.q,
        r.shipped_ok and r.read(5)[0] >= t,
        r.read(5)[1],
    ),
}


def _right(q: EvalQuestion, answered: bool, text: str) -> bool:
    return answered and any(e.casefold() in text.casefold() for e in q.expected)


def _behaved(outcomes: list[Outcome]) -> int:
    return sum(_right(*o) if o[0].answerable else not o[1] for o in outcomes)


def _rates(outcomes: list[Outcome]) -> str:
    answerable = [o for o in outcomes if o[0].answerable]
    n = max(1, len(answerable))

    def refused(kind: str) -> str:
        group = [o for o in outcomes if o[0].type == kind]
        return f"{sum(not a for _, a, _ in group) / max(1, len(group)):5.2f}"

    return (
        f"{_behaved(outcomes) / len(outcomes):6.3f} {sum(_right(*o) for o in answerable) / n:9.3f} "
        f"{sum(not a for _, a, _ in answerable) / n:9.3f} {refused('near-miss')} "
        f"{refused('out-of-corpus')}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
