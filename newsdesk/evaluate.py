"""Evaluate the answering core against a JSONL question set: retrieval, answers, refusals, latency.

Pure and transport-free: questions go through the same async `DeskAPI` every transport uses, one at
a time (so the model queue never reports busy), and the results are plain frozen dataclasses that
the CLI renders as JSON, or through `newsdesk.report` as a table or a plot.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.desk import DeskAPI
from bot.types import Answer

# Targets (issues 8 and 18): hit@3 and accuracy over answerable questions, refusals of near-miss
# (the topic is indexed, the fact is not) and out-of-corpus questions, and correct behaviour over
# all questions (floors); false refusals of answerable questions (a ceiling).
TARGET_HIT_AT_3 = 0.95
TARGET_ACCURACY = 0.85
TARGET_CORRECT_BEHAVIOUR = 0.85
TARGET_FALSE_REFUSAL = 0.05
TARGET_NEAR_MISS_REFUSAL = 0.80
TARGET_OUT_OF_CORPUS_REFUSAL = 0.95
NEAR_MISS = "near-miss"
OUT_OF_CORPUS = "out-of-corpus"
MODES = ("model", "quote", "digest", "near-miss", "refusal")

_FIELDS = {"id", "question", "expected", "article", "answerable"}
# Optional labels: the question's type (amount, name, ..., near-miss, out-of-corpus), the
# article's category, and the corpus row it was written from (kept for people, unused here).
_OPTIONAL = {"type", "category", "row"}

Clock = Callable[[], float]


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    expected: tuple[str, ...]
    """Answer substrings; any one found in the answer (case-insensitive) counts as correct."""
    article: str | None
    """A case-insensitive substring of the expected article's title; None when unanswerable."""
    answerable: bool
    type: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class QuestionResult:
    question: EvalQuestion
    answer: str
    titles: tuple[str, ...]
    """Source titles in rank order."""
    latency_s: float
    refused: bool
    hit_at_1: bool
    hit_at_3: bool
    correct: bool
    """Answerable, not refused, and an expected substring is in the answer; False otherwise."""
    mode: str = "model"
    """How the answer was made: one of MODES."""

    @property
    def behaved(self) -> bool:
        """Correct behaviour: an answerable question answered right, any other one not answered."""
        return self.correct if self.question.answerable else self.refused


@dataclass(frozen=True)
class GroupRow:
    """The metrics of the questions sharing one type or one category (None: no such questions)."""

    name: str
    questions: int
    answerable: int
    hit_at_3: float | None
    accuracy: float | None
    false_refusal_rate: float | None
    refusal_rate: float | None
    modes: dict[str, float]
    """Share of the group's answers made each way (MODES)."""


@dataclass(frozen=True)
class EvalReport:
    """Aggregates are None when their group (answerable / unanswerable) is empty."""

    results: tuple[QuestionResult, ...]
    hit_at_1: float | None
    hit_at_3: float | None
    accuracy: float | None
    refusal_rate: float | None
    false_refusal_rate: float | None
    latency_p50: float
    latency_p95: float
    latency_mean: float
    correct_behaviour: float | None = None
    """Answerable questions answered right, near misses and out-of-corpus ones not answered."""
    near_miss_refusal_rate: float | None = None
    out_of_corpus_refusal_rate: float | None = None
    modes: dict[str, float] = field(default_factory=dict)
    by_type: tuple[GroupRow, ...] = ()
    by_category: tuple[GroupRow, ...] = ()

    @property
    def answerable(self) -> int:
        return sum(r.question.answerable for r in self.results)

    @property
    def unanswerable(self) -> int:
        return len(self.results) - self.answerable


ProgressCallback = Callable[[QuestionResult, int, int], None]
"""Receives each result as it arrives, with the number done so far and the total."""


class QuestionFileError(ValueError):
    """A question file that can't be used; the message names the file and line to fix."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


# --- loading -------------------------------------------------------------------------------------


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read and validate a JSONL question file; blank lines are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionFileError(path, None, f"cannot read the file ({exc.strerror})") from exc
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            question = _parse_question(line)
        except ValueError as exc:
            raise QuestionFileError(path, number, str(exc)) from exc
        if question.id in seen:
            raise QuestionFileError(path, number, f"duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(path, None, "no questions in the file")
    return questions


def _parse_question(line: str) -> EvalQuestion:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    if missing := sorted(_FIELDS - raw.keys()):
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if unknown := sorted(raw.keys() - _FIELDS - _OPTIONAL):
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for name in ("id", "question"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise ValueError(f"'{name}' must be a non-empty string")
    expected, article, answerable = raw["expected"], raw["article"], raw["answerable"]
    if not isinstance(answerable, bool):
        raise ValueError("'answerable' must be true or false")
    if not isinstance(expected, list) or not all(isinstance(e, str) and e for e in expected):
        raise ValueError("'expected' must be a list of non-empty strings")
    if article is not None and (not isinstance(article, str) or not article.strip()):
        raise ValueError("'article' must be a non-empty string or null")
    if answerable and (not expected or article is None):
        raise ValueError("an answerable question needs 'expected' answers and an 'article'")
    if not answerable and (expected or article is not None):
        raise ValueError("an unanswerable question must have 'expected': [] and 'article': null")
    for name in ("type", "category"):
        if raw.get(name) is not None and (not isinstance(raw[name], str) or not raw[name]):
            raise ValueError(f"'{name}' must be a non-empty string or null")
    return EvalQuestion(
        raw["id"],
        raw["question"],
        tuple(expected),
        article,
        answerable,
        raw.get("type"),
        raw.get("category"),
    )


# --- running -------------------------------------------------------------------------------------


async def run_eval(
    desk: DeskAPI,
    questions: Sequence[EvalQuestion],
    *,
    on_progress: ProgressCallback | None = None,
    clock: Clock = time.perf_counter,
) -> EvalReport:
    """Ask every question in turn and score the answers. Errors from `desk.ask` propagate."""
    results: list[QuestionResult] = []
    for question in questions:
        started = clock()
        answer = await desk.ask(question.question)
        results.append(score(question, answer, clock() - started))
        if on_progress is not None:
            on_progress(results[-1], len(results), len(questions))
    return summarise(results)


def score(question: EvalQuestion, answer: Answer, latency_s: float) -> QuestionResult:
    """Score one answer: retrieval hits, correctness and refusal."""
    titles = tuple(source.title for source in answer.sources)
    refused = not answer.covered
    text = answer.text.casefold()
    correct = (
        question.answerable
        and not refused
        and any(expected.casefold() in text for expected in question.expected)
    )
    return QuestionResult(
        question=question,
        answer=answer.text,
        titles=titles,
        latency_s=latency_s,
        refused=refused,
        hit_at_1=_hit(question, titles[:1]),
        hit_at_3=_hit(question, titles[:3]),
        correct=correct,
        mode=answer.mode if answer.mode == "near-miss" or not refused else "refusal",
    )


def _hit(question: EvalQuestion, titles: Sequence[str]) -> bool:
    if question.article is None:
        return False
    wanted = question.article.casefold()
    return any(wanted in title.casefold() for title in titles)


def summarise(results: Sequence[QuestionResult]) -> EvalReport:
    """Aggregate per-question results into the report's metrics."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    latencies = [r.latency_s for r in results]
    return EvalReport(
        correct_behaviour=_rate(r.behaved for r in results),
        near_miss_refusal_rate=_rate(r.refused for r in results if r.question.type == NEAR_MISS),
        out_of_corpus_refusal_rate=_rate(
            r.refused for r in results if r.question.type == OUT_OF_CORPUS
        ),
        modes=_modes(results),
        by_type=breakdown(results, lambda q: q.type),
        by_category=breakdown(results, lambda q: q.category),
        results=tuple(results),
        hit_at_1=_rate(r.hit_at_1 for r in answerable),
        hit_at_3=_rate(r.hit_at_3 for r in answerable),
        accuracy=_rate(r.correct for r in answerable),
        refusal_rate=_rate(r.refused for r in unanswerable),
        false_refusal_rate=_rate(r.refused for r in answerable),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
        latency_mean=statistics.fmean(latencies) if latencies else math.nan,
    )


def breakdown(
    results: Sequence[QuestionResult], key: Callable[[EvalQuestion], str | None]
) -> tuple[GroupRow, ...]:
    """One row per value of `key` (questions without one are left out), in first-seen order."""
    names = list(dict.fromkeys(k for r in results if (k := key(r.question)) is not None))
    rows = []
    for name in names:
        group = [r for r in results if key(r.question) == name]
        answerable = [r for r in group if r.question.answerable]
        rows.append(
            GroupRow(
                name=name,
                questions=len(group),
                answerable=len(answerable),
                hit_at_3=_rate(r.hit_at_3 for r in answerable),
                accuracy=_rate(r.correct for r in answerable),
                false_refusal_rate=_rate(r.refused for r in answerable),
                refusal_rate=_rate(r.refused for r in group if not r.question.answerable),
                modes=_modes(group),
            )
        )
    return tuple(rows)


def _modes(results: Sequence[QuestionResult]) -> dict[str, float]:
    if not results:
        return {}
    return {m: sum(r.mode == m for r in results) / len(results) for m in MODES}


def _rate(flags: Iterable[bool]) -> float | None:
    values = [bool(flag) for flag in flags]
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolating linearly between ranks (numpy's default).

    NaN for no values: no data is not zero seconds. The one percentile (the benches use it too).
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- targets and rendering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: float | None
    target: float | None
    higher_is_better: bool = True

    @property
    def passed(self) -> bool | None:
        """None when there is no target or no value to judge."""
        if self.target is None or self.value is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def metrics(report: EvalReport) -> tuple[Metric, ...]:
    """The quality metrics with their targets, in display order.

    Refusal of unanswerable questions is judged per kind (near-miss, out-of-corpus) when the
    questions are typed; the overall refusal rate is shown without a target.
    """
    return (
        Metric(
            "correct_behaviour",
            "correct behaviour (all)",
            report.correct_behaviour,
            TARGET_CORRECT_BEHAVIOUR,
        ),
        Metric("hit_at_1", "hit@1", report.hit_at_1, None),
        Metric("hit_at_3", "hit@3", report.hit_at_3, TARGET_HIT_AT_3),
        Metric("accuracy", "accuracy", report.accuracy, TARGET_ACCURACY),
        Metric(
            "false_refusal_rate",
            "false refusals",
            report.false_refusal_rate,
            TARGET_FALSE_REFUSAL,
            higher_is_better=False,
        ),
        Metric("refusal_rate", "refusal (all unanswerable)", report.refusal_rate, None),
        Metric(
            "near_miss_refusal_rate",
            "near-miss refusal",
            report.near_miss_refusal_rate,
            TARGET_NEAR_MISS_REFUSAL,
        ),
        Metric(
            "out_of_corpus_refusal_rate",
            "out-of-corpus refusal",
            report.out_of_corpus_refusal_rate,
            TARGET_OUT_OF_CORPUS_REFUSAL,
        ),
    )


def meets_targets(report: EvalReport) -> bool:
    """True when no targeted metric misses its target (a metric with no questions is not judged)."""
    return all(m.passed is not False for m in metrics(report))


def report_json(report: EvalReport) -> dict[str, object]:
    """A JSON-ready summary: the metrics, targets, latency and every question's outcome."""
    return {
        "questions": len(report.results),
        "answerable": report.answerable,
        "unanswerable": report.unanswerable,
        "metrics": {m.key: m.value for m in metrics(report)},
        "targets": {m.key: m.target for m in metrics(report) if m.target is not None},
        "passed": {m.key: m.passed for m in metrics(report) if m.target is not None},
        "meets_targets": meets_targets(report),
        "latency_s": latencies(report),
        "modes": report.modes,
        "by_type": [asdict(row) for row in report.by_type],
        "by_category": [asdict(row) for row in report.by_category],
        "results": [asdict(r) for r in report.results],
    }


def latencies(report: EvalReport) -> dict[str, float]:
    return {"p50": report.latency_p50, "p95": report.latency_p95, "mean": report.latency_mean}
