"""Tried in round 8, not shipped: the chat model picks a summary's key sentences.

    .venv/bin/python eval/summary_pick.py [--k 4]

Each dev article of `eval/summary_keyfacts.jsonl` is shown to the chat model with its sentences
numbered and the question "Which K sentences state the most important facts?"; the extractive
summary then takes the first sentence, the model's picks, and the rest in the shipped salience
order, within the usual budget. Prints the key-fact coverage and compression of that and of the
shipped salience order on dev (never the test split), and the model's p50 per pick.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.model import ChatModel  # noqa: E402
from bot.engine.salience import Salience  # noqa: E402
from eval.fit_salience import CORPUS, scored  # noqa: E402
from index.ingest.load import load_source  # noqa: E402
from newsdesk.app import build_model  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402
from newsdesk.summary_eval import load_facts  # noqa: E402

SYSTEM = "You pick the sentences of a news article that carry its key facts."
SHOWN = 30  # sentences shown to the model at most


class ModelPicks:
    """A salience order whose first places, after the lead, are the model's picks."""

    def __init__(self, model: ChatModel, k: int, rest: Salience) -> None:
        self.model, self.k, self.rest = model, k, rest
        self.seconds: list[float] = []

    def order(self, sentences: Sequence[str]) -> list[int]:
        numbered = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(sentences[:SHOWN]))
        ask = (
            f"Article:\n{numbered}\n\nWhich {self.k} sentences state the most important facts "
            "(who did what, how much, when, why)? Reply with their numbers only, for example: "
            "2, 5, 7, 9"
        )
        started = time.monotonic()
        raw = self.model.complete(
            [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ask}],
            max_tokens=24,
        )
        self.seconds.append(time.monotonic() - started)
        picks = [int(n) - 1 for n in re.findall(r"\d+", raw)]
        picks = [p for p in dict.fromkeys(picks) if 0 < p < len(sentences)][: self.k]
        return [0, *picks, *(i for i in self.rest.order(sentences) if i and i not in picks)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--facts", type=Path, default=REPO / "eval/summary_keyfacts.jsonl")
    args = parser.parse_args()
    items = [i for i in load_facts(args.facts) if i.split == "dev"]  # never the test split
    rows = load_source(str(CORPUS / "val.csv"), max_bytes=1 << 30, timeout=10)
    texts = [rows[i.row].text for i in items]
    shipped = Salience.load()
    picks = ModelPicks(build_model(Settings()), args.k, shipped)
    print("shipped salience:", scored(items, texts, [shipped] * len(items)))
    print(f"model picks {args.k}:", scored(items, texts, [picks] * len(items)))  # type: ignore[list-item]
    print(f"p50 per pick: {statistics.median(picks.seconds):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
