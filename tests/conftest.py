from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from index.models import Article, stable_id
from newsdesk.app import App
from newsdesk.settings import Settings

pytest_plugins = ["tests.servers"]  # session fixtures: real Chroma, llama.cpp, PostgreSQL servers

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's `.env` or NEWSDESK_* variables."""
    for key in list(os.environ):
        if key.startswith("NEWSDESK_"):
            monkeypatch.delenv(key)
    # An in-process `index add` (CliRunner) must not lower pytest's own CPU priority for good;
    # tests/newsdesk/test_app.py checks the real thing in a child process.
    monkeypatch.setattr(os, "nice", lambda increment: 0)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(
    params=[
        pytest.param("embedded"),
        pytest.param("chroma-server", marks=[pytest.mark.slow, pytest.mark.server]),
        pytest.param("servers", marks=[pytest.mark.slow, pytest.mark.server]),
    ]
)
def every_store(request: pytest.FixtureRequest) -> str:
    """Opt in with `pytestmark = pytest.mark.usefixtures("every_store")`: the module's tests then
    run on each store (`settings` below points at it): embedded Chroma + SQLite catalog, a real
    Chroma server, and a Chroma server + a PostgreSQL catalog (the many-hosts shape)."""
    return str(request.param)


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Fast settings: a fresh data dir, the hashing embedder and the small model."""
    settings = Settings(
        data_dir=tmp_path / "data",
        embedder="hashing",
        model="smollm2-135m",
        min_relevance=0.1,
    )
    store = request.getfixturevalue("every_store") if "every_store" in request.fixturenames else ""
    update: dict[str, object] = {}
    if store in ("chroma-server", "servers"):
        update["chroma_url"] = request.getfixturevalue("chroma_server").url
    if store == "servers":
        from tests.servers import new_database

        update["catalog_url"] = new_database(request.getfixturevalue("postgres_server"))
    return settings.model_copy(update=update)


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    yield App(settings)


def make_article(n: int, text: str, title: str | None = None) -> Article:
    return Article(
        article_id=stable_id(f"test#{n}"),
        title=title or f"Article {n}",
        text=text,
        source=f"test-{n}.txt",
    )


@pytest.fixture
def articles() -> list[Article]:
    return [
        make_article(
            1,
            "The Brackenford council approved a new tram line on Tuesday. "
            "It will cost 182 million pounds and open in 2025. "
            "Mayor Ada Lovel said the line links Eastgate to the station.",
            "Tram line approved",
        ),
        make_article(
            2,
            "Heavy rain flooded the valley. The river rose two metres overnight. "
            "Residents of Millbrook were moved to the school hall.",
            "Valley floods",
        ),
        make_article(
            3,
            "The football club won promotion after a 3-1 win. "
            "Striker Kyle Ansah scored twice in the second half.",
            "Rovers promoted",
        ),
    ]
