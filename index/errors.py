"""Errors of the index layer. Each carries a message that is safe to show a user as is."""

from __future__ import annotations

from pathlib import Path


class NewsdeskError(Exception):
    """Base class: an expected failure whose message says what happened and what to do."""


class SourceError(NewsdeskError):
    """A source (file, folder, URL, feed) could not be loaded; the batch goes on without it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ThrottledError(SourceError):
    """The server asked us to come back later (HTTP 429 or 503); `retry_after` is its
    Retry-After header as sent (seconds or an HTTP date), "" when it sent none."""

    def __init__(self, source: str, reason: str, retry_after: str = "") -> None:
        super().__init__(source, reason)
        self.retry_after = retry_after


class EmbedderMismatchError(NewsdeskError):
    """The index was built by another embedder than the one configured now."""

    def __init__(self, built_with: str, configured: str) -> None:
        super().__init__(
            f"the index was built with embedder {built_with!r} but {configured!r} is configured; "
            "run `newsdesk index rebuild` to re-embed every article with the configured embedder "
            "(or set NEWSDESK_EMBEDDER back)"
        )
        self.built_with = built_with
        self.configured = configured


class ArticleNotFoundError(NewsdeskError):
    def __init__(self, query: str) -> None:
        super().__init__(f"no indexed article matches {query!r}; `newsdesk index list` shows them")
        self.query = query


class EmptyIndexError(NewsdeskError):
    def __init__(self) -> None:
        super().__init__("nothing is indexed yet; add articles with `newsdesk index add SOURCE`")


class StoreUnavailableError(NewsdeskError):
    """A server the index lives on (a Chroma server, the PostgreSQL catalog) is down, restarting
    or too slow. A batch is committed only after all its vectors are stored, so nothing is lost:
    the next run, once the server is back, completes the work."""

    def __init__(
        self,
        where: str,
        reason: str,
        *,
        what: str = "Chroma server",
        fix: str = "start it (`chroma run --path DIR --port PORT`) or unset NEWSDESK_CHROMA_URL "
        "to use the embedded store",
    ) -> None:
        super().__init__(
            f"cannot reach the {what} at {where} ({reason}); nothing was lost: {fix}, "
            "then try again"
        )
        self.where = where
        self.reason = reason


class StoreBrokenError(NewsdeskError):
    """The vector store fails on its own (e.g. a write log it cannot apply after a full disk)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            f"the vector store {where} is not working ({reason}); run "
            "`newsdesk index check --repair` to rebuild it from the catalog"
        )
        self.where = where


class IndexDamagedError(NewsdeskError):
    """The index's parts disagree (e.g. vectors gone while the catalog lists articles): answers
    from it would be silently wrong, so nothing is answered until it is repaired."""

    def __init__(self, problem: str, fix: str = "run `newsdesk index check --repair`") -> None:
        super().__init__(f"the index is damaged: {problem}; {fix}")
        self.problem = problem


class ReadOnlyError(NewsdeskError):
    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"the data folder {folder} is read-only: adding, removing, rebuilding and "
            "repairing need write access to it (reading commands work as they are)"
        )


class DiskFullError(NewsdeskError):
    def __init__(self, folder: Path, detail: str = "the disk is full") -> None:
        super().__init__(
            f"cannot write to {folder} ({detail}); free some space on its disk and run the "
            "command again (what was committed before is intact)"
        )
