"""Reader pairs from SQuAD 2.0: questions people wrote, half of them unanswerable by design.

SQuAD 2.0 (Rajpurkar, Jia and Liang, 2018; CC BY-SA 4.0) pairs Wikipedia paragraphs with
crowd-written questions; its unanswerable questions were written to look answerable from their
paragraph (the topic is there, the fact is not): what a near miss is to Newsdesk. The file is
never stored in this repository and never fetched at run time: put a copy of `dev-v2.0.json`
(the half of the official dev set with answers in the public `chrischute/squad` repository's
`data/`, 6,078 questions over 16 articles, 3,168 unanswerable) at `data/squad/dev-v2.0.json`.

An answerable question's positive is the paragraph sentence holding its answer; its negatives are
the paragraph's other sentences, most word-similar first. An unanswerable question has no
positive: the sentence holding its "plausible answer" (the one a careless reader would quote) and
the next most word-similar sentences are its negatives. Two of the articles are held out as the
reader's own val pairs.

More people's questions, when present: a 4,719-question slice of SQuAD 2.0's training file (10
articles, 348 unanswerable; `train-v2.0.json` in the public `PhongNTDo/guide_train_MRC_transformers`
repository) at `data/squad/train-v2.0-slice.json`. All of it trains; none of it is held out.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from eval.reader.dataset import Pair, words
from index.chunk import sentence_spans

ROOT = Path(__file__).resolve().parents[2]
SQUAD = ROOT / "data" / "squad" / "dev-v2.0.json"
SQUAD_TRAIN = ROOT / "data" / "squad" / "train-v2.0-slice.json"
NEGATIVES = 4
VAL_ARTICLES = 2


def squad_pairs(
    path: Path = SQUAD, seed: int = 0, val_articles: int = VAL_ARTICLES
) -> tuple[list[Pair], list[Pair]]:
    """(train pairs, val pairs) from a SQuAD 2.0 file; empty when the file is absent."""
    if not path.exists():
        return [], []
    articles = json.loads(path.read_text("utf-8"))["data"]
    held = set(random.Random(seed).sample(range(len(articles)), val_articles))
    train: list[Pair] = []
    val: list[Pair] = []
    for i, article in enumerate(articles):
        title = str(article["title"]).replace("_", " ")
        for paragraph in article["paragraphs"]:
            pairs = _paragraph_pairs(title, paragraph)
            (val if i in held else train).extend(pairs)
    return train, val


def _paragraph_pairs(title: str, paragraph: dict[str, object]) -> list[Pair]:
    context = str(paragraph["context"])
    spans = sentence_spans(context)
    pairs: list[Pair] = []
    for qa in paragraph["qas"]:  # type: ignore[attr-defined]
        question, qid = str(qa["question"]), "squad:" + str(qa["id"])

        def pair(k: int, label: int, question: str = question, qid: str = qid) -> Pair:
            return Pair(qid, question, title, context[slice(*spans[k])], label, "squad")

        answers = qa.get("answers") or []
        impossible = bool(qa.get("is_impossible")) or not answers
        marks = qa.get("plausible_answers", []) if impossible else answers
        starts = {int(a["answer_start"]) for a in marks}
        holding = {k for k, (a, b) in enumerate(spans) if any(a <= s < b for s in starts)}
        asked = words(question)
        others = sorted(
            (k for k in range(len(spans)) if k not in holding),
            key=lambda k: -len(asked & words(context[slice(*spans[k])])),
        )
        if impossible:  # the plausible answer's sentence is the hardest negative
            chosen = [*sorted(holding), *others][:NEGATIVES]
            pairs += [pair(k, 0) for k in chosen]
        else:
            pairs += [pair(k, 1) for k in sorted(holding)[:1]]
            pairs += [pair(k, 0) for k in others[:NEGATIVES]]
    return pairs
