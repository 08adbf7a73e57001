"""Check the generated out-of-corpus questions against BBC train.csv; exit 1 on any problem.

    .venv/bin/python eval/ooc/check.py [eval/ooc/questions.jsonl] \
        [--corpus ../shared/corpus/bbc/train.csv]

Every question carries `probes`: case-insensitive regular expressions for the topic it asks about
(the person, company, event or thing). A question is out of corpus only if no probe matches any
row of the corpus the evaluation index holds (after Newsdesk's mojibake repair). Ids must be
unique, questions unique (case-insensitively), every question must end with "?".
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from index.ingest.clean import fix_text  # noqa: E402

KINDS = {"amount", "name", "date", "place", "why", "descriptive"}


def problems(questions: list[dict], texts: list[str]) -> list[str]:
    out, ids, seen = [], set(), set()
    for q in questions:
        qid = q.get("id", "?")
        if qid in ids:
            out.append(f"{qid}: duplicate id")
        ids.add(qid)
        text = str(q.get("question", "")).strip()
        if not text.endswith("?") or text.casefold() in seen:
            out.append(f"{qid}: not a question, or a repeated one")
        seen.add(text.casefold())
        if q.get("kind") not in KINDS:
            out.append(f"{qid}: kind {q.get('kind')!r} not one of {sorted(KINDS)}")
        probes = q.get("probes") or []
        if not probes:
            out.append(f"{qid}: no probes")
        for probe in probes:
            try:
                pattern = re.compile(probe, re.I)
            except re.error as exc:
                out.append(f"{qid}: bad probe {probe!r}: {exc}")
                continue
            hit = next((t for t in texts if pattern.search(t)), None)
            if hit is not None:
                match = pattern.search(hit)
                assert match
                around = hit[max(0, match.start() - 60) : match.end() + 60].replace("\n", " ")
                out.append(f"{qid}: probe {probe!r} matches the corpus: …{around}…")
    return out


def read_corpus(path: Path) -> list[str]:
    """Every article's text, repaired as Newsdesk repairs it when indexing."""
    with path.open(newline="", encoding="utf-8") as f:
        return [fix_text(row["text"]) for row in csv.DictReader(f)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=REPO / "eval/ooc/questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared/corpus/bbc/train.csv")
    args = parser.parse_args()
    texts = read_corpus(args.corpus)
    questions = [json.loads(line) for line in args.path.read_text().splitlines() if line.strip()]
    found = problems(questions, texts)
    for line in found:
        print(line)
    print(f"{len(questions)} questions, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
