"""A trained reader as a veto inside the real answering path, simulated exactly (dev splits only).

    .venv/bin/python eval/reader/veto_in_path.py --reader data/reader/reader-squad2.onnx \
        [--questions eval/dev.jsonl eval/dev2.jsonl] [--data-dir data/eval-train] \
        [--prompts eval/prompts/verbatim] [--save results.json]

Runs `newsdesk eval` on each question file as shipped, recording for every question the reader's
best score over the five evidence sentences the model would see. A veto ("a near miss when the
reader's best score is under t") would act before the model is called, so each question's outcome
under it is exact: a vetoed question is refused, every other one ends as it did. Prints correct
behaviour per file and over all, accuracy, false refusals and refusals per kind, for a grid of t.
`--prompts DIR` answers with the templates in DIR in place of the shipped ones of the same name
(a prompt variant, tried on dev without editing `prompts/`); `--save` keeps the results.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import string
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine import answer  # noqa: E402
from bot.engine.evidence import Candidate  # noqa: E402
from bot.engine.reader import OnnxReader  # noqa: E402
from index.models import Retrieved  # noqa: E402
from prompts import fill  # noqa: E402

GRID = (0.0, 0.02, 0.04, 0.06, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
SHOWN = 5


def use_prompts(folder: Path) -> None:
    """The answer path renders the templates in `folder` in place of the shipped ones."""
    shipped = answer.render
    variants = {
        path.stem: string.Template(path.read_text(encoding="utf-8"))
        for path in folder.glob("*.txt")
    }

    def render(name: str, **variables: str) -> str:
        if name not in variants:
            return shipped(name, **variables)
        return fill(variants[name], name, **variables)

    answer.render = render


def recorded_eval(path: Path, reader: OnnxReader) -> list[dict[str, Any]]:
    """`newsdesk eval --json` results for `path`, each with the reader's best score ("reader")."""
    from newsdesk.cli import app as cli

    scores: dict[str, float] = {}
    features = answer.question_features

    def scored(question: str, hits: Sequence[Retrieved], ranked: Sequence[Candidate]) -> Any:
        titles = {s.n: s.title for s in answer.number_sources(hits, []).sources}
        top = [(titles.get(c.n, ""), c.text) for c in ranked[:SHOWN]]
        scores[question] = float(max(reader.score(question, top), default=0.0))
        return features(question, hits, ranked)

    answer.question_features = scored
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            cli(["eval", str(path), "--json"])
    finally:
        answer.question_features = features
    results: list[dict[str, Any]] = json.loads(out.getvalue())["results"]
    for r in results:
        r["reader"] = scores.get(r["question"]["question"])
    return results


def right(r: dict[str, Any], t: float) -> bool:
    vetoed = r["reader"] is not None and r["reader"] < t
    return (
        bool(r["correct"] and not vetoed) if r["question"]["answerable"] else r["refused"] or vetoed
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, default=ROOT / "data/reader/reader-squad2.onnx")
    parser.add_argument("--questions", type=Path, nargs="+", default=[ROOT / "eval/dev.jsonl"])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data/eval-train")
    parser.add_argument("--prompts", type=Path, help="Answer with these templates instead.")
    parser.add_argument("--save", type=Path, help="Write the recorded results here (JSON).")
    args = parser.parse_args()
    if any("test" in q.name for q in args.questions):
        parser.error("tune on the dev splits only; the test splits are for reporting")
    os.environ["NEWSDESK_DATA_DIR"] = str(args.data_dir)
    os.environ["NEWSDESK_READER_VETO"] = "0"  # the shipped veto off: this script applies each t
    reader = OnnxReader(args.reader, threads=1)
    if args.prompts:
        use_prompts(args.prompts)
    runs = {q.name: recorded_eval(q, reader) for q in args.questions}
    if args.save:
        args.save.write_text(json.dumps(runs), encoding="utf-8")
    rows = [r for results in runs.values() for r in results]
    answerable = [r for r in rows if r["question"]["answerable"]]
    names = " | ".join(runs)
    print(
        f"| veto below | {names} | all | accuracy | false refusals | near misses | out of corpus |"
    )
    print("|---" * (len(runs) + 6) + "|")
    for t in GRID:
        per = " | ".join(f"{sum(right(r, t) for r in rs) / len(rs):.3f}" for rs in runs.values())
        refused = [r for r in answerable if r["refused"] or (r["reader"] or 0.0) < t]

        def kind(name: str, t: float = t) -> str:
            group = [r for r in rows if r["question"]["type"] == name]
            return f"{sum(right(r, t) for r in group) / max(1, len(group)):.3f}"

        print(
            f"| {t} | {per} | {sum(right(r, t) for r in rows) / len(rows):.3f} "
            f"| {sum(right(r, t) for r in answerable) / len(answerable):.3f} "
            f"| {len(refused) / len(answerable):.3f} "
            f"| {kind('near-miss')} | {kind('out-of-corpus')} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
