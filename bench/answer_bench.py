"""Answer benchmark: the stages of one answer vs a bare llama.cpp call on the identical messages.

For each answerable question of an eval set, the real `AnswerService.answer` runs once with its
parts wrapped in timing proxies (retriever, evidence ranker, model, and `question_features` /
`number_sources` / `verify` in
`bot.engine.answer`), so the stages add up to the whole answer: retrieval, numbering sources, prompt
rendering (+ glue), generation, checks. Then a separate `llama_cpp.Llama` built with the same
settings makes the same model calls with a plain `create_chat_completion` (every call of the
answer, in order: the answer, and the "Not stated" check where the answerability model is unsure;
goal: whole answer <= 1.10 x bare). Run from the repository root:

    .venv/bin/python bench/answer_bench.py [--questions eval/questions.jsonl] [--limit N]
                                           [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import (
    REPO_ROOT,
    Profile,
    TimedProxy,
    load_avg,
    machine,
    peak_rss_mb,
    print_table,
    results_path,
    rss_mb,
    write_json,
)

import bot.engine.answer
from bot.engine.answer import AnswerService
from bot.engine.evidence import Evidence, Weights
from bot.engine.reader import OnnxReader
from bot.engine.relevance import MsMarcoRelevance
from index.ingest.load import expand_sources, load_source
from newsdesk.app import App, answer_search, model_file
from newsdesk.evaluate import percentile
from newsdesk.settings import Settings

SOURCES = (
    REPO_ROOT / "samples" / "articles",
    REPO_ROOT.parent / "shared" / "samples",
    REPO_ROOT.parent / "shared" / "corpus" / "bbc" / "val.csv",
)
GOAL = 1.10
STAGES = (
    "retrieval",
    "evidence",
    "coverage",
    "reader",
    "number sources",
    "prompt rendering",
    "generation",
    "checks",
)
# Functions `AnswerService.answer` looks up in `bot.engine.answer` at call time, and their stages.
TIMED_FUNCTIONS = {
    "question_features": "coverage",
    "number_sources": "number sources",
    "verify": "checks",
}


@dataclass(frozen=True)
class Run:
    """One question: exclusive stage seconds of the real answer, and the bare call beside it."""

    qid: str
    stages: dict[str, float]
    whole_s: float
    bare_s: float | None
    bare_stream_s: float | None
    prompt_tokens: int | None
    app_tokens: int | None
    bare_tokens: int | None
    same_text: bool | None
    loadavg_1m: float


@dataclass(frozen=True)
class Call:
    """One `complete` call of an answer: its messages, options and reply."""

    messages: list[dict[str, str]]
    options: dict[str, Any]
    reply: str


class CapturingModel:
    """Passes through to the real model and keeps every call of the current answer, in order:
    the answer itself, then the "Not stated" check when the answerability model is unsure."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.calls: list[Call] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def complete(self, messages: Sequence[dict[str, str]], **kwargs: Any) -> str:
        reply = self._model.complete(messages, **kwargs)
        options = {k: v for k, v in kwargs.items() if k != "on_text"}
        self.calls.append(Call(list(messages), options, reply))
        return reply


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="Only the first N answerable.")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Build (or reuse: unchanged articles are skipped) the index here; default: temp dir.",
    )
    return parser.parse_args(argv)


def load_questions(path: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    answerable = [row for row in rows if row.get("answerable")]
    return answerable[:limit] if limit is not None else answerable


def build_index(app: App) -> dict[str, Any]:
    s = app.settings
    started = time.perf_counter()
    articles = [
        article
        for source in expand_sources([str(p) for p in SOURCES])
        for article in load_source(source, max_bytes=s.max_source_bytes, timeout=s.fetch_timeout)
    ]
    report = app.index.add(articles)
    return {
        "articles": len(articles),
        "added": report.added,
        "unchanged": report.unchanged,
        "chunks_added": report.chunks,
        "seconds": time.perf_counter() - started,
    }


def bare_llama(settings: Settings, **extra: Any) -> Any:
    """A second llama.cpp instance built exactly as `LlamaCppModel` builds the app's own: the
    same GGUF (`model_file`), context and threads; `extra` for a variant of it."""
    from llama_cpp import Llama

    return Llama(
        model_path=str(model_file(settings)),
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads or os.cpu_count(),
        seed=settings.seed,
        verbose=False,
        **extra,
    )


@contextmanager
def timed_answer_functions(profile: Profile) -> Iterator[None]:
    """Time the `TIMED_FUNCTIONS` (those present) where `AnswerService.answer` looks them up."""
    saved = {
        name: getattr(bot.engine.answer, name)
        for name in TIMED_FUNCTIONS
        if hasattr(bot.engine.answer, name)
    }
    for name, function in saved.items():
        setattr(bot.engine.answer, name, profile.timed(TIMED_FUNCTIONS[name], function))
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(bot.engine.answer, name, function)


class Bench:
    """The instrumented answering service and the bare model beside it."""

    def __init__(self, app: App, bare: Any, bare_stream: Any) -> None:
        s = app.settings
        self.settings = s
        self.profile = Profile()
        self.model = CapturingModel(app.model)
        relevance = MsMarcoRelevance(threads=s.embed_threads)
        search = answer_search(s, app.retriever, relevance)  # reranked unless the pool is 0
        retriever: Any = TimedProxy(search, self.profile, {"search": "retrieval"})
        model: Any = TimedProxy(self.model, self.profile, {"complete": "generation"})
        evidence: Any = TimedProxy(
            Evidence(app.embedder.embed, Weights.load(), relevance),
            self.profile,
            {"candidates": "evidence"},
        )
        reader: Any = TimedProxy(OnnxReader(), self.profile, {"score": "reader"})
        self.service = AnswerService(
            retriever,
            lambda: model,
            evidence,
            max_tokens=s.max_tokens,
            reader=lambda: reader,
            veto_below=s.reader_veto,
        )
        self.bare = bare
        self.bare_stream = bare_stream

    def answer(self, question: str) -> tuple[dict[str, float], float]:
        self.profile.reset()
        self.model.calls = []
        started = time.perf_counter()
        with self.profile.stage("prompt rendering"):  # the root: its own time is the glue
            self.service.answer(question)
        return dict(self.profile.seconds), time.perf_counter() - started

    def options(self, call: Call) -> dict[str, Any]:
        """The service's own `complete` options (max_tokens, stop, ...) plus the model settings."""
        s, captured = self.settings, dict(call.options)
        stop = list(captured.pop("stop", ())) or None
        return {**captured, "stop": stop, "temperature": s.temperature, "seed": s.seed}

    def bare_call(self, calls: list[Call]) -> tuple[float, str, dict[str, int]]:
        """Every call of the answer made bare, in order: the seconds, the first reply (the
        answer's) and its token usage."""
        started = time.perf_counter()
        outs = [self.bare.create_chat_completion(c.messages, **self.options(c)) for c in calls]
        seconds = time.perf_counter() - started
        return seconds, outs[0]["choices"][0]["message"]["content"] or "", outs[0]["usage"]

    def bare_stream_call(self, calls: list[Call]) -> float:
        """The same calls streamed, as `LlamaCppModel.complete` makes them, deltas discarded."""
        started = time.perf_counter()
        for call in calls:
            for _ in self.bare_stream.create_chat_completion(
                call.messages, stream=True, **self.options(call)
            ):
                pass
        return time.perf_counter() - started


def run_question(bench: Bench, question: dict[str, Any], stream_first: bool) -> Run:
    """The real answer first (it makes the messages), then both bare calls, order alternating."""
    stages, whole = bench.answer(question["question"])
    calls = bench.model.calls
    if not calls:  # retrieval found nothing, or a near miss: the model is never asked
        return Run(question["id"], stages, whole, None, None, None, None, None, None, load_avg()[0])
    stream_s = bench.bare_stream_call(calls) if stream_first else 0.0
    bare_s, bare_text, usage = bench.bare_call(calls)
    stream_s = stream_s or bench.bare_stream_call(calls)
    reply = calls[0].reply
    return Run(
        qid=question["id"],
        stages=stages,
        whole_s=whole,
        bare_s=bare_s,
        bare_stream_s=stream_s,
        prompt_tokens=usage["prompt_tokens"],
        app_tokens=bench.model.count_tokens(reply),
        bare_tokens=usage["completion_tokens"],
        same_text=bare_text.strip() == reply,
        loadavg_1m=load_avg()[0],
    )


def run_all(bench: Bench, questions: list[dict[str, Any]]) -> tuple[Run, list[Run]]:
    """A cold run (lexical index build, first prompt) kept apart, then every question.

    The cold run answers the last question, so the first measured one does not find its own
    prompt already in llama.cpp's prefix cache (each instance keeps only its last prompt).
    """
    cold = run_question(bench, questions[-1], stream_first=False)
    runs = []
    for number, question in enumerate(questions, start=1):
        runs.append(run_question(bench, question, stream_first=number % 2 == 0))
        print(
            f"  {number}/{len(questions)} {question['id']}: {runs[-1].whole_s:.2f} s "
            f"(bare {runs[-1].bare_s or 0:.2f} s, load {runs[-1].loadavg_1m})",
            flush=True,
        )
    return cold, runs


def quantiles(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": sum(values) / len(values) if values else float("nan"),
    }


def ratios(top: Sequence[float], bottom: Sequence[float]) -> dict[str, float]:
    return quantiles([a / b for a, b in zip(top, bottom, strict=True)])


def summarise(runs: list[Run], cold: Run, context: dict[str, Any]) -> dict[str, Any]:
    done = [r for r in runs if r.bare_s is not None]
    gen = [r.stages.get("generation", 0.0) for r in done]
    bare = [r.bare_s or 0.0 for r in done]
    stream = [r.bare_stream_s or 0.0 for r in done]
    whole = [r.whole_s for r in done]
    return {
        "questions": len(runs),
        "answered_by_model": len(done),
        "not_covered": len(runs) - len(done),
        "stages_s": {n: quantiles([r.stages.get(n, 0.0) for r in done]) for n in STAGES},
        "whole_s": quantiles(whole),
        "bare_s": quantiles(bare),
        "bare_stream_s": quantiles(stream),
        "ratio_whole_to_bare_stream": ratios(whole, stream),
        "ratio_bare_stream_to_bare": ratios(stream, bare),
        "non_generation_s": quantiles([w - g for w, g in zip(whole, gen, strict=True)]),
        "ratio_whole_to_bare": ratios(whole, bare),
        "ratio_total_whole_to_bare": sum(whole) / sum(bare),
        "goal_ratio": GOAL,
        "ratio_generation_to_bare": ratios(gen, bare),
        "tokens_per_s_generation": sum(r.app_tokens or 0 for r in done) / sum(gen),
        "tokens_per_s_bare": sum(r.bare_tokens or 0 for r in done) / sum(bare),
        "completion_tokens": quantiles([float(r.bare_tokens or 0) for r in done]),
        "prompt_tokens": quantiles([float(r.prompt_tokens or 0) for r in done]),
        "same_text_as_bare": sum(bool(r.same_text) for r in done),
        "cold_first": {"whole_s": cold.whole_s, "stages_s": cold.stages, "bare_s": cold.bare_s},
        "loadavg_1m_during": [min(r.loadavg_1m for r in runs), max(r.loadavg_1m for r in runs)],
        "peak_rss_mb": peak_rss_mb(),
        "machine": machine(),
        **context,
        "runs": [vars(r) for r in runs],
    }


def table_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    def pq(q: dict[str, float], unit: str = " s", digits: int = 3) -> str:
        return f"{q['p50']:.{digits}f}{unit} / {q['p95']:.{digits}f}{unit}"

    rows = [
        (
            "questions (answered by model; not covered)",
            f"{r['questions']} ({r['answered_by_model']}; {r['not_covered']})",
        ),
        ("index (articles; build s)", f"{r['index']['articles']}; {r['index']['seconds']:.1f}"),
        ("stage p50 / p95", ""),
    ]
    rows += [(f"  {name}", pq(r["stages_s"][name])) for name in STAGES]
    rows += [
        ("whole answer p50 / p95", pq(r["whole_s"])),
        ("bare create_chat_completion p50 / p95", pq(r["bare_s"])),
        ("bare, streamed p50 / p95", pq(r["bare_stream_s"])),
        ("whole - generation p50 / p95", pq(r["non_generation_s"])),
        ("ratio whole/bare p50 / p95 (goal <= 1.10)", pq(r["ratio_whole_to_bare"], "", 3)),
        ("ratio sum(whole)/sum(bare)", f"{r['ratio_total_whole_to_bare']:.3f}"),
        ("ratio generation/bare p50 / p95", pq(r["ratio_generation_to_bare"], "", 3)),
        ("ratio whole/bare streamed p50 / p95", pq(r["ratio_whole_to_bare_stream"], "", 3)),
        ("ratio bare streamed/bare p50 / p95", pq(r["ratio_bare_stream_to_bare"], "", 3)),
        (
            "tokens/s generation; bare",
            f"{r['tokens_per_s_generation']:.1f}; {r['tokens_per_s_bare']:.1f}",
        ),
        ("prompt tokens p50 / p95", pq(r["prompt_tokens"], "", 0)),
        ("completion tokens p50 / p95", pq(r["completion_tokens"], "", 0)),
        ("same text as bare", f"{r['same_text_as_bare']}/{r['answered_by_model']}"),
        (
            "cold first answer (whole; bare)",
            f"{r['cold_first']['whole_s']:.2f} s; {r['cold_first']['bare_s'] or 0:.2f} s",
        ),
        (
            "RSS after index / + app model / + 2 bare models",
            "{:.0f} / {:.0f} / {:.0f} MiB".format(*r["rss_mb"].values()),
        ),
        ("peak RSS", f"{r['peak_rss_mb']:.0f} MiB"),
        ("load avg 1 min during runs (min-max)", "{} - {}".format(*r["loadavg_1m_during"])),
        ("cpus; n_threads setting", f"{r['machine']['cpus']}; {r['settings']['n_threads']}"),
    ]
    return rows


def plot(r: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    runs = [run for run in r["runs"] if run["bare_s"] is not None]
    xs = range(1, len(runs) + 1)
    bottom = [0.0] * len(runs)
    for name in STAGES:
        heights = [run["stages"].get(name, 0.0) for run in runs]
        left.bar(xs, heights, bottom=bottom, label=name)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    left.plot(
        xs,
        [run["bare_s"] for run in runs],
        "k_",
        markersize=12,
        mew=2,
        label="bare create_chat_completion",
    )
    left.plot(
        xs,
        [run["bare_stream_s"] for run in runs],
        "_",
        color="grey",
        markersize=12,
        mew=2,
        label="bare, streamed",
    )
    left.set_xlabel("question (answerable, answered by the model)")
    left.set_ylabel("seconds")
    left.set_title("Each answer by stage, and the bare calls on the same messages")
    left.set_ylim(0, max(max(bottom), *(run["bare_stream_s"] for run in runs)) * 1.35)
    left.legend(fontsize=8, ncol=3, loc="upper left")
    names = [*STAGES, "whole", "bare", "bare streamed"]
    quant = {
        **r["stages_s"],
        "whole": r["whole_s"],
        "bare": r["bare_s"],
        "bare streamed": r["bare_stream_s"],
    }
    for offset, key in ((-0.2, "p50"), (0.2, "p95")):
        right.bar(
            [i + offset for i in range(len(names))],
            [quant[n][key] * 1000 for n in names],
            width=0.4,
            label=key,
        )
    right.set_yscale("log")
    right.set_xticks(range(len(names)), [n.replace(" ", "\n") for n in names], fontsize=8)
    right.set_ylabel("milliseconds (log)")
    right.set_title(
        f"p50 / p95; whole/bare p50 = {r['ratio_whole_to_bare']['p50']:.3f} (goal <= {GOAL})",
        fontsize=10,
    )
    right.legend()
    fig.suptitle(
        f"Answer bench: {len(runs)} questions, {r['tokens_per_s_generation']:.1f} tok/s, "
        f"{r['machine']['cpus']} cpus, load avg {r['machine']['loadavg_1_5_15'][0]}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def prepare(data_dir: Path) -> tuple[Bench, dict[str, Any]]:
    settings = Settings(data_dir=data_dir, embedder="minilm")
    if settings.llama_server_url:
        raise SystemExit("error: unset NEWSDESK_LLAMA_SERVER_URL; this bench times in-process")
    app = App(settings)
    index = build_index(app)
    rss = {"index": rss_mb()}
    app.model  # noqa: B018 - load it now, outside the timed answers
    rss["app_model"] = rss_mb()
    bench = Bench(app, bare_llama(settings), bare_llama(settings))
    rss["bare_models"] = rss_mb()
    keys = {"embedder", "top_k", "n_ctx", "n_threads", "max_tokens", "temperature", "seed"}
    return bench, {"index": index, "rss_mb": rss, "settings": settings.model_dump(include=keys)}


def run(data_dir: Path, questions: list[dict[str, Any]]) -> dict[str, Any]:
    bench, context = prepare(data_dir)
    started = load_avg()
    with timed_answer_functions(bench.profile):
        cold, runs = run_all(bench, questions)
    context["loadavg"] = {"start": started, "end": load_avg()}
    return summarise(runs, cold, context)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    questions = load_questions(args.questions, args.limit)
    if not questions:
        print(f"error: no answerable questions in {args.questions}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="newsdesk-answer-bench-") as tmp:
        results = run(args.data_dir or Path(tmp), questions)
    suffix = f"-{args.limit}" if args.limit else ""
    title = f"Answer bench ({results['questions']} answerable questions)"
    print_table(title, table_rows(results))
    png = results_path(f"answer_bench{suffix}.png")
    plot(results, png)
    print(f"wrote {write_json(f'answer_bench{suffix}.json', results)} and {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
