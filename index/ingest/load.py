"""Sources → `Article`s: files, folders, URLs and feeds, decoded, cleaned and split.

`expand_sources` turns what a user typed into a flat, deterministic list; `load_source` loads one
of them or raises `SourceError(source, reason)` with a short reason (never a bare traceback).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from index.errors import SourceError
from index.ingest.clean import fix_text, guess_title
from index.ingest.fetch import fetch
from index.ingest.html import looks_like_feed, parse_feed, parse_html
from index.ingest.split import split_lines, split_page
from index.models import Article, stable_id

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".csv"}
)
FEED_SUFFIXES: frozenset[str] = frozenset({".xml", ".rss", ".atom"})  # loaded when named directly
_TEXT_TYPES = ("text/plain", "text/markdown", "text/csv")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def printable(name: str | os.PathLike[str]) -> str:
    """A file name as the OS gave it, safe to print and store: bytes that are not UTF-8 (which
    Python carries as lone surrogates) are shown as `\\xNN` escapes."""
    raw = os.fsencode(name)
    return raw.decode("utf-8", "backslashreplace")


def expand_sources(sources: Sequence[str]) -> list[str]:
    """Folders become their supported files (recursive, sorted; other files skipped quietly);
    files, URLs and missing paths pass through to fail, if they must, in `load_source`."""
    expanded: list[str] = []
    for source in sources:
        path = Path(source).expanduser()
        if is_url(source) or not path.is_dir():
            expanded.append(source)
            continue
        found = _supported_files(path)
        expanded.extend(str(p) for p in found) if found else expanded.append(source)
    return list(dict.fromkeys(expanded))


def _supported_files(folder: Path) -> list[Path]:
    """Files with a supported suffix under `folder`, sorted; hidden parts skipped; symlinked
    folders not followed (no loops). Non-regular entries are kept so loading refuses them."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += (
            Path(root, name)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
        )
    return sorted(found)


def load_source(
    source: str, *, max_bytes: int, timeout: float, client: httpx.Client | None = None
) -> list[Article]:
    """Load one file, folder, URL or feed into cleaned articles, or raise `SourceError`."""
    if is_url(source):
        return _load_url(source, max_bytes=max_bytes, timeout=timeout, client=client)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", source):
        raise SourceError(printable(source), "only http:// and https:// URLs can be loaded")
    path = Path(source).expanduser()
    if not path.exists():
        reason = "a broken symbolic link" if path.is_symlink() else "no such file or folder"
        raise SourceError(printable(source), reason)
    if path.is_dir():
        return _load_folder(printable(source), path, max_bytes=max_bytes)
    return _load_file(printable(source), path, max_bytes=max_bytes)


def _load_folder(source: str, folder: Path, *, max_bytes: int) -> list[Article]:
    files = _supported_files(folder)
    if not files:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise SourceError(source, f"folder has no supported files ({allowed})")
    articles: list[Article] = []
    errors: list[SourceError] = []
    for path in files:
        try:
            articles += _load_file(printable(path), path, max_bytes=max_bytes)
        except SourceError as exc:
            log.warning("skipping source=%s reason=%s", exc.source, exc.reason)
            errors.append(exc)
    if not articles and errors:
        raise SourceError(source, f"no file could be loaded (first: {errors[0]})")
    return articles


def _load_file(source: str, path: Path, *, max_bytes: int) -> list[Article]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES | FEED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES | FEED_SUFFIXES))
        kind = suffix or "(no suffix)"
        raise SourceError(source, f"unsupported file type {kind!r} (supported: {allowed})")
    data = read_capped(source, path, max_bytes)
    resolved = printable(path.resolve())
    if suffix in (".html", ".htm"):
        articles = parse_html(_require_text(source, data), source=resolved, url=None)
    elif suffix in FEED_SUFFIXES:
        articles = parse_feed(_require_text(source, data), source=resolved)
    elif suffix == ".csv":
        articles = _load_csv(source, resolved, decode(source, data))
    elif suffix in (".md", ".markdown"):
        articles = _load_markdown(resolved, decode(source, data))
    else:
        articles = split_page(fix_text(decode(source, data)), source=resolved)
    return _nonempty(source, articles)


def read_capped(source: str, path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes` of them, or `SourceError`.

    The type is checked after symlinks are resolved and before anything is read, and the
    file is opened non-blocking, so a FIFO, socket or device can neither hang nor flood us; the
    cap counts the bytes actually read, not the size the file system reports.
    """
    try:
        kind = _special_kind(os.stat(path).st_mode)
        if kind:
            raise SourceError(source, f"not a regular file ({kind}); refusing to read it")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as f:
            kind = _special_kind(os.fstat(f.fileno()).st_mode)  # swapped since the check?
            if kind:
                raise SourceError(source, f"not a regular file ({kind}); refusing to read it")
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(source, f"cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise SourceError(source, f"too large (more than the {max_bytes:,}-byte limit)")
    return data


def _special_kind(mode: int) -> str:
    """'' for a regular file, else what it is."""
    if stat.S_ISREG(mode):
        return ""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "a special file"


def _nonempty(source: str, articles: list[Article]) -> list[Article]:
    if not articles:
        raise SourceError(source, "empty: no article text left after cleaning")
    return articles


def _require_text(source: str, data: bytes) -> bytes:
    if not data.strip():
        raise SourceError(source, "empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(source, "binary file, not text")
    return data


def decode(source: str, data: bytes, charset: str | None = None) -> str:
    """Bytes → text: a BOM or declared charset, else UTF-8, else Windows-1252; binary refused."""
    _require_text(source, data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in (charset, "utf-8-sig", "cp1252"):
        if not encoding:
            continue
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _mostly_printable(text):
            return text
    raise SourceError(source, "cannot decode the text (not UTF-8 or Windows-1252)")


def _mostly_printable(text: str) -> bool:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls <= len(sample) // 100


def _load_url(
    source: str, *, max_bytes: int, timeout: float, client: httpx.Client | None
) -> list[Article]:
    got = fetch(source, max_bytes=max_bytes, timeout=timeout, client=client)
    if looks_like_feed(got.body, got.content_type):
        return _nonempty(source, parse_feed(got.body, source=source))
    sniff = got.body[:1024].lstrip().lower()
    if got.content_type in _HTML_TYPES or sniff.startswith((b"<!doctype html", b"<html")):
        page = _require_text(source, got.body)
        return _nonempty(source, parse_html(page, source=source, url=got.url))
    if got.content_type in _TEXT_TYPES or not got.content_type:
        text = fix_text(decode(source, got.body, got.charset))
        return _nonempty(source, split_page(text, source=source, url=got.url))
    raise SourceError(source, f"unsupported content type {got.content_type!r}")


def _load_csv(source: str, resolved: str, text: str) -> list[Article]:
    """One article per non-empty row of a `text` column; a `title` column wins over a guess, and
    `published`, `site` and `url` columns, when there are any, are kept as the article's."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {name.strip().lower(): name for name in reader.fieldnames or [] if name}
    if "text" not in columns:
        found = ", ".join(columns) or "none"
        raise SourceError(source, f"CSV has no 'text' column (columns: {found})")
    articles: list[Article] = []
    try:
        for row_number, row in enumerate(reader, start=1):
            body = fix_text(row.get(columns["text"]) or "")
            if not body.strip():
                continue
            given = fix_text(row.get(columns.get("title", ""), "") or "").strip()
            title, body = (given, body) if given else guess_title(body)
            articles.append(
                Article(
                    article_id=stable_id(f"{resolved}#{row_number}"),
                    title=title,
                    text=body,
                    source=resolved,
                    url=_cell(row, columns, "url"),
                    site=_cell(row, columns, "site"),
                    published=_cell(row, columns, "published"),
                )
            )
    except csv.Error as exc:
        raise SourceError(source, f"malformed CSV ({exc})") from exc
    return articles


def _cell(row: dict[str, str | None], columns: dict[str, str], key: str) -> str | None:
    """A metadata cell of a CSV row, stripped; None when the column or its value is missing."""
    value = (row.get(columns[key]) or "").strip() if key in columns else ""
    return value or None


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # emphasis, code
    (re.compile(r"^\s*(?:>\s?)+"), ""),  # block quotes
    (re.compile(r"^\s*(?:[-*+]|\d+\.)\s+"), ""),  # list markers
    (re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|```.*)\s*$"), ""),  # rules and fences
)


def _load_markdown(resolved: str, text: str) -> list[Article]:
    """Markdown: the top-level `#` headings are headlines; syntax is stripped lightly."""
    lines = fix_text(_drop_front_matter(text)).split("\n")
    levels = [len(m.group(1)) if (m := _MD_HEADING.match(line)) else 0 for line in lines]
    top = min((level for level in levels if level), default=0)
    out: list[str] = []
    for line, level in zip(lines, levels, strict=True):
        if level:
            line = _MD_HEADING.sub(r"\2", line)
        for pattern, repl in _MD_INLINE:
            line = pattern.sub(repl, line)
        out.append(line.strip())
    hard = frozenset(i for i, level in enumerate(levels) if level and level == top)
    return split_lines(out, source=resolved, hard_headlines=hard)


def _drop_front_matter(text: str) -> str:
    if text.startswith("---\n") and (end := text.find("\n---", 4)) != -1:
        return text[end + 4 :]
    return text
