"""The evaluation report as people see it: a rich table and a matplotlib figure.

Importing this module does no work; matplotlib is imported only when a plot is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from newsdesk.evaluate import MODES, EvalReport, GroupRow, Metric, latencies, metrics


def render_table(report: EvalReport) -> Table:
    """The aggregate metrics against their targets, plus latency, as a rich table."""
    table = Table(
        title=f"Newsdesk eval: {len(report.results)} questions "
        f"({report.answerable} answerable, {report.unanswerable} not)"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("", justify="center")
    for m in metrics(report):
        value = "n/a" if m.value is None else f"{m.value:.1%}"
        target = "" if m.target is None else f"{'≥' if m.higher_is_better else '≤'} {m.target:.0%}"
        status = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: ""}[m.passed]
        table.add_row(m.label, value, target, status)
    for label, seconds in latencies(report).items():
        table.add_row(f"latency {label}", f"{seconds:.2f} s", "", "")
    for mode, share in report.modes.items():
        table.add_row(f"answers: {mode}", f"{share:.1%}", "", "")
    return table


def render_breakdown(rows: Sequence[GroupRow], title: str) -> Table:
    """Every metric per question type (or per category), with how the answers were made."""
    table = Table(title=title)
    for column in ("group", "questions", "hit@3", "accuracy", "false refusals", "refusal"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for mode in MODES:
        table.add_column(mode, justify="right")
    for row in rows:
        table.add_row(
            row.name,
            str(row.questions),
            _share(row.hit_at_3),
            _share(row.accuracy),
            _share(row.false_refusal_rate),
            _share(row.refusal_rate),
            *(_share(row.modes.get(mode)) for mode in MODES),
        )
    return table


def render_tables(report: EvalReport) -> list[Table]:
    """The summary table, then the per-type and per-category tables when questions are labelled."""
    tables = [render_table(report)]
    if report.by_type:
        tables.append(render_breakdown(report.by_type, "By question type"))
    if report.by_category:
        tables.append(render_breakdown(report.by_category, "By category"))
    return tables


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def save_plot(report: EvalReport, path: Path) -> None:
    """Write one figure: the quality metrics against their targets, and a latency histogram."""
    import matplotlib  # lazy: a heavy import only the plot needs

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(12, 9))
    (quality, latency), (types, modes) = axes
    try:
        _plot_quality(quality, metrics(report))
        _plot_groups(types, report.by_type or report.by_category)
        _plot_modes(modes, [*report.by_type, *report.by_category])
        latency.hist([r.latency_s for r in report.results], bins="auto", color="tab:blue")
        latency.axvline(report.latency_p50, color="black", linestyle="--", label="p50")
        latency.axvline(report.latency_p95, color="tab:red", linestyle=":", label="p95")
        latency.set(title="Latency per question", xlabel="seconds", ylabel="questions")
        latency.legend()
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    finally:
        plt.close(figure)


def _plot_quality(axes: Any, items: Sequence[Metric]) -> None:
    colours = {True: "tab:green", False: "tab:red", None: "tab:gray"}
    positions = range(len(items))
    axes.bar(
        positions,
        [m.value or 0.0 for m in items],
        color=[colours[m.passed] for m in items],
        tick_label=[m.label for m in items],
    )
    for x, m in zip(positions, items, strict=True):
        if m.target is not None:
            axes.hlines(m.target, x - 0.4, x + 0.4, colors="black", linestyles="--")
            sign = "≥" if m.higher_is_better else "≤"
            axes.annotate(f"{sign}{m.target:.2f}", (x, m.target), ha="center", va="bottom")
    axes.tick_params(axis="x", labelrotation=30)
    axes.set(title="Quality against targets (dashed)", ylim=(0, 1.1), ylabel="rate")


def _plot_groups(axes: Any, rows: Sequence[GroupRow]) -> None:
    """Accuracy (answerable types) or refusal (unanswerable types) per question type."""
    names = [row.name for row in rows]
    values = [(row.accuracy if row.answerable else row.refusal_rate) or 0.0 for row in rows]
    colours = ["tab:blue" if row.answerable else "tab:orange" for row in rows]
    axes.bar(range(len(rows)), values, color=colours, tick_label=names)
    axes.tick_params(axis="x", labelrotation=30)
    axes.set(title="Per type: accuracy (blue) or refusal (orange)", ylim=(0, 1.05), ylabel="rate")


def _plot_modes(axes: Any, rows: Sequence[GroupRow]) -> None:
    """How each group's answers were made: the model's own, a quote, a near miss (the closest
    sentence, not an answer) or a refusal (stacked)."""
    colours = {
        "model": "tab:green",
        "quote": "tab:blue",
        "digest": "tab:purple",
        "near-miss": "tab:olive",
        "refusal": "tab:gray",
    }
    bottom = [0.0] * len(rows)
    for mode in MODES:
        shares = [row.modes.get(mode, 0.0) for row in rows]
        axes.bar(range(len(rows)), shares, bottom=bottom, color=colours[mode], label=mode)
        bottom = [b + v for b, v in zip(bottom, shares, strict=True)]
    axes.set_xticks(range(len(rows)), [row.name for row in rows], rotation=45, ha="right")
    axes.set(title="How answers were made", ylim=(0, 1.05), ylabel="share")
    axes.legend()
