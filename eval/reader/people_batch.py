"""Write more of `people.jsonl`: choose articles, check a writer's lines, append them.

    python eval/reader/people_batch.py rows --batches 8 --seed 20261207 --out DIR
    python eval/reader/people_batch.py check WRITTEN.jsonl ROWS.txt
    python eval/reader/people_batch.py append WRITTEN.jsonl [...]

`rows` picks `train.csv` articles no question uses yet (not an evaluation story of
`eval/bbc.jsonl`, `eval/bbc2.jsonl` or `eval/differ.jsonl`, not a `people.jsonl` article, nor a
copy of one under the same title; longer than 800 characters; one copy of each title) and writes
`DIR/rows-N.txt`, 25 row numbers each, one per writer. A writer follows `people_brief.txt` with
its rows file and writes lines `{"row", "kind", "type", "question", "answer", "sentence"}`;
`check` lists what is wrong with them (exit 1), `append` adds checked lines to `people.jsonl` in
its own format (split "train", the answer sentence's span) with ids `train.csv#ROW#qK`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.people import PEOPLE, ROUND17
from eval.reader.corpus import ROOT, Row, copied, eval_rows, read_rows, sentences

PER_WRITER = 25
TYPES = ("amount", "name", "date", "place", "why", "descriptive")
WANT = Counter({"answerable": 2, "near-miss": 1})


def _jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def used_rows() -> set[int]:
    """Rows a question already uses, with every copy of their stories (same title)."""
    rows = read_rows("train.csv")
    taken = {int(q["row"]) for q in _jsonl(PEOPLE)}
    for name in ("bbc2.jsonl", "differ.jsonl"):
        for q in _jsonl(ROOT / "eval" / name):
            found = q.get("rows") or [q.get("row")]
            taken |= {int(r) for r in found if r is not None}
    titles = {r.title.casefold() for r in rows if r.row in taken}
    copies = {r.row for r in rows if r.title.casefold() in titles}
    return taken | copies | {row for _, row in eval_rows()}


def pick_rows(batches: int, seed: int) -> list[list[int]]:
    taken, seen, free = used_rows(), set(), []
    for row in read_rows("train.csv"):
        if row.row in taken or len(row.body) <= 800 or row.title.casefold() in seen:
            continue
        seen.add(row.title.casefold())
        free.append(row.row)
    chosen = random.Random(seed).sample(free, batches * PER_WRITER)
    return [sorted(chosen[i * PER_WRITER : (i + 1) * PER_WRITER]) for i in range(batches)]


def problems(written: list[dict[str, Any]], wanted: list[int]) -> list[str]:
    """What is wrong with one writer's lines for the rows `wanted` (empty when nothing is)."""
    rows: dict[object, Row] = {r.row: r for r in read_rows("train.csv")}
    found: list[str] = []
    kinds: defaultdict[int, list[object]] = defaultdict(list)
    for n, q in enumerate(written, 1):
        row = rows.get(q.get("row"))
        if row is None or row.row not in wanted:
            found.append(f"line {n}: row {q.get('row')} is not one of yours")
            continue
        kinds[row.row].append(q.get("kind"))
        found += [f"line {n}: {p}" for p in _line_problems(q, row)]
    for row_number in wanted:
        if Counter(kinds.get(row_number, [])) != WANT:
            found.append(f"row {row_number}: want 2 answerable + 1 near-miss")
    return found


def _line_problems(q: dict[str, Any], row: Row) -> list[str]:
    question, found = str(q.get("question", "")), []
    if q.get("type") not in TYPES:
        found.append(f"type {q.get('type')!r} is not one of {', '.join(TYPES)}")
    if not question.strip().endswith("?"):
        found.append("a question ends with '?'")
    if run := copied(question, f"{row.title} {row.body}"):
        found.append(f"the question copies six words of the article: {run!r}")
    if q.get("kind") == "near-miss":
        return found
    if q.get("kind") != "answerable":
        return [*found, "kind is answerable or near-miss"]
    said, answer, index = sentences(row.body), str(q.get("answer", "")), q.get("sentence")
    if not isinstance(index, int) or not 0 <= index < len(said):
        return [*found, f"sentence {index} is not one of the article's"]
    if not answer or answer not in said[index] or len(answer.split()) > 8:
        found.append(
            f"answer {answer!r} is not an exact part of sentence [{index}], 8 words at most"
        )
    if answer and answer.casefold() in question.casefold():
        found.append("the question gives its answer away")
    return found


def append(paths: list[Path]) -> int:
    rows = {r.row: r for r in read_rows("train.csv")}
    held = {str(q["question"]) for q in _jsonl(ROOT / "eval" / "people_dev.jsonl")}
    out = []
    for path in paths:
        counts: Counter[int] = Counter()
        for q in _jsonl(path):
            row = int(q["row"])
            if q["question"] in held:
                raise SystemExit(f"{path}: {q['question']!r} is a people_dev question")
            record = {
                "id": f"train.csv#{row}#{ROUND17}{counts[row]}",
                "file": "train.csv",
                "row": row,
            }
            record |= {"type": q["type"], "split": "train"}
            counts[row] += 1
            if q["kind"] == "answerable":
                span = sentences(rows[row].body, spans=True)[int(q["sentence"])]
                record |= {"span": list(span), "question": q["question"], "answer": q["answer"]}
            else:
                record |= {"question": q["question"], "near_miss": True}
            out.append(record)
    with PEOPLE.open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in out)
    print(f"appended {len(out)} questions ({sum('near_miss' in r for r in out)} near misses)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rows = sub.add_parser("rows")
    rows.add_argument("--batches", type=int, default=8)
    rows.add_argument("--seed", type=int, default=20261207)
    rows.add_argument("--out", type=Path, required=True)
    check = sub.add_parser("check")
    check.add_argument("written", type=Path)
    check.add_argument("rows", type=Path)
    add = sub.add_parser("append")
    add.add_argument("written", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "rows":
        args.out.mkdir(parents=True, exist_ok=True)
        for i, batch in enumerate(pick_rows(args.batches, args.seed)):
            (args.out / f"rows-{i}.txt").write_text(" ".join(map(str, batch)) + "\n", "utf-8")
        return 0
    if args.command == "check":
        wanted = [int(x) for x in args.rows.read_text("utf-8").split()]
        found = problems(_jsonl(args.written), wanted)
        print("\n".join(found) or "OK")
        return 1 if found else 0
    return append(args.written)


if __name__ == "__main__":
    raise SystemExit(main())
