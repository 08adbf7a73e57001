"""Split the summary key-fact set and the topic-digest set once, at random, into dev and test.

    python eval/split_summaries.py    # rewrites the `split` field of both files in place

`summary_keyfacts.jsonl` (43 BBC `val.csv` articles) is split within each category; the topics of
`digest_topics.jsonl` (22) are split as one cell. Within a cell the sorted keys are shuffled with a
fixed seed and cut in half, an odd cell giving its extra item to dev and test in turn. The
assignment depends only on the seed and the keys (article row, topic id), so re-running it after
fixing a dev item reproduces the same split. Tune on dev; report test.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

SEED = 20261206
HERE = Path(__file__).parent
FILES = {"summary_keyfacts.jsonl": ("category", "row"), "digest_topics.jsonl": (None, "id")}


def assign(items: list[dict[str, object]], cell_key: str | None, key: str) -> None:
    cells: dict[str, list[str]] = defaultdict(list)
    for item in items:
        cells[str(item[cell_key]) if cell_key else ""].append(str(item[key]))
    rng = random.Random(SEED)
    split: dict[str, str] = {}
    extra_to_dev = True
    for cell in sorted(cells):
        keys = sorted(cells[cell])
        rng.shuffle(keys)
        half = len(keys) // 2
        if len(keys) % 2:
            half += extra_to_dev
            extra_to_dev = not extra_to_dev
        split.update({k: "dev" for k in keys[:half]} | {k: "test" for k in keys[half:]})
    for item in items:
        item["split"] = split[str(item[key])]


def main() -> int:
    for name, (cell_key, key) in FILES.items():
        path = HERE / name
        items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        assign(items, cell_key, key)
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
        counts = {s: sum(i["split"] == s for i in items) for s in ("dev", "test")}
        print(f"{name}: {counts['dev']} dev, {counts['test']} test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
