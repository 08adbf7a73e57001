"""Where a model call's time goes, and what was tried to cut it.

The demo questions' model calls are captured from the real answer path (`answer_bench.prepare`:
the same index, settings and model), then replayed on separate llama.cpp instances: the settings
the app uses, prompt lookup decoding (llama-cpp-python's `LlamaPromptLookupDecoding`, which drafts
the next tokens from the prompt's own n-grams: answers copy their sources' words) with 2 and 4
drafted tokens, and flash attention. Each call starts from the state the app's calls start from
(the system prompt already cached) and is timed twice: prompt only (one token written) and whole.
The order of the instances alternates from call to call. Run from the repository root:

    .venv/bin/python bench/generation_bench.py [--limit 15] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from answer_bench import Call, bare_llama, load_questions, prepare
from benchlib import REPO_ROOT, load_avg, print_table, write_json

from newsdesk.settings import Settings

WARM = "Hi"  # a user turn after the system prompt: the cache state before each timed call


def variants(shipped: Any, settings: Settings) -> dict[str, Any]:
    """The llama.cpp instances compared: `shipped` (the answer bench's bare instance, built as
    `LlamaCppModel` builds the app's own) and variants of it."""
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    def lookup(tokens: int) -> Any:
        return bare_llama(settings, draft_model=LlamaPromptLookupDecoding(num_pred_tokens=tokens))

    return {
        "as shipped": shipped,
        "prompt lookup, 2 tokens": lookup(2),
        "prompt lookup, 4 tokens": lookup(4),
        "flash attention": bare_llama(settings, flash_attn=True),
    }


def timed(llm: Any, call: Call, max_tokens: int) -> tuple[float, dict[str, Any]]:
    """One call from the app's cache state: the system prompt evaluated, the sources not."""
    llm.create_chat_completion(
        [call.messages[0], {"role": "user", "content": WARM}], max_tokens=1, temperature=0.0
    )
    stop = list(call.options.get("stop", ())) or None
    started = time.perf_counter()
    out = llm.create_chat_completion(
        call.messages, max_tokens=max_tokens, stop=stop, temperature=0.0, seed=0
    )
    return time.perf_counter() - started, out


def measure(instances: dict[str, Any], calls: list[Call]) -> dict[str, dict[str, list[Any]]]:
    """Per instance: prompt-only and whole seconds, tokens, and each call's text."""
    runs: dict[str, dict[str, list[Any]]] = {
        name: {"prompt_s": [], "whole_s": [], "prompt_tokens": [], "tokens": [], "text": []}
        for name in instances
    }
    for number, call in enumerate(calls):
        names = list(instances) if number % 2 == 0 else list(instances)[::-1]
        for name in names:
            run = runs[name]
            prompt_s, out = timed(instances[name], call, 1)
            whole_s, out = timed(instances[name], call, int(call.options.get("max_tokens", 200)))
            run["prompt_s"].append(prompt_s)
            run["whole_s"].append(whole_s)
            run["prompt_tokens"].append(out["usage"]["prompt_tokens"])
            run["tokens"].append(out["usage"]["completion_tokens"])
            run["text"].append(out["choices"][0]["message"]["content"] or "")
        print(f"  {number + 1}/{len(calls)} load {load_avg()[0]}", flush=True)
    return runs


def summarise(runs: dict[str, dict[str, list[Any]]]) -> dict[str, Any]:
    base = runs["as shipped"]
    rows: dict[str, Any] = {}
    for name, run in runs.items():
        written = [
            (whole - prompt) / max(tokens - 1, 1)
            for whole, prompt, tokens in zip(run["whole_s"], run["prompt_s"], run["tokens"])
        ]
        rows[name] = {
            "whole_p50_s": statistics.median(run["whole_s"]),
            "whole_mean_s": statistics.mean(run["whole_s"]),
            "prompt_only_p50_s": statistics.median(run["prompt_s"]),
            "per_written_token_p50_s": statistics.median(written),
            "prompt_tokens_p50": statistics.median(run["prompt_tokens"]),
            "written_tokens_p50": statistics.median(run["tokens"]),
            "same_text": sum(a == b for a, b in zip(run["text"], base["text"])),
            "vs_shipped_mean": statistics.mean(run["whole_s"]) / statistics.mean(base["whole_s"]),
        }
    return rows


def table(rows: dict[str, Any], calls: int) -> list[tuple[str, str]]:
    out = []
    for name, r in rows.items():
        out.append(
            (
                name,
                f"whole p50 {r['whole_p50_s']:.2f} s (×{r['vs_shipped_mean']:.2f} of shipped, mean)"
                f" · prompt only {r['prompt_only_p50_s']:.2f} s for {r['prompt_tokens_p50']:.0f}"
                f" tokens · {r['per_written_token_p50_s'] * 1000:.0f} ms a written token"
                f" ({r['written_tokens_p50']:.0f}) · same text {r['same_text']}/{calls}",
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--limit", type=int, default=15, help="The first N answerable questions.")
    parser.add_argument("--data-dir", type=Path, default=None, help="Index here (default: temp).")
    args = parser.parse_args(argv)
    questions = load_questions(args.questions, args.limit)
    with tempfile.TemporaryDirectory(prefix="newsdesk-generation-bench-") as tmp:
        bench, context = prepare(args.data_dir or Path(tmp))
        for question in questions:  # the real answers, for their model calls
            bench.service.answer(question["question"])
        calls = bench.model.calls
        instances = variants(bench.bare, bench.settings)
        started = load_avg()
        runs = measure(instances, calls)
    rows = summarise(runs)
    print_table(f"Generation bench ({len(calls)} model calls)", table(rows, len(calls)))
    context["loadavg"] = {"start": started, "end": load_avg()}
    results = {"calls": len(calls), "variants": rows, **context}
    print(f"wrote {write_json('generation_bench.json', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
