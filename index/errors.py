"""Errors of the index layer. Each carries a message that is safe to show a user as is."""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class: an expected failure whose message says what happened and what to do."""


class SourceError(NewsdeskError):
    """A source (file, folder, URL, feed) could not be loaded; the batch goes on without it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


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
    """A remote engine (Chroma server, catalog database) is down, restarting or too slow.

    Writes are committed by the catalog only after every vector is stored, so nothing is lost:
    the next run (once the server is back) completes the work.
    """

    def __init__(self, what: str, url: str, reason: str) -> None:
        super().__init__(
            f"the {what} at {url} is not reachable ({reason}); nothing was lost: "
            "check that it is running (and the URL), then run the command again"
        )
        self.what = what
        self.url = url
        self.reason = reason
