"""The whole product on the bundled samples, with the real embedder, reader and default model.

The README's example questions must answer with their facts, and a near miss (the topic is
indexed, the fact is not) must not be answered: the content is asserted, not only the shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(
    scope="module", params=["embedded", pytest.param("servers", marks=pytest.mark.server)]
)
def runner(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CliRunner:
    """The CLI on the embedded stores and the model in process; and with all three servers at
    once: the index on a Chroma server + a PostgreSQL catalog, answers from a llama.cpp server."""
    data = tmp_path_factory.mktemp("e2e") / "data"
    env = {"NEWSDESK_DATA_DIR": str(data)}
    if request.param == "servers":
        from tests.servers import new_database

        env["NEWSDESK_CHROMA_URL"] = request.getfixturevalue("chroma_server").url
        env["NEWSDESK_CATALOG_URL"] = new_database(request.getfixturevalue("postgres_server"))
        env["NEWSDESK_LLAMA_SERVER_URL"] = request.getfixturevalue("llama_server").url
    runner = CliRunner(env=env)
    result = runner.invoke(app, ["index", "add", str(ROOT / "samples" / "articles")])
    assert result.exit_code == 0, result.stderr
    local = request.param == "embedded"  # nothing of the index on this host with the servers
    assert (data / "chroma").exists() == local
    assert (data / "catalog.sqlite3").exists() == local
    return runner


def ask(runner: CliRunner, question: str) -> dict[str, object]:
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


# The README's examples and more, each with the fact its answer must state (written with the
# sample articles, before any answer was seen).
DEMO = [
    ("How much did the Eastgate tram line cost?", "182 million"),
    ("How much money did Fernwing raise?", "7.5m"),
    ("Who led Fernwing's funding round?", "Northgate Ventures"),
    ("How many homes does the Tarnvale hosepipe ban cover?", "310,000"),
    ("When was Millrace Bridge built?", "1893"),
    ("How long is the Eastgate tram line?", "7.4 km"),
]


@pytest.mark.parametrize(("question", "fact"), DEMO)
def test_the_demo_questions_are_answered_with_their_facts(
    runner: CliRunner, question: str, fact: str
) -> None:
    data = ask(runner, question)
    assert data["grounded"] is True and data["mode"] in ("model", "quote")
    assert fact in str(data["answer"]), data["answer"]


def test_a_near_miss_is_not_answered_but_shows_the_closest_sentence(runner: CliRunner) -> None:
    data = ask(runner, "How many passengers did the Eastgate tram line carry in its first week?")
    assert data["grounded"] is False and data["mode"] == "near-miss", data["answer"]
    assert str(data["answer"]).startswith("The articles don't say exactly.")
    assert data["citations"] and "tram" in str(data["sources"][0]["title"]).lower()


def test_a_covered_question_gets_a_cited_grounded_answer(runner: CliRunner) -> None:
    """The `ask --json` contract of a grounded answer (the README's examples are checked for
    their facts above)."""
    data = ask(runner, "How many homes does the Tarnvale hosepipe ban cover?")
    assert set(data) == {"question", "answer", "grounded", "mode", "citations", "sources"}
    sources = data["sources"]
    assert isinstance(sources, list) and sources
    numbers = [s["n"] for s in sources]
    assert numbers == list(range(1, len(sources) + 1))
    assert len({s["article_id"] for s in sources}) == len(sources)
    assert data["grounded"] is True
    citations = data["citations"]
    assert isinstance(citations, list) and citations and set(citations) <= set(numbers)
    assert "hosepipe" in str(sources[0]["title"]).lower()
    for s in sources:
        assert set(s) == {"n", "article_id", "title", "source", "url", "score", "quote"}
        assert isinstance(s["score"], float) and s["quote"]
    for n in citations:
        assert f"[{n}]" in str(data["answer"])


def test_an_overview_question_combines_the_articles_on_its_subject(runner: CliRunner) -> None:
    """Two sample articles are about Brackenford's roads (the tram line, the bridge): each fact is
    cited to its own article, and `ask --json` says the answer is a digest."""
    data = ask(runner, "What has been said about Brackenford roads and bridges?")
    assert data["mode"] == "digest" and data["grounded"] is True, data["answer"]
    sources = data["sources"]
    assert isinstance(sources, list)
    n = {("tram" if "tram" in s["title"] else "bridge"): s["n"] for s in sources}
    assert data["citations"] == [1, 2] and set(n) == {"tram", "bridge"}
    assert all(s["quote"] for s in sources)
    lines = str(data["answer"]).splitlines()
    assert lines[0] == "From 2 articles:"
    for fact, article in (("7.4 km", "tram"), ("£182 million", "tram"), ("1893", "bridge")):
        [line] = [line for line in lines if fact in line]
        assert line.endswith(f"[{n[article]}]"), line


def test_an_uncovered_question_is_refused(runner: CliRunner) -> None:
    data = ask(runner, "Who won the 2022 World Cup?")
    assert data["grounded"] is False and data["citations"] == [] and data["sources"] == []
    assert data["mode"] == "refusal" and data["answer"] == "The indexed articles don't cover that."


def test_summarise_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["summarise", "Millrace Bridge", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"article_id", "title", "source", "summary", "grounded"}
    assert "Millrace" in data["title"] and data["summary"]
    assert isinstance(data["grounded"], bool)


def test_chat_answers_in_the_terminal(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat"], input="How much did the tram line cost?\n/quit\n")
    assert result.exit_code == 0, result.stderr
    assert "[1]" in result.stdout


def test_the_servers_wrote_the_answers(runner: CliRunner, request: pytest.FixtureRequest) -> None:
    """With the servers, generation happened on the llama.cpp server (its access log)."""
    if "servers" not in request.node.callspec.id:
        pytest.skip("the embedded run has no server")
    server = request.getfixturevalue("llama_server")
    assert "POST /v1/chat/completions" in server.log.read_text(errors="replace")
