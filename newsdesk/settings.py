"""The one settings tree: read from the environment (prefix NEWSDESK_) and `.env`.

Every field has a description and bounds; `.env.example` documents each of them and a test keeps
the two in sync. Building a `Settings` touches nothing on disk and needs no token or model.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- index -------------------------------------------------------------------------------
    data_dir: Path = Field(Path("./data"), description="Where the index (Chroma + catalog) lives.")
    embedder: Literal["minilm", "hashing"] = Field(
        "minilm",
        description="Embedder: 'minilm' (all-MiniLM-L6-v2 int8 ONNX from PyPI) or 'hashing' "
        "(a fast lexical stand-in for tests; not for real use).",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Chunks embedded per batch.")
    embed_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="ONNX threads of an answering process (bot, ask); 0 = all cores.",
    )
    index_threads: int = Field(
        1,
        ge=0,
        le=256,
        description="ONNX threads of `newsdesk index add/rebuild`; 0 = all cores (faster on a "
        "machine that answers no questions meanwhile).",
    )
    index_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="CPU priority `newsdesk index add/rebuild` gives up (os.nice), so a bot "
        "answering on the same machine stays responsive; 0 = none.",
    )
    chunk_tokens: int = Field(
        200, ge=32, le=512, description="Maximum embedder tokens per chunk (capped by the model)."
    )
    chunk_overlap: int = Field(
        1, ge=0, le=5, description="Sentences repeated at the start of the next chunk."
    )
    chroma_url: str | None = Field(
        None, description="Use a Chroma server (http://host:port) instead of the embedded store."
    )
    chroma_timeout: float = Field(
        60.0, gt=0, le=3600, description="Seconds a Chroma server may take to answer a request."
    )
    catalog_url: str | None = Field(
        None,
        description="Keep the catalog and lexical index in PostgreSQL "
        "(postgresql://user:password@host:port/db), shared by every host, instead of a "
        "SQLite file in the data dir.",
    )
    max_source_bytes: int = Field(
        10_000_000, ge=1_000, le=1_000_000_000, description="Largest file or download accepted."
    )
    fetch_timeout: float = Field(
        15.0, gt=0, le=300, description="Seconds before a URL or feed fetch gives up."
    )

    # --- watched feeds -----------------------------------------------------------------------
    watch_feeds: bool = Field(
        True,
        description="Poll the watched feeds (`newsdesk feeds add`) inside `newsdesk bot` and "
        "`newsdesk chat`; turn off where another host runs `newsdesk watch`.",
    )
    feed_every: float = Field(
        1800.0,
        ge=60,
        le=7 * 86400,
        description="Seconds between polls of a feed added without --every (default 30 min).",
    )
    feed_max_backoff: float = Field(
        86400.0,
        ge=60,
        le=7 * 86400,
        description="Longest wait before polling a failing feed again (the wait doubles with "
        "each failure in a row, up to this; a Retry-After may ask for longer).",
    )

    # --- retrieval ---------------------------------------------------------------------------
    top_k: int = Field(3, ge=1, le=20, description="Passages given to the model per answer.")
    rerank_pool: int = Field(
        8,
        ge=0,
        le=50,
        description="Passages the cross-encoder reorders before an answer reads its best top_k "
        "(0 = the retriever's order).",
    )
    per_article_chunks: int = Field(
        2, ge=1, le=10, description="At most this many chunks of one article per answer."
    )
    min_relevance: float = Field(
        0.35,
        ge=0.0,
        le=1.0,
        description="Dense cosine similarity a source needs (unless BM25 strongly agrees); "
        "below it on every source the answer is 'the indexed articles don't cover that'.",
    )
    now: date | None = Field(
        None,
        ge=date(1900, 1, 1),
        le=date(2200, 12, 31),
        description="The day questions are asked on (YYYY-MM-DD): 'this week', 'last month', "
        "'latest' are read against it; for tests and evaluation; empty = today's date.",
    )
    newest_margin: float = Field(
        0.08,
        ge=0.0,
        le=1.0,
        description="For 'latest'/'recent' questions and disagreeing articles: sources within "
        "this similarity of the best one are ordered newest first.",
    )

    # --- model -------------------------------------------------------------------------------
    model: Literal["qwen2.5-1.5b", "qwen2.5-0.5b", "smollm2-135m"] = Field(
        "qwen2.5-1.5b",
        description="The chat model installed with Newsdesk that writes answers: "
        "'qwen2.5-1.5b' (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the best reader), "
        "'qwen2.5-0.5b' (its 0.5B sibling: faster, weaker; pip install 'newsdesk[qwen-0-5b]') or "
        "'smollm2-135m' (SmolLM2-135M-Instruct Q4_1: fastest, weakest).",
    )
    model_path: Path | None = Field(
        None, description="Any GGUF chat model instead of NEWSDESK_MODEL; empty = NEWSDESK_MODEL."
    )
    model_cache_dir: Path | None = Field(
        None,
        description="Where a model shipped in parts is joined into one file, once (about 1.1 GB "
        "for qwen2.5-1.5b); empty = ~/.cache/newsdesk.",
    )
    llama_server_url: str | None = Field(
        None,
        description="Generate with an OpenAI-compatible server (http://host:port: "
        "llama-cpp-python, llama.cpp's llama-server, vLLM, Ollama) instead of in-process.",
    )
    llama_server_model: str = Field(
        "", description="The model name sent to that server (vLLM and Ollama need one)."
    )
    llama_server_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds that server may stay silent mid-answer."
    )
    llama_server_retries: int = Field(
        3, ge=0, le=10, description="Retries, with backoff, when that server is busy (429/503)."
    )
    n_ctx: int = Field(2048, ge=512, le=131072, description="Model context window in tokens.")
    n_threads: int = Field(0, ge=0, le=256, description="Generation threads; 0 = all cores.")
    max_tokens: int = Field(200, ge=16, le=4096, description="Most tokens one answer may write.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Sampling seed, for repeatable answers.")
    queue_size: int = Field(
        8, ge=1, le=1000, description="Questions waiting for the model before 'busy'."
    )
    max_question_chars: int = Field(500, ge=20, le=4000, description="Longest question accepted.")
    reader_veto: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="A near miss when the trained reader gives every evidence sentence the model "
        "would read a probability under this of stating the asked-for fact (0 = no reader).",
    )
    summary_mode: Literal["auto", "extractive", "model", "shorten"] = Field(
        "extractive",
        description="Summaries: the article's sentences likeliest to state its key facts, quoted "
        "(extractive); the same with the later ones shortened by the model, which may only delete "
        "words (shorten); bullets written by the model and checked (model); or shorten unless it "
        "is the bundled 135M model (auto).",
    )

    # --- discord -----------------------------------------------------------------------------
    discord_token: SecretStr | None = Field(None, description="The bot token (secret).")
    discord_channels: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated channel ids it answers mentions in; empty = every channel.",
    )
    discord_api_base: str = Field(
        "https://discord.com/api/v10", description="Discord REST base URL (for self-hosting/tests)."
    )
    discord_gateway_url: str = Field(
        "wss://gateway.discord.gg/", description="Discord gateway URL (for self-hosting/tests)."
    )
    cooldown_seconds: float = Field(
        5.0, ge=0.0, le=3600.0, description="Per-user pause between questions."
    )
    history_turns: int = Field(
        3, ge=0, le=20, description="Earlier turns of a thread/reply chain used as context."
    )

    announce_channel: int | None = Field(
        None,
        ge=1,
        description="Discord channel id where the bot posts new articles from watched feeds "
        "(a feed's own --announce channel wins); empty = no announcements.",
    )
    announce_interval: float = Field(
        30.0,
        ge=0.1,
        le=3600,
        description="Seconds the bot collects new articles before posting them, and the least "
        "time between two posts in one channel.",
    )
    announce_max_each: int = Field(
        3,
        ge=1,
        le=10,
        description="Up to this many new articles are posted one embed each; more at once "
        "become one digest.",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "WARNING", description="Logging level of the CLI and bot."
    )

    @field_validator("discord_channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError(
                    "NEWSDESK_DISCORD_CHANNELS must be comma-separated numeric channel ids"
                )
            return [int(p) for p in parts]
        return value

    @field_validator("chroma_url", "llama_server_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (or be empty)")
        return value or None

    @field_validator("catalog_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or be empty)")
        return value or None
