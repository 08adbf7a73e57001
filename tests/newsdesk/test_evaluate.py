"""The evaluation runner: question-file validation, metric arithmetic, and its three renderings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from rich.console import Console

from bot.types import Answer, Source
from newsdesk.evaluate import (
    EvalQuestion,
    QuestionFileError,
    QuestionResult,
    load_questions,
    meets_targets,
    percentile,
    report_json,
    run_eval,
    score,
    summarise,
)
from newsdesk.report import render_table, render_tables, save_plot
from tests.bot.fakes import FakeDesk

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "The indexed articles don't cover that."


def _source(n: int, title: str) -> Source:
    return Source(n, f"a{n}", title, "samples", None, 0.5, "a quoted sentence")


def _answer(text: str, *titles: str, covered: bool = True) -> Answer:
    sources = tuple(_source(n, title) for n, title in enumerate(titles, start=1))
    citations = tuple(s.n for s in sources)
    mode = "refusal" if not covered else ("quote" if text.startswith("“") else "model")
    return Answer(
        "", text, covered, citations, sources, covered=covered, used_model=covered, mode=mode
    )


def _refusal() -> Answer:
    return _answer(REFUSAL, covered=False)


def scripted_desk(questions: Sequence[EvalQuestion]) -> FakeDesk:
    """The one fake `DeskAPI`, scripted with `SCRIPT`'s answer to each question in turn."""
    return FakeDesk().script(*(SCRIPT[q.question] for q in questions))


def _q(
    qid: str,
    expected: tuple[str, ...] = (),
    article: str | None = None,
    kind: str | None = None,
    category: str | None = None,
) -> EvalQuestion:
    return EvalQuestion(qid, f"question {qid}?", expected, article, bool(expected), kind, category)


def _ticking_clock(latencies: Sequence[float]) -> Callable[[], float]:
    """A clock read twice per question (start, end) whose gaps are the given latencies."""
    times: list[float] = []
    now = 100.0
    for latency in latencies:
        times += [now, now + latency]
        now += latency + 0.5
    ticks: Iterator[float] = iter(times)
    return lambda: next(ticks)


QUESTIONS = [
    _q("top", ("Lillian Tan",), "Laura Ashley", "name", "business"),  # first source, right
    _q("second", ("Manchester",), "Labour chooses", "place", "politics"),  # second source, wrong
    _q("fourth", ("1893",), "Millrace Bridge", "date", "politics"),  # fourth source, right
    _q("refused", ("£4.6m",), "Lowick Green", "amount", "business"),  # a false refusal
    _q("declined", kind="near-miss", category="business"),  # unanswerable, refused
    _q("invented", kind="out-of-corpus"),  # unanswerable, answered anyway
]
SCRIPT = {
    "question top?": _answer("It is lillian tan [1].", "Laura Ashley chief stepping down", "x"),
    "question second?": _answer("Blackpool [2].", "Other", "Labour chooses Manchester"),
    "question fourth?": _answer("Built in 1893.", "a", "b", "c", "Millrace Bridge to close"),
    "question refused?": _refusal(),
    "question declined?": _refusal(),
    "question invented?": _answer("Argentina won it.", "Elvis set to top"),
}


async def test_run_eval_asks_each_question_once_in_order() -> None:
    desk = scripted_desk(QUESTIONS)
    await run_eval(desk, QUESTIONS, clock=_ticking_clock([1] * 6))
    assert [c.args for c in desk.asked()] == [(q.question,) for q in QUESTIONS]


async def test_hits_count_the_expected_title_among_the_first_one_and_three_sources() -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    hits = {r.question.id: (r.hit_at_1, r.hit_at_3) for r in report.results}
    assert hits == {
        "top": (True, True),
        "second": (False, True),
        "fourth": (False, False),
        "refused": (False, False),
        "declined": (False, False),
        "invented": (False, False),
    }
    assert report.hit_at_1 == pytest.approx(1 / 4)
    assert report.hit_at_3 == pytest.approx(2 / 4)


async def test_answers_and_refusals_are_scored_per_group() -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    correct = {r.question.id for r in report.results if r.correct}
    refused = {r.question.id for r in report.results if r.refused}
    assert correct == {"top", "fourth"}  # case-insensitive substring match
    assert refused == {"refused", "declined"}
    assert (report.answerable, report.unanswerable) == (4, 2)
    assert report.accuracy == pytest.approx(2 / 4)
    assert report.false_refusal_rate == pytest.approx(1 / 4)
    assert report.refusal_rate == pytest.approx(1 / 2)


async def test_a_refusal_that_happens_to_contain_the_answer_is_not_correct() -> None:
    question = _q("refused", ("cover",), "Lowick Green")
    report = await run_eval(scripted_desk([question]), [question], clock=_ticking_clock([1]))
    assert report.results[0].refused
    assert not report.results[0].correct


async def test_latency_is_measured_per_question_and_summarised() -> None:
    report = await run_eval(
        scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1, 2, 3, 4, 5, 6])
    )
    assert [r.latency_s for r in report.results] == [1, 2, 3, 4, 5, 6]
    assert report.latency_p50 == pytest.approx(3.5)
    assert report.latency_p95 == pytest.approx(5.75)
    assert report.latency_mean == pytest.approx(3.5)


async def test_progress_reports_each_result_with_done_and_total() -> None:
    seen: list[tuple[str, int, int]] = []

    def progress(result: QuestionResult, done: int, total: int) -> None:
        seen.append((result.question.id, done, total))

    await run_eval(
        scripted_desk(QUESTIONS[:3]),
        QUESTIONS[:3],
        on_progress=progress,
        clock=_ticking_clock([1] * 3),
    )
    assert seen == [("top", 1, 3), ("second", 2, 3), ("fourth", 3, 3)]


async def test_a_group_with_no_questions_has_no_rate_and_is_not_judged() -> None:
    report = await run_eval(scripted_desk(QUESTIONS[:1]), QUESTIONS[:1], clock=_ticking_clock([1]))
    assert report.refusal_rate is None
    assert report_json(report)["metrics"]["refusal_rate"] is None  # type: ignore[index]
    assert meets_targets(report)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([7.0], 95, 7.0),
        ([1.0, 2.0], 50, 1.5),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 95, 4.8),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 100, 5.0),
    ],
)
def test_percentile_interpolates_between_ranks(
    values: list[float], q: float, expected: float
) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan_not_zero() -> None:
    assert math.isnan(percentile([], 50))


# --- renderings ----------------------------------------------------------------------------------


async def test_table_shows_each_metric_against_its_target() -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    console = Console(width=120, record=True)
    console.print(render_table(report))
    text = console.export_text()
    for label in ("hit@1", "hit@3", "accuracy", "near-miss refusal", "false refusals", "p95"):
        assert label in text
    assert "50.0%" in text and "≥ 95%" in text and "≤ 5%" in text and "FAIL" in text


async def test_json_report_is_serialisable_and_flags_missed_targets() -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    data = json.loads(json.dumps(report_json(report)))
    assert data["metrics"]["hit_at_3"] == pytest.approx(0.5)
    # right: top, fourth; refused as they should be: declined; wrong: second, refused, invented
    assert data["metrics"]["correct_behaviour"] == pytest.approx(3 / 6)
    assert data["passed"] == {
        "correct_behaviour": False,
        "hit_at_3": False,
        "accuracy": False,
        "false_refusal_rate": False,
        "near_miss_refusal_rate": True,
        "out_of_corpus_refusal_rate": False,
    }
    assert data["meets_targets"] is False
    assert [r["question"]["id"] for r in data["results"]] == [q.id for q in QUESTIONS]
    assert data["results"][0]["titles"][0] == "Laura Ashley chief stepping down"


async def test_every_metric_per_type_and_per_category_with_answer_modes() -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    by_type = {row.name: row for row in report.by_type}
    assert list(by_type) == ["name", "place", "date", "amount", "near-miss", "out-of-corpus"]
    assert by_type["name"].accuracy == 1.0 and by_type["place"].accuracy == 0.0
    assert by_type["amount"].false_refusal_rate == 1.0 and by_type["amount"].accuracy == 0.0
    assert by_type["near-miss"].refusal_rate == 1.0
    assert by_type["out-of-corpus"].refusal_rate == 0.0
    assert by_type["out-of-corpus"].accuracy is None  # no answerable questions to judge
    by_category = {row.name: row for row in report.by_category}
    assert list(by_category) == ["business", "politics"]  # out-of-corpus has no category
    assert by_category["politics"].questions == 2
    assert by_category["politics"].accuracy == pytest.approx(0.5)
    assert report.modes == {
        "model": pytest.approx(4 / 6),
        "quote": 0.0,
        "digest": 0.0,
        "near-miss": 0.0,
        "refusal": 2 / 6,
    }
    assert by_category["business"].modes["refusal"] == pytest.approx(2 / 3)
    console = Console(width=160, record=True)
    for table in render_tables(report):
        console.print(table)
    text = console.export_text()
    assert "By question type" in text and "By category" in text and "out-of-corpus" in text


async def test_save_plot_writes_a_png(tmp_path: Path) -> None:
    report = await run_eval(scripted_desk(QUESTIONS), QUESTIONS, clock=_ticking_clock([1] * 6))
    path = tmp_path / "plots" / "eval.png"
    save_plot(report, path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_an_overview_answered_by_a_digest_counts_as_answered() -> None:
    question = EvalQuestion("o1", "Tell me about Yukos", ("Yugansk",), "Yukos", True, "overview")
    digest = Answer(
        "Tell me about Yukos",
        "From 2 articles:\n- Yugansk was sold [1, 2]",
        True,
        (1, 2),
        (_source(1, "Yukos unit sold"), _source(2, "Yukos appeal")),
        used_model=False,
        mode="digest",
    )
    result = score(question, digest, 0.5)
    assert result.mode == "digest" and not result.refused and result.correct
    assert summarise([result]).modes["digest"] == 1.0


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, newsdesk.report; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --- loading -------------------------------------------------------------------------------------

GOOD: dict[str, object] = {
    "id": "q1",
    "question": "Who?",
    "expected": ["Tan"],
    "article": "A",
    "answerable": True,
}
NONE: dict[str, object] = {
    "id": "q2",
    "question": "Why?",
    "expected": [],
    "article": None,
    "answerable": False,
}


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_questions_reads_both_kinds_and_skips_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps(GOOD), "", json.dumps(NONE))
    assert load_questions(path) == [
        EvalQuestion("q1", "Who?", ("Tan",), "A", answerable=True),
        EvalQuestion("q2", "Why?", (), None, answerable=False),
    ]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (json.dumps({**GOOD, "id": "x", "answerable": None}), "line 2: 'answerable' must be"),
        (
            '{"id": "x", "question": "Q?", "expected": []}',
            "line 2: missing field(s): answerable, article",
        ),
        (json.dumps({**NONE, "answerabel": False}), "line 2: unknown field(s): answerabel"),
        (json.dumps({**GOOD, "id": ""}), "line 2: 'id' must be a non-empty string"),
        (json.dumps({**GOOD, "id": "x", "expected": "Tan"}), "line 2: 'expected' must be a list"),
        (json.dumps({**GOOD, "id": "x", "expected": []}), "line 2: an answerable question needs"),
        (json.dumps({**NONE, "article": "Ashley"}), "line 2: an unanswerable question must"),
        (json.dumps(GOOD), "line 2: duplicate id 'q1'"),
    ],
)
def test_load_questions_names_the_bad_line(tmp_path: Path, bad_line: str, message: str) -> None:
    path = _write(tmp_path, json.dumps(GOOD), bad_line)
    with pytest.raises(QuestionFileError, match=r"questions\.jsonl") as caught:
        load_questions(path)
    assert message in str(caught.value)
    assert caught.value.line == 2


def test_load_questions_rejects_an_empty_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="no questions"):
        load_questions(_write(tmp_path, ""))
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "absent.jsonl")


# --- the shipped evaluation set ------------------------------------------------------------------


def test_the_shipped_question_set_is_valid_and_balanced() -> None:
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(questions) >= 50
    assert sum(not q.answerable for q in questions) >= 12


def test_demo_questions_are_answered_verbatim_by_the_bundled_articles() -> None:
    articles = {
        path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ").casefold(): path
        for path in (ROOT / "samples" / "articles").glob("*.md")
    }
    shipped = load_questions(ROOT / "eval" / "questions.jsonl")
    demo = [q for q in shipped if q.id.startswith("demo-")]
    assert demo
    for question in demo:
        assert question.article is not None
        matches = [p for title, p in articles.items() if question.article.casefold() in title]
        assert len(matches) == 1, question.id
        text = matches[0].read_text(encoding="utf-8").casefold()
        assert any(e.casefold() in text for e in question.expected), question.id


def test_the_dev_split_loads_with_its_types_and_categories() -> None:
    questions = load_questions(ROOT / "eval" / "dev.jsonl")
    assert {q.type for q in questions} >= {"amount", "why", "near-miss", "out-of-corpus"}
    assert all(q.category is None for q in questions if q.type == "out-of-corpus")


def test_a_type_that_is_not_a_string_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    line = {"id": "a", "question": "q?", "expected": [], "article": None, "answerable": False}
    path.write_text(json.dumps(line | {"type": 3}) + "\n")
    with pytest.raises(QuestionFileError, match="line 1: 'type' must be a non-empty string"):
        load_questions(path)


def test_a_near_miss_counts_as_not_answered_and_keeps_its_mode() -> None:
    source = _source(1, "Lowick Green Library reopens")
    closest = Answer(
        "q",
        "The articles don't say exactly. The closest they come: “It reopened.” [1]",
        False,
        (1,),
        (source,),
        covered=False,
        used_model=False,
        mode="near-miss",
    )
    near = score(_q("nm", kind="near-miss"), closest, 1.0)
    assert near.refused and near.mode == "near-miss" and near.behaved
    # counter-example: the same reply to an answerable question is a false refusal
    wrong = score(_q("a", ("£4.6m",), "Lowick"), closest, 1.0)
    assert wrong.refused and not wrong.correct and not wrong.behaved
