"""`newsdesk index ...`: the admin commands. Thin: parse, call the index, format."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from index.dates import parse_day, select_records
from index.errors import SourceError
from index.ingest.load import expand_sources, load_source
from index.models import Article
from newsdesk.app import App, build_indexing_app, build_searching_app, configure_logging
from newsdesk.console import err, fail, guarded, load_settings, print_json, progress_bar

index_app = typer.Typer(
    help="Load, list, search and maintain the article index.", no_args_is_help=True
)
out = Console(soft_wrap=True)


def _app(*, writes: bool = False) -> App:
    settings = load_settings()
    configure_logging(settings)
    app = build_indexing_app(settings) if writes else build_searching_app(settings)
    guarded(lambda: app.index)  # a damaged, missing or unreadable catalog is one line here
    return app


@index_app.command("add")
def add(
    sources: list[str] = typer.Argument(..., help="Files, folders, URLs or RSS/Atom feeds."),
) -> None:
    """Load, clean, chunk, embed and index articles. Unchanged articles are skipped."""
    app = _app(writes=True)
    failures: list[SourceError] = []
    expanded = expand_sources(sources)
    with progress_bar() as progress:
        loading = progress.add_task("sources", total=len(expanded))
        indexing = progress.add_task("articles indexed", total=None)

        def articles() -> Iterator[Article]:
            for source in expanded:
                try:
                    yield from load_source(
                        source,
                        max_bytes=app.settings.max_source_bytes,
                        timeout=app.settings.fetch_timeout,
                    )
                except SourceError as exc:
                    failures.append(exc)
                    progress.console.print(f"[red]error:[/red] {exc}", highlight=False)
                progress.advance(loading)

        report = guarded(
            lambda: app.index.add(articles(), progress=lambda n: progress.advance(indexing, n))
        )
    err.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged} articles "
        f"({report.chunks} chunks); {len(failures)} sources failed",
        highlight=False,
    )
    if failures:
        raise typer.Exit(1)


def _day(value: str | None) -> date | None:
    """A `--since`/`--until` value: YYYY-MM-DD (or any date a feed gives), else one clear line."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        fail(str(exc))


@index_app.command("list")
def list_articles(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only articles published on or after this day (YYYY-MM-DD).",
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        help="Only articles published on or before this day (YYYY-MM-DD).",
    ),
    site: str | None = typer.Option(
        None, "--site", help="Only articles from a site whose name contains this (any case)."
    ),
) -> None:
    """List the indexed articles, most recently indexed first.

    With --since/--until: the articles published in those days (undated ones are left out),
    newest first.
    """
    everything = guarded(lambda: _app().index.catalog.records())
    records = select_records(everything, since=_day(since), until=_day(until), site=site)
    if as_json:
        keys = (
            "article_id",
            "title",
            "source",
            "url",
            "site",
            "byline",
            "published",
            "chunks",
            "content_hash",
        )
        print_json([{k: asdict(r)[k] for k in keys} for r in records])
        return
    table = Table("title", "site", "published", "chunks", "source")
    table.add_column("article_id", no_wrap=True)
    for r in records:
        table.add_row(
            r.title, r.site or "", r.published or "", str(r.chunks), r.source, r.article_id
        )
    out.print(table)


_SHOWN = ("article_id", "title", "source", "url", "site", "byline", "published", "text")


@index_app.command("show")
def show(
    article_id: str = typer.Argument(..., help="An id from `newsdesk index list`."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one indexed article as it was kept: cleaned title, metadata, full text and chunks."""
    catalog = _app().index.catalog
    article = guarded(lambda: catalog.article(article_id))
    if article is None:
        fail(f"no indexed article has id {article_id!r}; `newsdesk index list` shows them")
    chunks = guarded(lambda: catalog.article_chunks(article_id))
    data: dict[str, Any] = {key: getattr(article, key) for key in _SHOWN}
    data["chunks"] = [{"chunk_id": c.chunk_id, "text": c.text} for c in chunks]
    if as_json:
        print_json(data)
        return
    # article text is data: printed without rich markup, so "[red]" in a page stays literal
    out.print(article.title, style="bold", markup=False, highlight=False)
    for key in ("article_id", "source", "url", "site", "byline", "published"):
        if data[key]:
            out.print(f"{key:>10}: {data[key]}", markup=False, highlight=False)
    out.print(f"\n{article.text}\n", markup=False, highlight=False)
    for chunk in chunks:
        out.print(f"--- chunk {chunk.chunk_id}", style="dim", markup=False, highlight=False)
        out.print(chunk.text, markup=False, highlight=False)


@index_app.command("remove")
def remove(article_id: str = typer.Argument(..., help="An id from `newsdesk index list`.")) -> None:
    """Remove one article and its chunks."""
    if not guarded(lambda: _app().index.remove(article_id)):
        fail(f"no indexed article has id {article_id!r}; `newsdesk index list` shows them")
    err.print(f"removed {article_id}")


@index_app.command("rebuild")
def rebuild() -> None:
    """Re-chunk and re-embed every article with the configured embedder.

    The old index keeps answering until the new one is complete.
    """
    app = _app(writes=True)
    total = guarded(lambda: app.index.catalog.counts()[0])
    with progress_bar() as progress:
        task = progress.add_task("re-embedding", total=total)
        chunks = guarded(lambda: app.index.rebuild(progress=lambda n: progress.advance(task, n)))
    err.print(f"rebuilt {total} articles ({chunks} chunks) with {app.embedder.name}")


@index_app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the size of the index and which embedder built it."""
    from newsdesk.feeds_cli import feed_health, feed_line, feeds_summary

    index = _app().index
    s = guarded(index.stats)
    feeds = guarded(index.catalog.feeds)
    data: dict[str, object] = {
        "articles": s.articles,
        "chunks": s.chunks,
        "embedder": s.embedder,
        "collection": s.collection,
        "disk_bytes": s.disk_bytes,
    }
    if as_json:
        now = time.time()
        print_json(data | {"feeds": [feed_health(f, now) for f in feeds]})
        return
    for key, value in (data | {"feeds": feeds_summary(feeds)}).items():
        out.print(f"{key:>11}: {value}", highlight=False)
    now = time.time()
    for f in feeds:
        out.print(f"{'':>13}{feed_line(f, now)}", highlight=False, markup=False)


@index_app.command("search")
def search(
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many chunks."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the chunks that best match QUERY (hybrid dense + BM25), without any threshold."""
    hits = guarded(lambda: _app().retriever.search(query, k, threshold=False))
    rows: list[dict[str, Any]] = [
        {
            "article_id": h.article.article_id,
            "title": h.article.title,
            "source": h.article.source,
            "chunk_id": h.chunk.chunk_id,
            "text": h.chunk.text,
            "score": h.score,
        }
        for h in hits
    ]
    if as_json:
        print_json(rows)
        return
    for n, row in enumerate(rows, 1):
        out.print(f"[bold]{n}. {row['title']}[/bold]  score={row['score']:.3f}  {row['chunk_id']}")
        out.print(f"   {row['text'][:300]}", highlight=False)


@index_app.command("check")
def check(
    repair: bool = typer.Option(False, "--repair", help="Fix what is safe to fix."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check that the catalog, the vector store and the lexical index agree.

    Says in plain words what is wrong and what fixes it; --repair re-embeds lost vectors from the
    catalog's text, drops orphans and cleans up interrupted writes. Exit code 1 if problems remain.
    """
    from index.storage.check import check as run_check
    from index.storage.check import repair as run_repair

    app = _app()
    report = guarded(lambda: (run_repair if repair else run_check)(app.index))
    if as_json:
        print_json(asdict(report) | {"ok": report.ok})
    else:
        vectors = "none (collection missing)" if report.vectors < 0 else str(report.vectors)
        out.print(
            f"catalog: {report.articles} articles, {report.chunks} chunks; "
            f"vectors: {vectors} in {report.collection or '(no collection)'}; "
            f"embedder: {report.embedder}",
            highlight=False,
        )
        for line in report.repaired:
            out.print(f"repaired: {line}", highlight=False)
        for f in report.findings:
            out.print(f"problem: {f.problem}\n  fix: {f.fix}", highlight=False)
        for note in report.notes:
            out.print(f"note: {note}", highlight=False)
        out.print("ok: the index is consistent" if report.ok else "not ok", highlight=False)
    if not report.ok:
        raise typer.Exit(1)
