"""Turning answers into what a chat transport can show: pure functions, no Discord import.

Discord limits are enforced here (≤ 2000 characters a message, embed limits) so that the transport
never has to guess; every piece of text that leaves is passed through `neutralise_mentions`, as a
second line of defence behind `AllowedMentions.none()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.types import Source
from index.models import ArticleRecord

MESSAGE_LIMIT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
ELLIPSIS = "…"
ZWSP = "\u200b"

# Spans a message must never be cut inside: citations like [3] or [1, 2], and links.
_PROTECTED = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]|<https?://[^\s>]+>|https?://\S+")
# Places to cut, best first: paragraph, line, sentence end, any whitespace.
_BOUNDARIES = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?])\s|(?<=[.!?][\"')\]])\s"),
    re.compile(r"\s"),
)
_MENTION = re.compile(r"@(everyone|here)|<@([!&]?)", re.IGNORECASE)


def neutralise_mentions(text: str) -> str:
    """Break `@everyone`, `@here` and `<@…>` so that no client renders them as a ping."""

    def breaker(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return f"@{ZWSP}{match.group(1)}"
        return f"<@{ZWSP}{match.group(2)}"

    return _MENTION.sub(breaker, text)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into messages of ≤ `limit` characters on the most natural boundary.

    Paragraphs first, then lines, sentences and words; never inside a `[n]` citation or a link.
    """
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    spans = [m.span() for m in _PROTECTED.finditer(text, 0, limit + 1000)]

    def inside(i: int) -> bool:
        return any(start < i < end for start, end in spans)

    floor = limit // 3  # a cut this early wastes a message; try a finer boundary instead
    for boundary in _BOUNDARIES:
        cuts = [m.start() for m in boundary.finditer(text, 0, limit + 1)]
        good = [i for i in cuts if floor < i <= limit and not inside(i)]
        if good:
            return good[-1]
    for start, end in spans:  # hard cut, moved back to the start of a span it would split
        if start < limit < end and start > 0:
            return start
    return limit


def member_link(url: str | None) -> str | None:
    """The article's link if it is a web address; anything else (a server path) is never shown."""
    if url and re.match(r"https?://[^\s<>]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def provenance(site: str | None, published: str | None) -> str:
    """`Site, 2025-06-14`: who published the article and when, as far as known."""
    date = (published or "").strip()
    if re.match(r"\d{4}-\d{2}-\d{2}", date):
        date = date[:10]
    parts = [p for p in (" ".join((site or "").split()), date) if p]
    return truncate(", ".join(parts), 80)


def source_label(title: str, site: str | None, published: str | None) -> str:
    """`Title — Site, date`: what members see of an article (never where it was indexed from)."""
    label = truncate(" ".join(title.split()) or "(untitled)", 200)
    origin = provenance(site, published)
    return f"{label} — {origin}" if origin else label


def format_source_line(source: Source) -> str:
    """`**[n]** Title — Site, date` and its link on the next line, wrapped in <> (no unfurl)."""
    line = f"**[{source.n}]** {source_label(source.title, source.site, source.published)}"
    if link := member_link(source.url):
        line += f"\n<{link}>"
    return neutralise_mentions(line)


def format_sources_text(sources: Sequence[Source]) -> str:
    """The sources as plain lines, for the terminal (no Markdown)."""
    lines = []
    for s in sources:
        link = member_link(s.url)
        label = source_label(s.title, s.site, s.published)
        lines.append(f"[{s.n}] {label}" + (f" <{link}>" if link else ""))
    return "\n".join(lines)


@dataclass(frozen=True)
class EmbedSpec:
    """The pieces of an embed, already inside Discord's limits (see `fit_embed`)."""

    title: str
    description: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    url: str = ""  # the title's link (an http(s) URL or "")

    @property
    def size(self) -> int:
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(name) + len(value) for name, value in self.fields)
        )


def fit_embed(spec: EmbedSpec) -> EmbedSpec:
    """`spec` cut to Discord's embed limits: each part, ≤ 25 fields and ≤ 6000 in total."""
    title = truncate(neutralise_mentions(spec.title), EMBED_TITLE)
    footer = truncate(neutralise_mentions(spec.footer), EMBED_FOOTER)
    budget = EMBED_TOTAL - len(title) - len(footer)
    description = _fit_lines(neutralise_mentions(spec.description), min(EMBED_DESCRIPTION, budget))
    budget -= len(description)
    fields: list[tuple[str, str]] = []
    for name, value in spec.fields[:EMBED_FIELDS]:
        name = truncate(neutralise_mentions(name), EMBED_FIELD_NAME) or "\u200b"
        value = truncate(neutralise_mentions(value), EMBED_FIELD_VALUE) or "\u200b"
        if len(name) + len(value) > budget:
            break
        fields.append((name, value))
        budget -= len(name) + len(value)
    return EmbedSpec(title, description, tuple(fields), footer, member_link(spec.url) or "")


def _fit_lines(text: str, limit: int) -> str:
    """`text` cut at the last whole line that fits, noting how many lines were left out."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        note = f"\n…and {len(lines) - i} more lines"
        if len("\n".join([*kept, line])) + len(note) > limit:
            return truncate("\n".join(kept) + note, limit)
        kept.append(line)
    return truncate(text, limit)  # pragma: no cover - unreachable: text is longer than limit


def sources_embed(sources: Sequence[Source], *, title: str = "Sources") -> EmbedSpec | None:
    """The sources list as an embed; None when there is nothing to list."""
    if not sources:
        return None
    body = "\n".join(format_source_line(s) for s in sources)
    return fit_embed(EmbedSpec(title=title, description=body))


def format_articles(
    records: Iterable[ArticleRecord], empty: str = "Nothing is indexed yet."
) -> str:
    """Articles, one line each; `empty` when there are none."""
    lines = []
    for i, r in enumerate(records, 1):
        url = member_link(r.url)
        link = f" <{url}>" if url else ""
        lines.append(f"{i}. {source_label(truncate(r.title, 150), r.site, r.published)}{link}")
    return neutralise_mentions("\n".join(lines)) if lines else empty


def format_about(info: Mapping[str, object]) -> str:
    """`key: value` lines for /about."""
    lines = [f"{key.replace('_', ' ')}: {value}" for key, value in info.items()]
    return neutralise_mentions(truncate("\n".join(lines), MESSAGE_LIMIT))
