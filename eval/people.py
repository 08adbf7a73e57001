"""People's questions (`eval/reader/people.jsonl`) in the evaluation format of `eval/dev.jsonl`.

`split="dev"` gives the held-out quarter as it was first written out (`eval/people_dev.jsonl` is
that, less the near misses found stated elsewhere, which `people.jsonl` marks `"dropped"`);
`split="train"` gives the other three quarters, which the evidence ranker and the answerability
model may be fitted on (`eval/fit_evidence.py --people-train`). Titles come from `train.csv`
(`../shared`), cut as the evaluation's expected-article substring.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.reader.corpus import read_rows

PEOPLE = Path(__file__).resolve().parent / "reader" / "people.jsonl"
TITLE_CHARS = 30
ROUND12 = "p"  # ids `train.csv#ROW#pN`: round 12's batch
ROUND17 = "q"  # ids `train.csv#ROW#qN`: round 17's, appended by `people_batch.py`


def batch_mark(qid: str) -> str:
    """The batch a question's id names: the first letter of its third part ("p", "q")."""
    return qid.split("#")[2][0]


def people_questions(
    split: str, path: Path = PEOPLE, *, rounds: tuple[str, ...] = (ROUND12,)
) -> list[dict[str, Any]]:
    """The questions of one split as evaluation records (a near miss: answerable false).

    `rounds` picks the batches by their id's mark: "p" round 12's (what the shipped evidence
    models were fitted on), "q" round 17's (training questions only)."""
    rows = {r.row: r for r in read_rows("train.csv")}
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or (q := json.loads(line))["split"] != split:
            continue
        if batch_mark(q["id"]) not in rounds:
            continue
        row, near = rows[q["row"]], bool(q.get("near_miss"))
        out.append(
            {
                "id": "p-" + q["id"].split("#", 1)[1].replace("#", "-"),
                "question": q["question"],
                "expected": [] if near else [q["answer"]],
                "article": None if near else row.title[:TITLE_CHARS],
                "answerable": not near,
                "type": "near-miss" if near else q["type"],
                "category": row.category,
                "row": None if near else row.row,
            }
        )
    return out
