"""Announcing new articles from watched feeds: what to post, and when. No Discord import.

A poll hands its new articles to `Announcer.offer` (in the polling thread); the transport asks
`Announcer.take` every second or so which posts are ready. The decisions are plain functions:

- batching: a channel's new articles wait `interval` seconds (a feed's entries arrive in one
  poll, several feeds' within moments) and a channel posts at most once per `interval`;
- a batch of up to `max_each` articles is posted as one embed each (title linked to the article,
  the site and date, a two-sentence summary: the article's lead, as `/summarise` makes it, with
  no model call); a bigger batch is one digest embed listing them (200 new entries at once are
  one message, not 200);
- every embed is cut to Discord's limits and its text neutralised (no pings; the transport also
  sends with AllowedMentions.none()).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from bot.engine.summarise import Budget, extractive_summary
from bot.transports.render import (
    EMBED_DESCRIPTION,
    EmbedSpec,
    fit_embed,
    member_link,
    provenance,
    source_label,
    truncate,
)
from index.models import Article

log = logging.getLogger(__name__)

LEAD = Budget(min_sentences=2, max_sentences=2, max_chars=400)
"""An announcement's summary: the article's first two sentences (within 400 characters)."""


@dataclass(frozen=True)
class Announcement:
    """What members are told about one new article."""

    title: str
    site: str | None
    published: str | None
    url: str | None
    summary: str


def announcement(article: Article) -> Announcement:
    """The announcement of `article`: its lead as the summary, without the [1] citations."""
    lead = extractive_summary(article.text, LEAD).replace(" [1]", "")
    published = iso_date(article.published)
    return Announcement(article.title, article.site, published, article.url, lead)


def iso_date(published: str | None) -> str | None:
    """A feed's RFC 822 date (`Sun, 06 Dec 2026 08:30:00 GMT`) as `2026-12-06`, as the other
    dates members see; anything else unchanged."""
    if not published or not re.match(r"[A-Za-z]{3}, \d", published.strip()):
        return published
    try:
        return parsedate_to_datetime(published.strip()).date().isoformat()
    except (TypeError, ValueError):
        return published


def announcement_embed(item: Announcement) -> EmbedSpec:
    """One article: its title (linked), two sentences, the link and where/when it was published."""
    link = member_link(item.url)
    description = item.summary + (f"\n\n<{link}>" if link else "")
    footer = provenance(item.site, item.published)
    return fit_embed(EmbedSpec(item.title, description, footer=footer, url=link or ""))


def digest_embed(items: Sequence[Announcement]) -> EmbedSpec:
    """Many articles in one embed: a line each, as many as fit, then how many more there are."""
    sites = {" ".join((i.site or "").split()) for i in items}
    site = sites.pop() if len(sites) == 1 else ""
    title = f"{len(items)} new articles" + (f" from {site}" if site else "")
    lines: list[str] = []
    used = 0
    for n, item in enumerate(items):
        link = member_link(item.url)
        line = "• " + source_label(
            truncate(item.title, 150), None if site else item.site, item.published
        )
        line += f" <{link}>" if link else ""
        more = f"…and {len(items) - n} more"
        if used + len(line) + 1 + len(more) > EMBED_DESCRIPTION:
            lines.append(more)
            break
        lines.append(line)
        used += len(line) + 1
    return fit_embed(EmbedSpec(title, "\n".join(lines)))


def plan(items: Sequence[Announcement], max_each: int) -> list[EmbedSpec]:
    """The posts of one batch: an embed per article, or one digest when there are too many."""
    if not items:
        return []
    if len(items) <= max_each:
        return [announcement_embed(i) for i in items]
    return [digest_embed(items)]


def ready(waiting_since: float, last_post: float | None, now: float, interval: float) -> bool:
    """Whether a channel's batch may be posted: it has gathered for `interval` seconds and the
    channel's previous post is at least `interval` old."""
    gathered = now - waiting_since >= interval
    return gathered and (last_post is None or now - last_post >= interval)


@dataclass
class _Channel:
    waiting: list[Announcement] = field(default_factory=list)
    since: float = 0.0
    last_post: float | None = None


class Announcer:
    """The queue between the polling thread and the transport (thread-safe)."""

    def __init__(
        self,
        default_channel: int | None,
        *,
        interval: float,
        max_each: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default_channel = default_channel
        self.interval = interval
        self.max_each = max_each
        self._clock = clock
        self._channels: dict[int, _Channel] = {}
        self._lock = threading.Lock()

    def offer(self, channel: int | None, articles: Sequence[Article]) -> None:
        """Queue `articles` for `channel` (None: the default channel; no channel: dropped)."""
        target = channel or self.default_channel
        if target is None or not articles:
            return
        items = [announcement(a) for a in articles]  # the summaries: in the caller's thread
        with self._lock:
            state = self._channels.setdefault(target, _Channel())
            if not state.waiting:
                state.since = self._clock()
            state.waiting.extend(items)
        log.info("queued announcements channel=%d articles=%d", target, len(items))

    def take(self) -> list[tuple[int, list[EmbedSpec]]]:
        """The posts that are due now, by channel; they leave the queue."""
        now = self._clock()
        due: list[tuple[int, list[Announcement]]] = []
        with self._lock:
            for channel, state in self._channels.items():
                if state.waiting and ready(state.since, state.last_post, now, self.interval):
                    due.append((channel, state.waiting))
                    state.waiting, state.last_post = [], now
        return [(channel, plan(items, self.max_each)) for channel, items in due]
