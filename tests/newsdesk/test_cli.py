"""The CLI through typer's runner: exit codes, stdout/stderr split, JSON contracts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app
from tests.conftest import ROOT

SAMPLES = ROOT / "samples" / "articles"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "hashing")
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_stats_search_remove(runner: CliRunner) -> None:
    code, out, err = run(runner, "index", "add", str(SAMPLES))
    assert code == 0, err
    assert "added 7" in err and out == ""

    code, out, _ = run(runner, "index", "list", "--json")
    listed = json.loads(out)
    assert len(listed) == 7
    assert set(listed[0]) == {
        "article_id",
        "title",
        "source",
        "url",
        "site",
        "byline",
        "published",
        "chunks",
        "content_hash",
    }

    code, out, _ = run(runner, "index", "stats", "--json")
    stats = json.loads(out)
    assert stats["articles"] == 7 and stats["embedder"] == "hashing-384"
    assert stats["chunks"] == sum(a["chunks"] for a in listed)

    code, out, _ = run(runner, "index", "search", "tram line Eastgate", "-k", "3", "--json")
    hits = json.loads(out)
    assert 0 < len(hits) <= 3
    assert set(hits[0]) == {"article_id", "title", "source", "chunk_id", "text", "score"}
    assert "tram" in hits[0]["title"].lower()

    victim = listed[0]["article_id"]
    assert run(runner, "index", "remove", victim)[0] == 0
    code, _, err = run(runner, "index", "remove", victim)
    assert code == 1 and "no indexed article has id" in err


def test_re_adding_is_idempotent(runner: CliRunner) -> None:
    run(runner, "index", "add", str(SAMPLES))
    code, _, err = run(runner, "index", "add", str(SAMPLES))
    assert code == 0 and "added 0, updated 0, unchanged 7" in err


def test_a_bad_source_is_one_line_and_the_batch_completes(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_text("")
    code, _, err = run(
        runner,
        "index",
        "add",
        str(tmp_path / "missing.txt"),
        str(tmp_path / "empty.txt"),
        str(SAMPLES),
    )
    assert code == 1
    assert "missing.txt" in err and "empty.txt" in err
    assert "added 7" in err and "2 sources failed" in err
    assert "Traceback" not in err


def test_embedder_mismatch_is_one_clear_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(runner, "index", "add", str(SAMPLES))
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "minilm")
    code, _, err = run(runner, "index", "search", "tram")
    assert code == 1
    assert "newsdesk index rebuild" in err and "Traceback" not in err


def test_invalid_settings_are_one_clear_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_TOP_K", "0")
    code, _, err = run(runner, "index", "stats")
    assert code == 1 and "NEWSDESK_TOP_K" in err


def test_ask_json_contract_when_not_covered(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(runner, "index", "add", str(SAMPLES))
    monkeypatch.setenv("NEWSDESK_MIN_RELEVANCE", "0.99")
    code, out, _ = run(runner, "ask", "Who won the 2022 World Cup?", "--json")
    assert code == 0
    assert json.loads(out) == {
        "question": "Who won the 2022 World Cup?",
        "answer": "The indexed articles don't cover that.",
        "grounded": False,
        "mode": "refusal",
        "citations": [],
        "sources": [],
    }


@pytest.mark.parametrize(
    ("question", "message"), [("   ", "ask a question"), ("why " * 200, "the limit is 500")]
)
def test_a_bad_question_is_one_clear_line(runner: CliRunner, question: str, message: str) -> None:
    code, out, err = run(runner, "ask", question, "--json")
    assert (code, out) == (1, "")
    assert message in err and "Traceback" not in err


def test_ask_folds_the_whitespace_of_the_question(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(runner, "index", "add", str(SAMPLES))
    monkeypatch.setenv("NEWSDESK_MIN_RELEVANCE", "0.99")
    code, out, _ = run(runner, "ask", "  Who won   the 2022 World Cup? ", "--json")
    assert code == 0 and json.loads(out)["question"] == "Who won the 2022 World Cup?"


def test_bot_without_a_token_is_one_clear_line(runner: CliRunner) -> None:
    code, _, err = run(runner, "bot")
    assert code == 1 and "NEWSDESK_DISCORD_TOKEN" in err and "Traceback" not in err


def test_a_bad_question_file_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x"}\n')
    code, _, err = run(runner, "eval", str(bad))
    assert code == 1 and "line 1" in err and "Traceback" not in err


def test_index_show_prints_one_article_as_kept_with_its_chunks(
    runner: CliRunner, tmp_path: Path
) -> None:
    sentences = " ".join(
        f"In year {n} masons reset {n + 3} stones of the harbour wall on its [red]north[/red] arm."
        for n in range(80)
    )
    page = tmp_path / "harbour.txt"
    page.write_text(
        f"Harbour wall turns 100\nBy Sam Lee\n{sentences}\nShare this\n", encoding="utf-8"
    )
    assert run(runner, "index", "add", str(page))[0] == 0
    (listed,) = json.loads(run(runner, "index", "list", "--json")[1])

    code, out, _ = run(runner, "index", "show", listed["article_id"], "--json")
    shown = json.loads(out)
    assert code == 0
    assert list(shown) == [
        "article_id",
        "title",
        "source",
        "url",
        "site",
        "byline",
        "published",
        "text",
        "chunks",
    ]
    assert (shown["title"], shown["byline"], shown["text"]) == (
        "Harbour wall turns 100",
        "Sam Lee",
        sentences,
    )
    assert shown["source"] == str(page.resolve()) and shown["url"] is None
    chunks = shown["chunks"]
    assert len(chunks) == listed["chunks"] > 1
    assert [c["chunk_id"] for c in chunks] == [
        f"{listed['article_id']}:{n}" for n in range(len(chunks))
    ]
    assert all(c["text"] in sentences for c in chunks)

    code, out, _ = run(runner, "index", "show", listed["article_id"])
    assert code == 0
    assert "Harbour wall turns 100" in out and "Sam Lee" in out
    assert "[red]north[/red]" in out  # article text is printed as data, never as markup
    assert f"chunk {chunks[-1]['chunk_id']}" in out


def test_index_show_of_an_unknown_id_is_one_clear_line(runner: CliRunner) -> None:
    assert run(runner, "index", "add", str(SAMPLES))[0] == 0
    code, out, err = run(runner, "index", "show", "0123456789abcdef")
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0
    assert "no indexed article has id '0123456789abcdef'" in err


def test_a_too_long_eval_question_is_one_clear_line_before_any_is_asked(
    runner: CliRunner, tmp_path: Path
) -> None:
    item = {"id": "long", "question": "why " * 200, "expected": [], "article": None}
    bad = tmp_path / "q.jsonl"
    bad.write_text(json.dumps({**item, "answerable": False}) + "\n")
    code, _, err = run(runner, "eval", str(bad), "--json")
    assert code == 1 and "'long'" in err and "the limit is 500" in err
    assert "Traceback" not in err


def test_summarise_json_of_an_article_keeps_its_contract(runner: CliRunner) -> None:
    assert run(runner, "index", "add", str(SAMPLES))[0] == 0
    code, out, err = run(runner, "summarise", "Millrace Bridge", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"article_id", "title", "source", "summary", "grounded"}
    assert data["title"].startswith("Millrace Bridge") and "[1]" in data["summary"]


def test_summarise_topic_json_cites_its_sources_by_number(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_MIN_RELEVANCE", "0.05")  # the hashing embedder's scores are low
    assert run(runner, "index", "add", str(SAMPLES))[0] == 0
    code, out, err = run(runner, "summarise", "--topic", "tram line Eastgate", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"article_id", "title", "source", "summary", "grounded", "sources"}
    assert data["article_id"] is None and data["title"] == "tram line Eastgate"
    assert all(set(s) == {"n", "article_id", "title", "url"} for s in data["sources"])
    assert "Eastgate tram" in data["sources"][0]["title"] or any(
        "tram" in s["title"].lower() for s in data["sources"]
    )
    cited = {
        int(n) for group in re.findall(r"\[([\d, ]+)\]", data["summary"]) for n in group.split(",")
    }
    assert cited and cited <= {s["n"] for s in data["sources"]}
    assert all(
        line.startswith("- ") or line.startswith("Sources differ")
        for line in data["summary"].splitlines()
    )


@pytest.mark.parametrize("args", [(), ("Millrace", "--topic", "bridges")])
def test_summarise_needs_an_article_or_a_topic(runner: CliRunner, args: tuple[str, ...]) -> None:
    code, out, err = run(runner, "summarise", *args)
    assert code == 1 and out == ""
    assert "give an ARTICLE (id or title) or --topic TEXT" in err


def test_list_filters_by_published_dates_and_site(runner: CliRunner, tmp_path: Path) -> None:
    rows = tmp_path / "dated.csv"
    rows.write_text(
        "title,text,published,site\n"
        "Tram fares rise,Fares on the tram rise by ten pence.,2005-03-08,Valley Gazette\n"
        "Library hours cut,The library will close on Saturdays.,2005-01-20,Lowick Post\n"
        "Bridge shut,The footbridge is shut for repairs.,,Valley Gazette\n",
        encoding="utf-8",
    )
    assert run(runner, "index", "add", str(rows))[0] == 0

    def titles(*options: str) -> list[str]:
        code, out, err = run(runner, "index", "list", "--json", *options)
        assert code == 0, err
        return [a["title"] for a in json.loads(out)]

    assert titles("--since", "2005-02-01") == ["Tram fares rise"]
    assert titles("--since", "2005-01-01", "--until", "2005-12-31") == [
        "Tram fares rise",
        "Library hours cut",
    ]
    assert sorted(titles("--site", "gazette")) == ["Bridge shut", "Tram fares rise"]
    assert titles("--until", "2004-12-31") == []
    code, out, err = run(runner, "index", "list", "--since", "next week")
    assert code == 1 and out == ""
    assert "'next week' is not a date; use YYYY-MM-DD" in err
