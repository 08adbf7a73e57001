"""`newsdesk`: the command line. Thin: each command parses, calls the core, formats the result."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict, replace
from pathlib import Path

import typer

from bot.conversation import check_question
from bot.types import Answer, QuestionError, Summary
from newsdesk.app import App, build_searching_app, configure_logging
from newsdesk.console import GuardedGroup, err, fail, guarded, load_settings, print_json
from newsdesk.evaluate import EvalQuestion
from newsdesk.feeds_cli import feeds_app, watch
from newsdesk.index_cli import index_app

app = typer.Typer(
    cls=GuardedGroup,
    help="Newsdesk: answers questions about your news articles, with citations, on your machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app, name="index")
app.add_typer(feeds_app, name="feeds")
app.command("watch")(watch)


def _app() -> App:
    settings = load_settings()
    configure_logging(settings)
    app = build_searching_app(settings)
    guarded(lambda: app.index)  # a damaged, missing or unreadable catalog is one line here
    return app


SOURCE_KEYS = ("n", "article_id", "title", "source", "url", "score", "quote")


def answer_json(answer: Answer) -> dict[str, object]:
    """The `ask --json` contract."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "grounded": answer.grounded,
        "mode": answer.mode,
        "citations": list(answer.citations),
        "sources": [{k: asdict(s)[k] for k in SOURCE_KEYS} for s in answer.sources],
    }


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Answer QUESTION from the indexed articles, citing them."""
    application = _app()
    checked = guarded(lambda: check_question(question, application.settings.max_question_chars))
    desk = application.desk
    answer = guarded(lambda: asyncio.run(desk.ask(checked)))
    if as_json:
        print_json(answer_json(answer))
        return
    print(answer.text)
    for s in answer.sources:
        print(f"[{s.n}] {s.title} — {s.url or s.source}")


@app.command()
def summarise(
    article: str = typer.Argument(
        "", help="An article id, (part of) its title, or a topic to digest from several articles."
    ),
    topic: str = typer.Option(
        "", "--topic", help="Digest what the most relevant articles say about TOPIC."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Summarise one indexed article, or digest a topic from the most relevant articles."""
    if bool(article.strip()) == bool(topic.strip()):
        fail("give an ARTICLE (id or title) or --topic TEXT, not both or neither")
    desk = _app().desk
    if topic.strip():
        summary = guarded(lambda: asyncio.run(desk.digest(topic.strip())))
    else:
        summary = guarded(lambda: asyncio.run(desk.summarise(article)))
    if as_json:
        print_json(summary_json(summary))
        return
    print(f"{summary.title}\n\n{summary.summary}\n")
    if summary.sources:
        for s in summary.sources:
            print(f"[{s.n}] {s.title} — {s.url or s.source}")
    else:
        print(f"— {summary.url or summary.source}")


def summary_json(summary: Summary) -> dict[str, object]:
    """`summarise --json`: the article's fields; a digest (empty `article_id`) adds `sources`."""
    data = asdict(summary)
    out: dict[str, object] = {
        k: data[k] for k in ("article_id", "title", "source", "summary", "grounded")
    }
    if summary.sources or not summary.article_id:
        out["article_id"] = summary.article_id or None
        out["source"] = summary.source or None
        out["sources"] = [
            {"n": s.n, "article_id": s.article_id, "title": s.title, "url": s.url}
            for s in summary.sources
        ]
    return out


@app.command()
def chat() -> None:
    """Talk to Newsdesk in the terminal, exactly as on Discord (no token needed)."""
    from bot.transports.terminal import run_chat
    from newsdesk.watch import watching

    application = _app()
    guarded(application.index.quick_check)  # never serve a damaged index: say so and stop
    with watching(application.settings):  # watched feeds keep indexing while you chat
        code = guarded(
            lambda: asyncio.run(
                run_chat(
                    application.desk,
                    stdin=sys.stdin,
                    stdout=sys.stdout,
                    history_turns=application.settings.history_turns,
                    max_question_chars=application.settings.max_question_chars,
                )
            )
        )
    raise typer.Exit(code)


@app.command("eval")
def evaluate(
    questions: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="A JSONL question set."
    ),
    plot: Path | None = typer.Option(None, help="Write a PNG plot of the results here."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Evaluate retrieval and answers on a question set: hit@k, accuracy, refusals, latency."""
    from rich.console import Console
    from rich.progress import Progress

    from newsdesk.evaluate import QuestionFileError, load_questions, report_json, run_eval
    from newsdesk.report import render_tables, save_plot

    application = _app()
    desk = application.desk
    try:
        items = load_questions(questions)
    except QuestionFileError as exc:
        fail(str(exc))
    items = [_checked(q, application.settings.max_question_chars, questions) for q in items]
    with Progress(console=err) as progress:
        task = progress.add_task("questions", total=len(items))
        report = guarded(
            lambda: asyncio.run(
                run_eval(desk, items, on_progress=lambda *_: progress.advance(task))
            )
        )
    if plot is not None:
        save_plot(report, plot)
        err.print(f"plot written to {plot}")
    if as_json:
        print_json(report_json(report))
    else:
        for table in render_tables(report):
            Console().print(table)


def _checked(item: EvalQuestion, max_chars: int, path: Path) -> EvalQuestion:
    """The question check `ask` makes, once per question, before any is asked."""
    try:
        return replace(item, question=check_question(item.question, max_chars))
    except QuestionError as exc:
        fail(f"{path}: question {item.id!r}: {exc}")


@app.command()
def bot(
    sync: bool = typer.Option(False, "--sync", help="Upload the slash commands, then run."),
    guild: int | None = typer.Option(None, help="Sync to this guild only (instant)."),
) -> None:
    """Run the Discord bot (token from NEWSDESK_DISCORD_TOKEN)."""
    from bot.transports.discord.client import run_bot
    from newsdesk.app import build_announcer, build_bot_config, build_connection
    from newsdesk.watch import watching

    application = _app()
    settings = application.settings
    if settings.discord_token is None:
        fail("NEWSDESK_DISCORD_TOKEN is not set; put the bot token in the environment or .env")
    guarded(application.index.quick_check)  # never serve a damaged index: say so and stop
    connection, config = build_connection(settings), build_bot_config(settings)
    announcer = build_announcer(settings)
    with watching(settings, on_new=lambda feed, new: announcer.offer(feed.announce_channel, new)):
        code = run_bot(
            connection, config, application.desk, sync=sync, guild=guild, announcer=announcer
        )
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
