"""Print BBC `train.csv` articles as numbered sentences, as the chunker splits them.

    python eval/reader/show.py ROW [ROW ...]

What the writers of `people.jsonl` and `../summary_keyfacts_train.jsonl` read (their briefs:
`people_brief.txt`, `../summary_keyfacts_brief.txt`); a question's `sentence` is the number shown.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.reader.corpus import read_rows, sentences


def main(argv: list[str]) -> int:
    rows = {r.row: r for r in read_rows("train.csv")}
    for arg in argv:
        row = rows[int(arg)]
        print(f"=== row {row.row} ({row.category}) TITLE: {row.title}")
        for i, sentence in enumerate(sentences(row.body)):
            print(f"[{i}] {sentence}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
