"""Generate the reader's training questions from BBC sentences with a local model (issue 18).

    python eval/reader/generate.py [--limit N] [--threads 2] [--style answer|free]

For each article of `train.csv` (minus every story the evaluation questions use) and of `val.csv`
(our own test of the reader), a few sentences that hold a fact `answer_span` can pick out are
drawn at random with a fixed seed. `--style answer` (the default): one such fact (an amount, a
share, a date, a count, a person named after a role word) is chosen and the reader model writes
the question a curious reader would ask for it; `--style free` (round 5): the model picks the fact
and gives the answer. A question is kept only if its answer occurs in the sentence, it does not
give the answer away, and it copies no six consecutive words of the sentence. Nothing of the
article is stored: each line names the corpus file, the row, and the sentence's character span in
the cleaned body (`index.ingest.load` cleans rows the same way), so `dataset.py` re-reads the text
from `../shared`. `test.csv` is never read.

The run is resumable (lines already written are skipped) and runs at nice 10.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.model import LlamaCppModel, packaged_model_path  # noqa: E402
from eval.reader.corpus import Row, copied, eval_rows, read_rows, sentences  # noqa: E402

OUT = Path(__file__).with_name("questions.jsonl")
SEED = 18018
PER_ARTICLE = {"train.csv": 4, "val.csv": 1}

ANSWER_SYSTEM = (
    "You write questions about news. You are given an article's title, one sentence from it and "
    "a short answer taken from that sentence. Write the one question a curious reader would ask "
    "whose answer is exactly that short answer: name the subject so the question makes sense on "
    "its own, use your own words rather than the sentence's, and never include the answer itself."
)
ANSWER_SHOTS = (
    (
        "Title: Harbour ferry fares to rise\n"
        "Sentence: The council said the single fare on the Kestrel Bay ferry will go up to £4.20 "
        "from April.\nAnswer: £4.20",
        "Question: How much will a one-way ticket on the Kestrel Bay ferry cost from April?",
    ),
    (
        "Title: Striker ruled out for season\n"
        "Sentence: Dunmore's manager Ellis Hart confirmed the forward had torn a knee ligament "
        "in Saturday's win.\nAnswer: Ellis Hart",
        "Question: Who manages Dunmore?",
    ),
    (
        "Title: Mill museum reopens\n"
        "Sentence: The Larkford mill, which closed in 1961, reopened on Friday after a two-year "
        "restoration.\nAnswer: 1961",
        "Question: When did the Larkford mill close?",
    ),
)
SYSTEM = (
    "You write questions about news. You are given an article's title and one sentence from it. "
    "Write one question that the sentence answers, as a curious reader would ask it: name the "
    "subject so the question makes sense on its own, use your own words rather than the "
    "sentence's, and ask for one specific fact (an amount, a date, a name, a place, a reason or "
    "what happened). Then give the short answer, copied from the sentence."
)
# Our own invented examples (not BBC text): they teach the format and the paraphrasing.
SHOTS = (
    (
        "Title: Harbour ferry fares to rise\n"
        "Sentence: The council said the single fare on the Kestrel Bay ferry will go up to £4.20 "
        "from April.",
        "Question: What will a one-way ticket on the Kestrel Bay ferry cost from April?\n"
        "Answer: £4.20",
    ),
    (
        "Title: Striker ruled out for season\n"
        "Sentence: Dunmore's manager Ellis Hart confirmed the forward had torn a knee ligament "
        "in Saturday's win.",
        "Question: What injury will keep Dunmore's forward out?\nAnswer: a torn knee ligament",
    ),
)


def answer_messages(title: str, sentence: str, answer: str) -> list[dict[str, str]]:
    """The answer-aware prompt: the answer is chosen from the sentence, the model asks for it."""
    return _chat(
        ANSWER_SYSTEM, ANSWER_SHOTS, f"Title: {title}\nSentence: {sentence}\nAnswer: {answer}"
    )


def _chat(system: str, shots: tuple[tuple[str, str], ...], user: str) -> list[dict[str, str]]:
    """A system prompt, few-shot turns, then the user's turn."""
    turns = [{"role": "system", "content": system}]
    for asked, answered in shots:
        turns += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return [*turns, {"role": "user", "content": user}]


_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_ROLE = (
    r"(?:executive|chairman|chairwoman|manager|coach|president|director|minister|secretary|leader"
    r"|boss|spokesman|spokeswoman|founder|head|singer|actor|actress|striker|author|captain|analyst"
    r"|economist|chief|winner|star|said|by|told)"
)
_ANSWER_SHAPES = (
    re.compile(r"[£$€]\s?\d[\d,.]*(?:\s?(?:m|bn|billion|million|trillion)\b)?"),
    re.compile(r"\b\d[\d,.]*\s?(?:%|per cent|percent)"),
    re.compile(rf"\b(?:\d{{1,2}} )?{_MONTH}(?: \d{{4}})?\b|\b(?:19|20)\d{{2}}\b"),
    re.compile(r"\b(?!(?:19|20)\d\d\b)\d+(?:[,.]\d+)*(?:\s(?:million|billion|bn|m))?\s[a-z]{3,}"),
    # a person's name where a role names them: "chief executive Ann Ward", "said Ann Ward"
    re.compile(rf"\b{_ROLE} (?P<name>[A-Z][a-z]+(?:\s[A-Z][a-z'-]+)+)"),
)


def answer_span(sentence: str, rng: random.Random) -> str | None:
    """A short fact of the sentence to ask for: an amount, a share, a date, a count or a name."""
    found = [
        (m.groupdict().get("name") or m.group(0)).strip(" ,.")
        for shape in _ANSWER_SHAPES
        for m in shape.finditer(sentence)
    ]
    found = [f for f in found if 1 <= len(f.split()) <= 6 and len(f) > 1]
    return rng.choice(found) if found else None


def messages(title: str, sentence: str) -> list[dict[str, str]]:
    """The free prompt (round 5): the model picks the fact and gives the answer."""
    return _chat(SYSTEM, SHOTS, f"Title: {title}\nSentence: {sentence}")


def _has_fact(sentence: str) -> bool:
    """A sentence worth asking about: one with a fact `answer_span` can pick out."""
    return any(shape.search(sentence) for shape in _ANSWER_SHAPES)


def picks(rows: list[Row], per_article: int, rng: random.Random) -> Iterator[tuple[Row, int]]:
    """Up to `per_article` fact-bearing sentences of each row, rows in a seeded random order."""
    order = list(rows)
    rng.shuffle(order)
    for row in order:
        spans = [
            (k, s)
            for k, s in enumerate(sentences(row.body))
            if 8 <= len(s.split()) <= 45 and _has_fact(s)
        ]
        for k, _ in rng.sample(spans, min(per_article, len(spans))):
            yield row, k


def parse(reply: str) -> tuple[str, str] | None:
    q = re.search(r"Question:\s*(.+?)\s*(?:\n|$)", reply)
    a = re.search(r"Answer:\s*(.+?)\s*(?:\n|$)", reply)
    if not q or not a:
        return None
    return q.group(1).strip(), a.group(1).strip().rstrip(".")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9£$€%]+", text.lower()))


def usable(question: str, answer: str, sentence: str) -> str | None:
    """Why a generated pair is dropped, or None to keep it."""
    if not question.endswith("?") or len(question.split()) < 4:
        return "not a question"
    if len(answer.split()) > 12:
        return "answer too long"
    if not _words(answer) or not _words(answer) <= _words(sentence):
        return "answer not in the sentence"
    if answer.lower() in question.lower():
        return "gives the answer away"
    if copied(question, sentence):
        return "copies the sentence"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="stop after this many new lines")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--style",
        choices=("answer", "free"),
        default="answer",
        help="answer: a fact of the sentence is chosen and the model asks for it (default); "
        "free: the model picks the fact and gives the answer (round 5's questions)",
    )
    args = parser.parse_args(argv)
    os.nice(10)
    done = set()
    if OUT.exists():
        done = {json.loads(line)["id"] for line in OUT.read_text("utf-8").splitlines() if line}
    model = LlamaCppModel(
        packaged_model_path("qwen2.5-0.5b"),
        n_ctx=1024,
        threads=args.threads,
        temperature=0.0,
        seed=0,
    )
    rng = random.Random(SEED)
    skip = eval_rows()
    streams = {
        name: picks([r for r in read_rows(name) if (name, r.row) not in skip], per, rng)
        for name, per in PER_ARTICLE.items()
    }
    written, started, dropped = 0, time.monotonic(), 0
    with OUT.open("a", encoding="utf-8") as out:
        for i, (row, k) in enumerate(_interleave(streams["train.csv"], streams["val.csv"])):
            key = f"{row.file}#{row.row}#{k}"
            if key in done:
                continue
            start, end = sentences(row.body, spans=True)[k]
            sentence = row.body[start:end]
            pair = _ask(model, row.title, sentence, args.style, random.Random(key))
            why = "unparsed" if pair is None else usable(*pair, row.body[start:end])
            record = {"id": key, "file": row.file, "row": row.row, "span": [start, end]}
            record["style"] = args.style
            if pair is None or why:
                record |= {"dropped": why}
                dropped += 1
            else:
                record |= {"question": pair[0], "answer": pair[1]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            written += 1
            if written % 20 == 0:
                rate = (time.monotonic() - started) / written
                print(f"{written} written ({dropped} dropped), {rate:.1f} s each, item {i}")
            if args.limit and written >= args.limit:
                break
    return 0


def _ask(
    model: LlamaCppModel,
    title: str,
    sentence: str,
    style: str,
    rng: random.Random,
) -> tuple[str, str] | None:
    """(question, answer) for one sentence, or None when the reply has no usable question."""
    if style == "free":
        return parse(model.complete(messages(title, sentence), max_tokens=48))
    answer = answer_span(sentence, rng)
    if answer is None:
        return None
    reply = model.complete(answer_messages(title, sentence, answer), max_tokens=40)
    found = re.search(r"Question:\s*(.+?\?)", reply)
    if not found or "Larkford" in found.group(1) or "Kestrel" in found.group(1):
        return None
    return found.group(1).strip(), answer


def _interleave(train: Iterator[tuple[Row, int]], val: Iterator[tuple[Row, int]]) -> Iterator:
    """Five train sentences, then one val sentence, until both run out."""
    while True:
        batch = [x for x in (next(train, None) for _ in range(5)) if x] + [
            x for x in [next(val, None)] if x
        ]
        if not batch:
            return
        yield from batch


if __name__ == "__main__":
    raise SystemExit(main())
