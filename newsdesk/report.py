"""The evaluation report as people see it: a rich table and a matplotlib figure.

Importing this module does no work; matplotlib is imported only when a plot is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from newsdesk.evaluate import EvalReport, Metric, latencies, metrics


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
    return table


def save_plot(report: EvalReport, path: Path) -> None:
    """Write one figure: the quality metrics against their targets, and a latency histogram."""
    import matplotlib  # lazy: a heavy import only the plot needs

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (quality, latency) = plt.subplots(1, 2, figsize=(11, 4.5))
    try:
        _plot_quality(quality, metrics(report))
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
    axes.set(title="Quality against targets (dashed)", ylim=(0, 1.1), ylabel="rate")
