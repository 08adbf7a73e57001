"""Out-of-corpus questions at scale (`questions.jsonl`) in the evaluation format of `dev.jsonl`.

433 questions about topics no `train.csv` article covers, written from `brief.txt` by AI writing
assistants working for us, four domains of about 110 each, without looking at the existing
question sets; `check.py` proves each topic absent from the corpus by its probes. Split once at
random (seed 20261207): a quarter `dev` (held out: `eval/ooc_dev.jsonl`), the rest `train`, which
the answerability model may be fitted on (`eval/fit_evidence.py --ooc-train`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"


def ooc_questions(split: str, path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """The questions of one split as evaluation records (unanswerable, out of corpus)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or (q := json.loads(line))["split"] != split:
            continue
        out.append(
            {
                "id": q["id"],
                "question": q["question"],
                "expected": [],
                "article": None,
                "answerable": False,
                "type": "out-of-corpus",
                "category": None,
                "row": None,
            }
        )
    return out
