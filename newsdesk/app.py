"""The composition root: the one place that turns `Settings` into working parts.

Nothing here runs at import time; each entry point (CLI command, bot) calls these builders once.
"""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import TYPE_CHECKING

from index.catalog import Catalog
from index.embed import Embedder, build_embedder
from index.indexer import Index
from index.retrieve import RetrievalConfig, Retriever
from index.store import ChunkStore
from newsdesk.settings import Settings

if TYPE_CHECKING:
    from bot.desk import Desk
    from bot.model import ChatModel


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("chromadb", "httpx", "trafilatura", "discord.gateway"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # trafilatura warns "discarding data: None" for a page without text: we say so in one line
    logging.getLogger("trafilatura.core").setLevel(max(logging.ERROR, logging.getLogger().level))


class App:
    """Lazily built parts for one process; each is created at most once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return build_embedder(s.embedder, threads=s.embed_threads, batch_size=s.embed_batch_size)

    @cached_property
    def index(self) -> Index:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        return Index(
            s.data_dir,
            self.embedder,
            ChunkStore(s.data_dir, s.chroma_url),
            Catalog(s.data_dir / "catalog.sqlite3"),
            chunk_tokens=s.chunk_tokens,
            overlap=s.chunk_overlap,
        )

    @cached_property
    def retriever(self) -> Retriever:
        s = self.settings
        config = RetrievalConfig(
            top_k=s.top_k, per_article=s.per_article_chunks, min_relevance=s.min_relevance
        )
        return Retriever(self.index, config)

    @cached_property
    def model(self) -> ChatModel:
        from bot.model import build_model

        return build_model(self.settings)

    @cached_property
    def desk(self) -> Desk:
        from bot.desk import build_desk

        return build_desk(self.settings, self.index, self.retriever, lambda: self.model)


def build_desk(settings: Settings) -> Desk:
    """The answering service for a transport (terminal chat, Discord bot)."""
    return App(settings).desk
