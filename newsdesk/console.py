"""Shared CLI plumbing: stderr console, progress bars, settings loading, error translation."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from index.errors import NewsdeskError
from newsdesk.settings import Settings

err = Console(stderr=True, soft_wrap=True)  # one line stays one line when piped (no 80-column wrap)
T = TypeVar("T")


def fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSDESK_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        fail(f"invalid settings: {problems}")


def guarded(fn: Callable[[], T]) -> T:
    """Run `fn`, turning an expected Newsdesk error into one clear line and exit code 1."""
    try:
        return fn()
    except NewsdeskError as exc:
        fail(str(exc))


class GuardedGroup(TyperGroup):
    """The CLI's command group: an expected Newsdesk error raised anywhere in any command (a
    server down while the app is being built, say) is one clear line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors its own click: its Context type
        try:
            return super().invoke(ctx)
        except NewsdeskError as exc:
            fail(str(exc))


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress_bar() -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    with progress:
        yield progress
