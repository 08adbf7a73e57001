"""Train the key-fact tagger: all-MiniLM-L6-v2 fine-tuned to mark the words of a sentence that
state one of its article's key facts.

    make train-keyfacts     # = python eval/keyfacts/train.py (installs the training extra first)

Training-time only: torch, transformers and onnx (`pip install -e '.[train]'`); the exported int8
ONNX graph runs through onnxruntime (`tagger.py`). Data (`data.py`): the sentences
of the 480 `train.csv` articles of `eval/summary_keyfacts_train.jsonl`, labelled from their
written key facts; a tenth of the articles (`data.held_out`) is left out, to report token
accuracy here and summary coverage in `evaluate.py`. Each sentence is read after its place in the
article and the article's title (`tagger.context_text`); a linear head on every token of the
sentence gives the logit that the token states a key fact.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eval.keyfacts.data import FACTS, Labelled, dataset, held_out  # noqa: E402
from eval.keyfacts.tagger import context_text, tokenizer  # noqa: E402
from eval.reader.train import minilm_with_head  # noqa: E402

OUT = ROOT / "data" / "keyfacts" / "keyfacts.onnx"
SEED = 20261207


def padded_tokenizer():  # type: ignore[no-untyped-def]
    """The tagger's tokenizer, padding a batch to its longest pair."""
    tok = tokenizer()
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(part: list[Labelled], tok):  # type: ignore[no-untyped-def]
    """Token ids, masks, and per-token labels (-1: not a sentence token)."""
    encs = tok.encode_batch([(context_text(s.position, s.title), s.sentence) for s in part])
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    types = np.array([e.type_ids for e in encs], dtype=np.int64)
    labels = np.full(ids.shape, -1.0, dtype=np.float32)
    for row, (s, e) in enumerate(zip(part, encs, strict=True)):
        for col, (seq, (a, b)) in enumerate(zip(e.sequence_ids, e.offsets, strict=True)):
            if seq == 1 and b > a:
                labels[row, col] = float(any(x <= a and b <= y for x, y in s.spans))
    return ids, mask, types, labels


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rng = random.Random(SEED)
    data = dataset(FACTS, ["train"])
    held = held_out({s.article for s in data})
    train = [s for s in data if s.article not in held]
    val = [s for s in data if s.article in held]
    print(f"{len(train)} train sentences, {len(val)} held out ({len(held)} articles)", flush=True)
    tok = padded_tokenizer()
    model = minilm_with_head(per_token=True)
    _fit(model, tok, train, args, rng)
    report = {"val": _metrics(model, tok, val), "train_sentences": len(train), **vars(args)}
    report["out"] = str(args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    _export(model, args.out)
    print(json.dumps(report, indent=1, default=str))
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    return 0


def _fit(model, tok, train: list[Labelled], args, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    import torch

    by_length = sorted(train, key=lambda s: len(s.title) + len(s.sentence))
    batches = [by_length[i : i + args.batch] for i in range(0, len(by_length), args.batch)]
    steps = int(len(batches) * args.epochs)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    model.train()
    step, started = 0, time.monotonic()
    while step < steps:
        rng.shuffle(batches)
        for part in batches:
            ids, mask, types, labels = (torch.from_numpy(a) for a in encode(part, tok))
            logits = model(ids, mask, types)
            keep = labels >= 0
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits[keep], labels[keep])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                rate = (time.monotonic() - started) / step
                print(f"step {step}/{steps} loss {loss.item():.3f} ({rate:.2f} s/step)", flush=True)
            if step >= steps:
                break


def _metrics(model, tok, val: list[Labelled]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Token accuracy, precision and recall at 0.5 on the held-out articles' sentences."""
    import torch

    model.eval()
    tp = fp = fn = tn = 0
    with torch.no_grad():
        for i in range(0, len(val), 64):
            ids, mask, types, labels = encode(val[i : i + 64], tok)
            probs = torch.sigmoid(model(*(torch.from_numpy(a) for a in (ids, mask, types))))
            p = probs.numpy() >= 0.5
            keep = labels >= 0
            y = labels == 1
            tp += int((p & y & keep).sum())
            fp += int((p & ~y & keep).sum())
            fn += int((~p & y & keep).sum())
            tn += int((~p & ~y & keep).sum())
    return {
        "accuracy": round((tp + tn) / max(1, tp + tn + fp + fn), 3),
        "precision": round(tp / max(1, tp + fp), 3),
        "recall": round(tp / max(1, tp + fn), 3),
        "positive_share": round((tp + fn) / max(1, tp + tn + fp + fn), 3),
    }


def _export(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    ids = torch.tensor([[101, 1015, 2516, 102, 1037, 6251, 1012, 102]])
    fp32 = Path(tempfile.gettempdir()) / "newsdesk-keyfacts.fp32.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1]])),
        str(fp32),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "logits"]},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)


if __name__ == "__main__":
    raise SystemExit(main())
