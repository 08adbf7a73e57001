"""What a user sees when a server Newsdesk depends on is down at start: one line, exit code 1,
no traceback; the chat says so and goes on. (Killed mid-batch, restarted and hung servers run
against the real servers in tests/index/storage/test_store_server.py and test_catalog_pg.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app
from tests.conftest import ROOT
from tests.servers import free_port

SAMPLES = ROOT / "samples" / "articles"
QUESTION = "How much did the Eastgate tram line cost?"


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL on which nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "hashing")
    monkeypatch.setenv("NEWSDESK_MIN_RELEVANCE", "0.1")  # the hashing embedder's scale
    return CliRunner()


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_generation_server_down(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    assert runner.invoke(app, ["index", "add", str(SAMPLES)]).exit_code == 0
    url = closed_port_url.rstrip("/")
    monkeypatch.setenv("NEWSDESK_LLAMA_SERVER_URL", url)
    monkeypatch.setenv("NEWSDESK_LLAMA_SERVER_RETRIES", "1")
    result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 1 and result.stdout == ""
    line = one_error_line(result.stderr)
    assert f"the generation server at {url} cannot answer (connection refused, 2 attempts)" in line
    assert "NEWSDESK_LLAMA_SERVER_URL" in line

    chat = runner.invoke(app, ["chat"], input=f"{QUESTION}\n/articles\n/quit\n")
    assert chat.exit_code == 0 and "Traceback" not in chat.stdout + chat.stderr
    assert "cannot answer (connection refused" in chat.stdout + chat.stderr
    assert "Eastgate" in chat.stdout  # the chat went on: /articles still lists them


def test_catalog_database_down(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    port = closed_port_url.rstrip("/").rsplit(":", 1)[1]
    monkeypatch.setenv("NEWSDESK_CATALOG_URL", f"postgresql://news:pw@127.0.0.1:{port}/news")
    for args in (["index", "add", str(SAMPLES)], ["ask", QUESTION], ["index", "list"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        line = one_error_line(result.stderr)
        assert (
            f"cannot reach the PostgreSQL catalog at postgresql://news:***@127.0.0.1:{port}" in line
        )
        assert "connection refused" in line and "pw@" not in line


def test_a_catalog_url_that_is_not_postgres_is_refused(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_CATALOG_URL", "mysql://db/news")
    result = runner.invoke(app, ["index", "list"])
    assert result.exit_code == 1
    assert "NEWSDESK_CATALOG_URL: Value error, must start with postgresql://" in one_error_line(
        result.stderr
    )
