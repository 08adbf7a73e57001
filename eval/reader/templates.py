"""Template questions: thousands of cheap (question, answer sentence) pairs from BBC sentences.

    python eval/reader/templates.py      # writes eval/reader/templates.jsonl (seeded, in seconds)

The model-written questions (`generate.py`) read like a person's but cost seconds each on two
cores; these cost nothing and cover every article. Each takes one fact of a sentence (an amount,
a share, a date, a name, a count), asks for it with the matching question word, and keeps a
window of the sentence's other words around it with a quarter of them dropped, so the question
shares the sentence's topic but never all of its wording ("How many jobs newspaper group cut
Glasgow?"). Crude as language; what the reader learns from them is whether a sentence holds the
asked-for fact about the asked-for thing. Lines name the corpus file, row and sentence span, as
in `questions.jsonl`; no article text is stored.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.text import COMMON_CAPS, FACT_PATTERNS, STOPWORDS  # noqa: E402
from eval.reader.corpus import FILES, eval_rows, read_rows, sentences  # noqa: E402

OUT = Path(__file__).with_name("templates.jsonl")
SEED = 18019
PER_ARTICLE = 4
WINDOW = 12
DROP = 0.25
WINDOW_SHARE = 0.3
_PREPOSITION = re.compile(r"(?:\b(?:in|on|at|since|by|from|of|to|for|about)\s+)$", re.I)
_ASK = {"money": "How much", "share": "What percentage", "date": "When", "number": "How many"}


def facts(sentence: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each fact in the sentence; names skip its first word."""
    found = []
    for kind in ("money", "share", "date", "number", "name"):
        for m in re.finditer(FACT_PATTERNS[kind], sentence):
            if kind == "name":  # a run of capitalised words is one name
                run = re.match(r"[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*", sentence[m.start() :])
                end = m.start() + (run.end() if run else len(m.group()))
                name = sentence[m.start() : end]
                if m.start() == 0 or sentence[m.start() - 1] in "-'’\"“" or name in COMMON_CAPS:
                    continue
                found.append((kind, m.start(), end))
            else:
                found.append((kind, m.start(), m.end()))
    kept: list[tuple[str, int, int]] = []
    for kind, a, b in found:  # the first pattern to claim a span wins
        if all(b <= x or a >= y for _, x, y in kept):
            kept.append((kind, a, b))
    return kept


def question_for(
    title: str, sentence: str, fact: tuple[str, int, int], rng: random.Random
) -> str | None:
    kind, a, b = fact
    before, after = sentence[:a], sentence[b:]
    if kind == "name":
        ask = (
            "Where"
            if re.search(r"\b(?:in|at|from|to)\s+$", before)
            else rng.choice(("Who", "Which", "What"))
        )
    else:
        ask = _ASK[kind]
    if kind in ("date", "name"):
        before = _PREPOSITION.sub("", before)
    if kind == "number":
        noun = re.match(r"\s*([a-z]{3,})\b", after)
        if noun is None:
            return None
        ask, after = f"How many {noun.group(1)}", after[noun.end() :]
    if rng.random() < WINDOW_SHARE:  # the sentence's own words around the fact
        left = re.findall(r"[\w'’£$€%.-]+", before)[-WINDOW // 2 :]
        right = re.findall(r"[\w'’£$€%.-]+", after)[: WINDOW - len(left)]
        words = [w.strip(".") for w in left + right]
        words = [w for w in words if w and (w.lower() in STOPWORDS or rng.random() > DROP)]
    else:  # as a reader asks: a few topic words of the title, then what is asked about
        near = re.findall(r"[A-Za-z'’-]+", before)[-4:] + re.findall(r"[A-Za-z'’-]+", after)[:4]
        focus = [w for w in near if w.lower() not in STOPWORDS and len(w) > 2]
        topic = [w for w in re.findall(r"[A-Za-z'’-]+", title) if w.lower() not in STOPWORDS]
        words = rng.sample(topic, min(len(topic), rng.randint(1, 3)))
        picked = rng.sample(focus, min(len(focus), rng.randint(1, 2)))
        words += [w for w in picked if w not in words]
    return f"{ask} {' '.join(words)}?"


def main() -> int:
    rng = random.Random(SEED)
    skip = eval_rows()
    lines = []
    for file in FILES:
        for row in read_rows(file):
            if (file, row.row) in skip:
                continue
            spans = sentences(row.body, spans=True)
            order = list(range(len(spans)))
            rng.shuffle(order)
            made = 0
            for k in order:
                start, end = spans[k]
                sentence = row.body[start:end]
                found = facts(sentence)
                if not found or not 8 <= len(sentence.split()) <= 50:
                    continue
                fact = rng.choice(found)
                question = question_for(row.title, sentence, fact, rng)
                if question is None:
                    continue
                answer = sentence[fact[1] : fact[2]]
                lines.append(
                    {
                        "id": f"{file}#{row.row}#{k}",
                        "file": file,
                        "row": row.row,
                        "span": [start, end],
                        "question": question,
                        "answer": answer,
                        "kind": fact[0],
                    }
                )
                made += 1
                if made == PER_ARTICLE:
                    break
    OUT.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    print(f"{len(lines)} template questions -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
