"""Can the default model pick the answer sentence better than the evidence ranker? DEV split only.

    .venv/bin/python eval/probe_scorers.py [--questions eval/dev.jsonl] [--data-dir data/eval-train]
                                           [--top 8]

Issue 8 asked to measure the model as a scorer rather than a writer. For every answerable dev
question whose answer is among the `--top` best candidate sentences (the real retriever, embedder
and packaged ranker, as `fit_evidence.py` builds them), this scores those sentences three ways
and counts how often a sentence holding an expected answer comes first, in the first two, in the
first three:
- **ranker**: the packaged evidence ranker (in-sample: it was fitted on these questions), and the
  same ranker refitted leaving each question out (the fair baseline);
- **picker**: one forward pass over the numbered sentences; the score of sentence k is the
  log-probability of "k" as the model's first token ("Which sentence answers the question?");
- **query likelihood**: the mean log-probability of the question's tokens after
  "Passage: <sentence>\\nQuestion:", one forward pass per sentence (Sachan et al., 2022, UPR);
  and the ranker refitted leaving each question out with it as a fourteenth feature.
It prints a table and the model time each scorer costs per question. Never run it on test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))

from fit_evidence import (  # noqa: E402
    fit_ranker,
    has_answer,
    reading_search,
    retrieved_candidates,
)

from bot.engine.evidence import Evidence, Weights  # noqa: E402
from bot.engine.model import small_model_path  # noqa: E402
from newsdesk.app import App  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

Array = NDArray[np.float64]


class ModelScorer:
    """The default GGUF read for its log-probabilities, not sampled."""

    def __init__(self, path: Path) -> None:
        from llama_cpp import Llama

        self.llm = Llama(
            model_path=str(path), n_ctx=1024, n_threads=2, logits_all=True, verbose=False
        )

    def log_likelihood(self, prefix: str, target: str) -> float:
        """Mean log-probability of `target`'s tokens after `prefix`."""
        head = self.llm.tokenize(prefix.encode(), add_bos=True)
        ids = (head + self.llm.tokenize(target.encode(), add_bos=False))[: self.llm.n_ctx()]
        self.llm.reset()
        self.llm.eval(ids)
        logits = np.asarray(self.llm.scores[: len(ids)], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        steps = range(len(head), len(ids))
        return float(np.mean([logp[i - 1, ids[i]] for i in steps])) if steps else 0.0

    def pick(self, question: str, sentences: list[str]) -> Array:
        """Log-probability of each sentence's number as the answer to "which one answers"."""
        body = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(sentences))
        ask = "Which sentence answers the question? Reply with its number only."
        reply = self.llm.create_chat_completion(
            messages=[
                {"role": "system", "content": "You pick the sentence that answers a question."},
                {"role": "user", "content": f"Sentences:\n{body}\n\nQuestion: {question}\n{ask}"},
            ],
            max_tokens=1,
            temperature=0,
            logprobs=True,
            top_logprobs=20,
        )
        top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]  # type: ignore[index]
        found = {t["token"].strip(): t["logprob"] for t in top}
        return np.array([found.get(str(i + 1), -30.0) for i in range(len(sentences))])


def in_top(scores: Array, y: Array, k: int) -> bool:
    return bool(y[np.argsort(-scores, kind="stable")[:k]].any())


def counts(score: Callable[[int], Array], ys: list[Array]) -> list[int]:
    return [sum(in_top(score(i), y, k) for i, y in enumerate(ys)) for k in (1, 2, 3)]


def leave_one_out(xs: list[Array], ys: list[Array]) -> list[int]:
    found = [0, 0, 0]
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        w = fit_ranker([(a, b) for j, (a, b) in enumerate(zip(xs, ys, strict=True)) if j != i])
        for k in range(3):
            found[k] += in_top(x @ w, y, k + 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "dev.jsonl")
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "eval-train")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    if "test" in args.questions.name:
        parser.error("probe on the dev split only")
    app = App(Settings(data_dir=args.data_dir))
    evidence = Evidence(app.embedder.embed, Weights.load())
    search = reading_search(app)
    scorer = ModelScorer(app.settings.model_path or small_model_path())
    xs, ys, ranks, picks, qls = [], [], [], [], []
    pick_s = ql_s = 0.0
    for line in args.questions.read_text().splitlines():
        q = json.loads(line)
        if not q["answerable"]:
            continue
        cands = retrieved_candidates(search, evidence, q["question"])[1][: args.top]
        y = np.array([has_answer(q["expected"], c.text) for c in cands], dtype=np.float64)
        if not y.any():
            continue
        texts = [c.text for c in cands]
        start = time.perf_counter()
        picks.append(scorer.pick(q["question"], texts))
        pick_s += time.perf_counter() - start
        start = time.perf_counter()
        question = " " + q["question"]
        qls.append(
            np.array([scorer.log_likelihood(f"Passage: {t}\nQuestion:", question) for t in texts])
        )
        ql_s += time.perf_counter() - start
        xs.append(np.array([c.features for c in cands], dtype=np.float64))
        ranks.append(np.array([c.score for c in cands]))
        ys.append(y)
        print(f"{len(ys)} questions scored", end="\r", file=sys.stderr, flush=True)
    n = len(ys)
    rows = [
        ("ranker, in-sample (packaged weights)", counts(lambda i: ranks[i], ys), 0.0),
        ("ranker, leave-one-question-out", leave_one_out(xs, ys), 0.0),
        ("picker: log-prob of the sentence number", counts(lambda i: picks[i], ys), pick_s / n),
        (
            "query likelihood: mean log P(question | sentence)",
            counts(lambda i: qls[i], ys),
            ql_s / n,
        ),
        (
            "ranker + query likelihood, leave-one-question-out",
            leave_one_out([np.c_[x, q] for x, q in zip(xs, qls, strict=True)], ys),
            ql_s / n,
        ),
    ]
    print(f"\n{n} answerable dev questions with an answer among the best {args.top} sentences\n")
    print("| scorer | top-1 | top-2 | top-3 | model s/question |\n|---|---|---|---|---|")
    for name, (one, two, three), cost in rows:
        print(f"| {name} | {one} | {two} | {three} | {cost:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
