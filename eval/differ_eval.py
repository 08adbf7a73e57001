"""A measurement of "Sources differ" (issue 20) on real BBC disagreements: not a fit.

    NEWSDESK_N_THREADS=1 NEWSDESK_EMBED_THREADS=1 nice -n 19 .venv/bin/python eval/differ_eval.py
        [--questions eval/differ.jsonl] [--data-dir data/eval-train] [--out FILE]

(--out defaults to bench/results/differ.json.) Every question of `eval/differ.jsonl`
(`eval/README.md`, "Sources differ") is asked through Newsdesk in process, on the evaluation index
(BBC train.csv). For the disagreements it reports the
share of answers that add a "Sources differ" line naming two of the case's different figures
(recall), and the share that at least cite two articles stating different figures; for the
controls (articles that agree, and figures only one article gives), the share that wrongly say
"Sources differ" (false alarms). Each answer is printed in a table and written to the JSON.
Nothing here feeds back into `bot/engine/differ.py`: do not tune it on these questions.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.text import numbers  # noqa: E402
from bot.types import Answer  # noqa: E402
from index.ingest.clean import fix_text  # noqa: E402
from index.models import stable_id  # noqa: E402
from newsdesk.app import App  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

KINDS = ("disagree", "agree", "single")
MARK = "Sources differ"
TRAIN = REPO.parent / "shared" / "corpus" / "bbc" / "train.csv"


def load(path: Path) -> list[dict[str, Any]]:
    """The questions of `path`, checked for the fields the measurement reads."""
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for case in cases:
        missing = {"id", "question", "kind", "rows", "figures"} - set(case)
        if missing or case["kind"] not in KINDS:
            raise ValueError(f"{case.get('id')}: missing {sorted(missing)} or bad kind")
    return cases


def train_rows(path: Path) -> list[str]:
    """The rows' texts, mojibake repaired as `newsdesk index add` does ("Â£" is "£")."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [fix_text(row["text"]) for row in csv.DictReader(handle)]


def states(text: str, figure: str) -> bool:
    """Whether an article's text states `figure`."""
    return figure in text


def figures_of_rows(case: dict[str, Any], texts: Sequence[str]) -> dict[int, set[str]]:
    """The case's figures each of its rows states."""
    return {row: {f for f in case["figures"] if states(texts[row], f)} for row in case["rows"]}


def row_ids(train_path: str, count: int) -> dict[str, int]:
    """Newsdesk's article id of each train.csv row (`stable_id` of "path#line") → the row."""
    return {stable_id(f"{train_path}#{row + 1}"): row for row in range(count)}


def cited_rows(answer: Answer, ids: dict[str, int]) -> list[int]:
    """The train.csv rows of the articles the answer cites."""
    by_n = {s.n: s.article_id for s in answer.sources}
    return [ids[by_n[n]] for n in answer.citations if by_n.get(n) in ids]


def source_rows(answer: Answer, ids: dict[str, int]) -> list[int]:
    """The train.csv rows of all the articles the answer was given as sources."""
    return [ids[s.article_id] for s in answer.sources if s.article_id in ids]


def differ_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith(MARK)), "")


def names_two(line: str, figures: Sequence[str]) -> bool:
    """Whether the "Sources differ" line names two different figures of the case."""
    named = {f for f in figures if _within(f, line)}
    return len({frozenset(numbers(f)) for f in named}) >= 2


def _distinct(rows: Sequence[int], by_row: dict[int, set[str]]) -> int:
    """How many different values the case's figures stated in `rows` take."""
    return len({frozenset(numbers(f)) for row in rows for f in by_row.get(row, ())})


def judge(
    case: dict[str, Any], answer: Answer, ids: dict[str, int], texts: Sequence[str]
) -> dict[str, Any]:
    line = differ_line(answer.text)
    by_row = figures_of_rows(case, texts)
    cited, sources = cited_rows(answer, ids), source_rows(answer, ids)
    # Both measures are about the disagreements: a control's figures are one value (its list may
    # hold the same amount in two currencies), so for controls they are left False.
    disagree = case["kind"] == "disagree"
    return {
        "id": case["id"],
        "kind": case["kind"],
        "question": case["question"],
        "figures": case["figures"],
        "answer": answer.text,
        "mode": answer.mode,
        "cited_rows": cited,
        "source_rows": sources,
        "differ": bool(line),
        "names_both": disagree and bool(line) and names_two(line, case["figures"]),
        "cites_both": disagree and _distinct(cited, by_row) >= 2,
        # retrieval, not differ.py: the articles given to the answer hold both figures
        "sources_hold_both": disagree and _distinct(sources, by_row) >= 2,
        "states_a_figure": any(_within(f, answer.text) for f in case["figures"]),
    }


def _within(figure: str, text: str) -> bool:
    """Whether `text` states all of `figure`'s numbers."""
    wanted = numbers(figure)
    return bool(wanted) and wanted <= numbers(text)


def share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def summary(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    dis = [r for r in results if r["kind"] == "disagree"]
    controls = [r for r in results if r["kind"] != "disagree"]
    return {
        "counts": {k: sum(r["kind"] == k for r in results) for k in KINDS},
        "disagree_recall_names_both": share([r["names_both"] for r in dis]),
        "disagree_any_sources_differ": share([r["differ"] for r in dis]),
        "disagree_cites_both": share([r["cites_both"] for r in dis]),
        "disagree_sources_hold_both": share([r["sources_hold_both"] for r in dis]),
        "disagree_states_a_figure": share([r["states_a_figure"] for r in dis]),
        "control_false_alarms": share([r["differ"] for r in controls]),
        "agree_false_alarms": share([r["differ"] for r in controls if r["kind"] == "agree"]),
        "single_false_alarms": share([r["differ"] for r in controls if r["kind"] == "single"]),
        "control_states_a_figure": share([r["states_a_figure"] for r in controls]),
    }


def table(results: Sequence[dict[str, Any]]) -> Table:
    out = Table(title="Sources differ on real BBC cases (a measurement, not a fit)")
    columns = ("id", "kind", "differ", "both named", "cites both", "shown both", "rows cited")
    for column in (*columns, "answer"):
        out.add_column(column, overflow="fold")
    for r in results:
        out.add_row(
            r["id"],
            r["kind"],
            "yes" if r["differ"] else "",
            _mark(r, "names_both"),
            _mark(r, "cites_both"),
            _mark(r, "sources_hold_both"),
            ",".join(map(str, r["cited_rows"])),
            r["answer"],
        )
    return out


def _mark(result: dict[str, Any], key: str) -> str:
    if result["kind"] != "disagree":
        return "-"
    return "yes" if result[key] else ""


SPLIT_SEED = 20261206


def halves(cases: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The cases split once, at random (`SPLIT_SEED`), into dev and test halves within each kind;
    an odd kind gives its extra case to dev and test in turn. Depends only on the seed and ids."""
    dev: list[str] = []
    extra_to_dev = True
    rng = random.Random(SPLIT_SEED)
    for kind in sorted({c["kind"] for c in cases}):
        ids = sorted(c["id"] for c in cases if c["kind"] == kind)
        rng.shuffle(ids)
        half = len(ids) // 2 + (len(ids) % 2 and extra_to_dev)
        extra_to_dev ^= bool(len(ids) % 2)
        dev += ids[:half]
    return {
        "dev": [c for c in cases if c["id"] in dev],
        "test": [c for c in cases if c["id"] not in dev],
        "all": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "differ.jsonl")
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "eval-train")
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "differ.json")
    parser.add_argument(
        "--split", choices=("dev", "test", "all"), default="dev", help="tune on dev; report test"
    )
    args = parser.parse_args()
    cases = halves(load(args.questions))[args.split]
    texts = train_rows(args.train)
    ids = row_ids(str(args.train), len(texts))
    app = App(Settings(data_dir=args.data_dir))
    results = []
    started = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        answer = asyncio.run(app.desk.ask(case["question"]))
        result = judge(case, answer, ids, texts)
        result["latency_s"] = round(time.perf_counter() - t0, 2)
        results.append(result)
    report = {
        "what": "measurement of bot/engine/differ.py on eval/differ.jsonl; not used to tune it",
        "questions": str(args.questions),
        "split": args.split,
        "summary": summary(results),
        "load_average": os.getloadavg(),
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    console = Console(width=200)
    console.print(table(results))
    console.print_json(data=report["summary"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    console.print(f"written {args.out}")


if __name__ == "__main__":
    main()
