"""Write the dated BBC corpus of the date questions: `data/dates/corpus.csv` (not committed).

The BBC rows carry no dates, so dates are assigned here, deterministically:

- **Story series** (`SERIES`): rows from `train.csv`/`val.csv` that follow one story over months
  (UK house prices, US jobs, German unemployment, oil, the dollar, Yukos, ...) get the date a
  reader would expect from what each says ("fell 0.7% in December" is published in January),
  chosen by hand and written below. Older and newer articles of a series state different figures.
- **Background** (`BACKGROUND` rows): a seeded sample (`random.Random(SEED)`) of other rows, none
  naming a series' subject, each dated by the same generator uniformly between 1 September 2004
  and 30 April 2005; every `UNDATED_EVERY`-th is left undated, so undated articles are in the mix.

Columns: `text`, `published` (YYYY-MM-DD or empty), `category`, `origin` (`train:164`). The CSV
loader (`index/ingest/load.py`) reads `published`; the rest is for people. Usage:

    .venv/bin/python eval/dates/dated_corpus.py [--out data/dates/corpus.csv]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

BBC = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "bbc"
SEED = 1905
BACKGROUND = 90
UNDATED_EVERY = 6
FIRST, LAST = date(2004, 9, 1), date(2005, 4, 30)

SERIES: dict[str, list[tuple[str, str]]] = {
    "uk house prices": [
        ("train:1527", "2004-12-13"),  # RICS: prices fell in November
        ("train:356", "2005-01-07"),  # Halifax: +1.1% in December
        ("train:164", "2005-02-15"),  # ODPM: -0.7% in December
        ("train:872", "2005-03-01"),  # Nationwide: +0.5% in February
    ],
    "us jobs": [("train:186", "2005-01-07"), ("train:598", "2005-02-04")],
    "german unemployment": [
        ("train:868", "2005-01-05"),
        ("train:1246", "2005-02-02"),
        ("val:329", "2005-03-01"),
    ],
    "oil prices": [
        ("val:37", "2004-11-19"),
        ("train:100", "2005-01-25"),
        ("train:1416", "2005-02-22"),
    ],
    "uk retail sales": [("train:658", "2004-12-16"), ("val:241", "2005-01-20")],
    "us gdp": [("train:896", "2004-10-29"), ("train:495", "2005-03-31")],
    "german growth": [("train:584", "2005-02-24"), ("train:383", "2005-04-01")],
    "us industry": [("train:1434", "2004-12-15"), ("train:1248", "2005-03-01")],
    "uk interest rates": [("train:281", "2004-12-09"), ("train:84", "2005-02-10")],
    "us interest rates": [("train:182", "2004-11-10"), ("train:1352", "2005-01-04")],
    "dollar": [("val:38", "2004-11-26"), ("train:831", "2005-01-14")],
    "yukos": [
        ("train:125", "2004-12-15"),
        ("train:1315", "2004-12-20"),
        ("train:1523", "2005-02-25"),
    ],
    "uk jobless": [("train:321", "2005-02-16")],
    "us election": [("train:237", "2004-11-03")],
}
SUBJECTS = (
    "house price",
    "jobless",
    "unemploy",
    "oil price",
    "crude",
    "retail sales",
    "gdp",
    "industrial production",
    "interest rate",
    "federal reserve",
    "the dollar",
    "yukos",
    "economy grew",
    "economic growth",
    "election",
)  # background rows naming any of these are passed over


def read_rows() -> dict[str, list[dict[str, str]]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    rows = {}
    for split in ("train", "val"):  # never test.csv: it is reserved
        with (BBC / f"{split}.csv").open(encoding="utf-8", newline="") as f:
            rows[split] = list(csv.DictReader(f))
    return rows


def build() -> list[dict[str, str]]:
    rows = read_rows()
    out: list[dict[str, str]] = []
    used_texts: set[str] = set()
    for series in SERIES.values():
        for origin, published in series:
            name, number = origin.split(":")
            row = rows[name][int(number)]
            used_texts.add(row["text"][:300])
            out.append(_row(row, published, origin))
    rng = random.Random(SEED)
    pool = [(s, i) for s in ("train", "val") for i in range(len(rows[s]))]
    rng.shuffle(pool)
    span = (LAST - FIRST).days
    taken = 0
    for split, index in pool:
        if taken == BACKGROUND:
            break
        row = rows[split][index]
        head = row["text"][:300]
        if head in used_texts or any(s in row["text"].lower()[:600] for s in SUBJECTS):
            continue
        used_texts.add(head)
        day = FIRST + timedelta(days=rng.randrange(span + 1))
        taken += 1
        published = "" if taken % UNDATED_EVERY == 0 else day.isoformat()
        out.append(_row(row, published, f"{split}:{index}"))
    return out


def _row(row: dict[str, str], published: str, origin: str) -> dict[str, str]:
    return {
        "text": row["text"],
        "published": published,
        "category": row["category"],
        "origin": origin,
    }


def write(out: Path) -> list[dict[str, str]]:
    rows = build()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "published", "category", "origin"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/dates/corpus.csv"))
    args = parser.parse_args()
    rows = write(args.out)
    dated = sum(1 for r in rows if r["published"])
    print(f"wrote {args.out}: {len(rows)} articles, {dated} dated, {len(rows) - dated} undated")


if __name__ == "__main__":
    main()
