"""The salience model fitted at scale on public extractive summaries, scored on the dev key facts.

    .venv/bin/python eval/salience_at_scale.py [--summaries "data/bbc-summary/BBC News Summary"]

"BBC News Summary" (a public set, in e.g. the `Miguel-G-Soares/PRI_proj1` repository) holds, for
each article of the BBC corpus, the sentences its makers chose as its summary. Never stored in
this repository, never fetched at run time: copy its folder to `data/bbc-summary/`. Its articles
are matched to `train.csv` rows by their opening words (never `test.csv`); each sentence of a
matched row is labelled by whether the summary holds it, the shipped `salience.FEATURES` are
fitted on them for three l2 strengths, and each fit is scored on the dev key facts like
`fit_salience.py` scores the shipped weights. Writes nothing. Round 8 result: worse than the
shipped weights (docs/measurements.md).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.engine.bullets import article_sentences  # noqa: E402
from bot.engine.salience import Salience, sentence_features  # noqa: E402
from eval.fit_salience import CORPUS, Sample, fitted, scored  # noqa: E402
from index.ingest.load import load_source  # noqa: E402
from newsdesk.summary_eval import load_facts  # noqa: E402

KEY = 60  # characters of an article's normalised opening that identify it


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def summaries(folder: Path) -> dict[str, str]:
    """The normalised summary of each article, keyed by its body's normalised opening."""
    found = {}
    for path in (folder / "News Articles").glob("*/*.txt"):
        body = path.read_bytes().decode("latin1").split("\n", 2)[-1]
        opening = next((line for line in body.splitlines() if line.strip()), "")
        summary = folder / "Summaries" / path.parent.name / path.name
        found[_norm(opening)[:KEY]] = _norm(summary.read_bytes().decode("latin1"))
    return found


def labelled(folder: Path) -> list[Sample]:
    """Each matched `train.csv` article's sentence features, and which its summary holds."""
    chosen = summaries(folder)
    groups = []
    for article in load_source(str(CORPUS / "train.csv"), max_bytes=1 << 30, timeout=10):
        text = _norm(article.text)
        summary = next(
            (chosen[text[i : i + KEY]] for i in range(400) if text[i : i + KEY] in chosen), None
        )
        sentences = [s for s in article_sentences(article.text) if s]
        if summary is None or len(sentences) < 4:
            continue
        labels = [_norm(s)[:200] in summary for s in sentences]
        groups.append((np.array(sentence_features(sentences)), np.array(labels, dtype=float)))
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = REPO / "data" / "bbc-summary" / "BBC News Summary"
    parser.add_argument("--summaries", type=Path, default=default)
    parser.add_argument("--facts", type=Path, default=REPO / "eval/summary_keyfacts.jsonl")
    args = parser.parse_args()
    groups = labelled(args.summaries)
    share = float(np.mean(np.concatenate([y for _, y in groups])))
    print(f"train.csv articles matched: {len(groups)}; sentences in a summary: {share:.2f}")
    items = [i for i in load_facts(args.facts) if i.split == "dev"]  # never the test split
    rows = load_source(str(CORPUS / "val.csv"), max_bytes=1 << 30, timeout=10)
    texts = [rows[i.row].text for i in items]
    print("| weights | dev coverage | compression |\n|---|---|---|")
    models: dict[str, Salience | None] = {"lead": None, "shipped": Salience.load()}
    models |= {f"at scale, l2 {l2}": fitted(groups, l2) for l2 in (0.01, 0.1, 1.0)}
    for name, model in models.items():
        result = scored(items, texts, [model] * len(items))
        print(f"| {name} | {result['coverage']:.3f} | {result['compression']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
