"""The BBC rows the reader is trained and tested on, cleaned exactly as `newsdesk index add` does.

Rows are read from `../shared/corpus/bbc/` (never copied into the repository). `train.csv` trains
the reader, minus every story an evaluation question (`eval/bbc.jsonl`) was written from, matched
by row and by title so a duplicate copy of the story is left out too; `val.csv` is its own test.
`test.csv` is reserved for evaluation we don't run and is never read here.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, overload

from eval.check_bbc import copied
from index.chunk import sentence_spans
from index.ingest.clean import fix_text, guess_title

ROOT = Path(__file__).resolve().parents[2]
BBC = ROOT.parent / "shared" / "corpus" / "bbc"
FILES = ("train.csv", "val.csv")

__all__ = ["FILES", "Row", "copied", "eval_rows", "read_rows", "sentences"]


@dataclass(frozen=True)
class Row:
    file: str
    row: int  # counted from 0 over the data rows, as in eval/bbc.jsonl
    category: str
    title: str
    body: str


@cache
def read_rows(file: str) -> list[Row]:
    if file not in FILES:
        raise ValueError(f"the reader never reads {file}")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows = []
    with (BBC / file).open(encoding="utf-8", newline="") as handle:
        for i, raw in enumerate(csv.DictReader(handle)):
            body = fix_text(raw["text"])
            if body.strip():
                title, body = guess_title(body)
                rows.append(Row(file, i, raw["category"], title, body))
    return rows


def eval_rows() -> set[tuple[str, int]]:
    """(file, row) of every train.csv story that an evaluation question uses, copies included."""
    used = {
        int(q["row"])
        for line in (ROOT / "eval" / "bbc.jsonl").read_text("utf-8").splitlines()
        if line.strip() and (q := json.loads(line)).get("row") is not None
    }
    rows = read_rows("train.csv")
    titles = {r.title.casefold() for r in rows if r.row in used}
    return {("train.csv", r.row) for r in rows if r.row in used or r.title.casefold() in titles}


@overload
def sentences(body: str, spans: Literal[False] = ...) -> list[str]: ...
@overload
def sentences(body: str, spans: Literal[True]) -> list[tuple[int, int]]: ...
def sentences(body: str, spans: bool = False) -> list[str] | list[tuple[int, int]]:
    """The body's sentences (or their character spans), as the chunker splits them."""
    found = sentence_spans(body)
    return found if spans else [body[a:b] for a, b in found]
