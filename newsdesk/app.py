"""The composition root: the one place that turns `Settings` into working parts.

Every `build_*` of the bot lives here (the embedder's choice is still `index.embed.build_embedder`),
and only `newsdesk/` reads `Settings`: the parts below take plain values. Nothing here runs at
import time; each entry point (CLI command, bot) builds what it uses.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from index.dates import today
from index.embed import Embedder, build_embedder
from index.indexer import Index, WriteLock
from index.memory import limit_malloc_arenas
from index.retrieve import RetrievalConfig, Retriever, Search
from index.storage.catalog import Catalog
from index.storage.catalog_sqlite import SqliteCatalog
from index.storage.store import ChunkStore
from newsdesk.settings import Settings

if TYPE_CHECKING:
    from bot.announce import Announcer
    from bot.desk import Desk
    from bot.engine.model import ChatModel
    from bot.engine.relevance import MsMarcoRelevance
    from bot.engine.summarise import Summariser, SummaryMode
    from bot.transports.discord.client import Connection
    from bot.transports.discord.rules import BotConfig

log = logging.getLogger(__name__)


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


SEARCH_MALLOC_ARENAS = 2


def build_searching_app(settings: Settings) -> App:
    """The parts for a process that searches and answers (`ask`, `chat`, `bot`, `eval`, reading
    `index` commands). It keeps the C heap to two arenas: less memory held by its many threads
    (see `limit_malloc_arenas`). Call it before anything starts a thread."""
    limit_malloc_arenas(SEARCH_MALLOC_ARENAS)
    return App(settings)


def build_indexing_app(settings: Settings) -> App:
    """The parts for a command that writes the index (`index add`, `index rebuild`).

    It gives up CPU priority and uses its own embedder threads: on a small machine a bot
    answering beside it must not wait for the indexer (measured in issue 9's note).
    """
    current = os.nice(0)
    if settings.index_nice > current:  # a level, not a step: calling this twice changes nothing
        os.nice(settings.index_nice - current)
    return App(settings.model_copy(update={"embed_threads": settings.index_threads}), indexing=True)


class App:
    """Lazily built parts for one process; each is created at most once."""

    def __init__(self, settings: Settings, *, indexing: bool = False) -> None:
        self.settings = settings
        self.indexing = indexing  # a command that writes the index: its embedder works in bulk

    @cached_property
    def embedder(self) -> Embedder:
        s = self.settings
        return build_embedder(
            s.embedder, threads=s.embed_threads, batch_size=s.embed_batch_size, bulk=self.indexing
        )

    @cached_property
    def index(self) -> Index:
        s = self.settings
        catalog, lock = build_catalog(s)
        return Index(
            s.data_dir,
            self.embedder,
            ChunkStore(s.data_dir, s.chroma_url, timeout=s.chroma_timeout),
            catalog,
            chunk_tokens=s.chunk_tokens,
            overlap=s.chunk_overlap,
            lock=lock,
        )

    @cached_property
    def retriever(self) -> Retriever:
        s = self.settings
        config = RetrievalConfig(
            top_k=s.top_k,
            per_article=s.per_article_chunks,
            min_relevance=s.min_relevance,
            newest_margin=s.newest_margin,
        )
        return Retriever(self.index, config)

    @cached_property
    def model(self) -> ChatModel:
        return build_model(self.settings)

    @cached_property
    def desk(self) -> Desk:
        return build_desk(self.settings, self.index, self.retriever, lambda: self.model)


def build_catalog(settings: Settings) -> tuple[Catalog, WriteLock | None]:
    """The shared PostgreSQL catalog (with its cross-host write lock), else the SQLite file."""
    if settings.catalog_url:
        from index.storage.catalog_pg import PostgresCatalog
        from index.storage.pg import AdvisoryLock

        return PostgresCatalog(settings.catalog_url), AdvisoryLock(settings.catalog_url)
    return SqliteCatalog(settings.data_dir / "catalog.sqlite3"), None


def build_model(settings: Settings) -> ChatModel:
    """An OpenAI-compatible server when one is configured, else the GGUF in process."""
    from bot.engine.model import LlamaCppModel

    if settings.llama_server_url:
        from bot.engine.server_model import ServerConfig, ServerModel

        return ServerModel(
            ServerConfig(
                settings.llama_server_url,
                n_ctx=settings.n_ctx,
                temperature=settings.temperature,
                seed=settings.seed,
                model=settings.llama_server_model,
                timeout=settings.llama_server_timeout,
                retries=settings.llama_server_retries,
            )
        )
    path = model_file(settings)
    log.info("loading model path=%s n_ctx=%d", path, settings.n_ctx)
    return LlamaCppModel(
        path,
        n_ctx=settings.n_ctx,
        threads=settings.n_threads,
        temperature=settings.temperature,
        seed=settings.seed,
    )


def model_file(settings: Settings) -> Path:
    """The GGUF the in-process model loads: `NEWSDESK_MODEL_PATH`, else the packaged model."""
    from bot.engine.model import packaged_model_path

    return settings.model_path or packaged_model_path(settings.model, settings.model_cache_dir)


def build_desk(
    settings: Settings, index: Index, retriever: Retriever, model: Callable[[], ChatModel]
) -> Desk:
    """The async front over the engine: answers, summaries, the worker queue."""
    from bot.desk import Desk
    from bot.engine.answer import AnswerService
    from bot.engine.dated import Dates
    from bot.engine.digest import Digester
    from bot.engine.evidence import Evidence, Weights
    from bot.engine.reader import OnnxReader
    from bot.engine.relevance import MsMarcoRelevance
    from bot.worker import Worker

    weights = Weights.load().for_embedder(index.embedder.name)
    relevance = MsMarcoRelevance(threads=settings.embed_threads)  # loaded at the first question
    evidence = Evidence(index.embedder.embed, weights, relevance)
    reading = answer_search(settings, retriever, relevance)
    dates = Dates(reading, asking_day(settings))
    summaries = build_summariser(settings, index.catalog, model)
    digests = Digester(index.catalog, retriever, summaries)
    answers = AnswerService(
        reading,
        model,
        evidence,
        max_tokens=settings.max_tokens,
        dates=dates,
        digest=digests.digest,  # overview questions are answered by the digest of their subject
        reader=cache(OnnxReader),  # loaded at the first question it reads
        veto_below=settings.reader_veto,
    )
    return Desk(index, answers, digests, Worker(settings.queue_size), lambda: model().name)


def build_summariser(
    settings: Settings,
    catalog: Catalog,
    model: Callable[[], ChatModel],
    mode: SummaryMode | None = None,
) -> Summariser:
    """Article summaries (`NEWSDESK_SUMMARY_MODE` unless `mode`), their sentences chosen in the
    salience model's order (`bot.engine.salience`)."""
    from bot.engine.summarise import Summariser

    return Summariser(
        catalog, model, max_tokens=settings.max_tokens, mode=mode or settings.summary_mode
    )


def answer_search(settings: Settings, retriever: Retriever, relevance: MsMarcoRelevance) -> Search:
    """The search answers read from: the retriever's best `rerank_pool` passages reordered by the
    cross-encoder (`bot.engine.rerank`), or the retriever itself when the pool is 0."""
    from bot.engine.rerank import Reranked

    if settings.rerank_pool <= 0:
        return retriever
    return Reranked(retriever, relevance.score_passages, settings.rerank_pool)


def asking_day(settings: Settings) -> Callable[[], date]:
    """The day questions are asked on: `NEWSDESK_NOW` when set, else the real clock's."""
    fixed = settings.now
    return (lambda: fixed) if fixed else today


def build_connection(settings: Settings) -> Connection:
    """Where the Discord bot connects, and its token."""
    from bot.transports.discord.client import Connection

    token = settings.discord_token.get_secret_value() if settings.discord_token else None
    return Connection(token, settings.discord_api_base, settings.discord_gateway_url)


def build_bot_config(settings: Settings) -> BotConfig:
    """How the Discord bot behaves."""
    from bot.transports.discord.rules import BotConfig

    return BotConfig(
        channels=tuple(settings.discord_channels),
        cooldown_seconds=settings.cooldown_seconds,
        history_turns=settings.history_turns,
        max_question_chars=settings.max_question_chars,
    )


def build_announcer(settings: Settings) -> Announcer:
    """Where and how often the bot announces new feed articles (a feed's channel, else
    NEWSDESK_ANNOUNCE_CHANNEL; neither: none are announced)."""
    from bot.announce import Announcer

    return Announcer(
        settings.announce_channel,
        interval=settings.announce_interval,
        max_each=settings.announce_max_each,
    )
