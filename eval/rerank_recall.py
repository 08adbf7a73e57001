"""Does the cross-encoder's choice of passages put the answer among the three an answer reads?

    .venv/bin/python eval/rerank_recall.py [--questions eval/dev.jsonl ...] [--pools 3 6 8 10]
        [--data-dir data/eval-train]

For every answerable question of the dev sets, the retriever's best passages (the pool; at most
two per article, as the answering path asks) are reordered by the MS MARCO cross-encoder
(`bot.engine.rerank`), and the best three are checked for an expected answer. A pool of 3 is the
retriever's own choice. Prints one row per pool. Dev splits only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.relevance import MsMarcoRelevance  # noqa: E402
from bot.engine.rerank import Reranked  # noqa: E402
from newsdesk.app import App  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

READ = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    dev = [REPO / "eval" / f"{name}.jsonl" for name in ("dev", "dev2", "people_dev")]
    parser.add_argument("--questions", type=Path, nargs="+", default=dev)
    parser.add_argument("--pools", type=int, nargs="+", default=[3, 6, 8, 10])
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "eval-train")
    args = parser.parse_args()
    if any("test" in path.name for path in args.questions):
        parser.error("measure on the dev splits only")
    app = App(Settings(data_dir=args.data_dir))
    relevance = MsMarcoRelevance(threads=app.settings.embed_threads)
    searches = {
        pool: Reranked(app.retriever, relevance.score_passages, pool) for pool in args.pools
    }
    print("| pool | " + " | ".join(path.stem for path in args.questions) + " |")
    print("|---" * (len(args.questions) + 1) + "|")
    found = {pool: [0] * len(args.questions) for pool in args.pools}
    totals = [0] * len(args.questions)
    for i, path in enumerate(args.questions):
        for line in path.read_text().splitlines():
            q = json.loads(line)
            if not q["answerable"]:
                continue
            totals[i] += 1
            wanted = [e.casefold() for e in q["expected"]]
            for pool, search in searches.items():
                hits = search.search(q["question"], READ)
                text = " ".join(h.chunk.text for h in hits).casefold()
                found[pool][i] += any(e in text for e in wanted)
    for pool in args.pools:
        cells = " | ".join(f"{n}/{t}" for n, t in zip(found[pool], totals, strict=True))
        print(f"| {pool} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
