"""`newsdesk feeds ...` and `newsdesk watch` end to end: the CLI, a real feed server on
127.0.0.1, the real index (hashing embedder; the real model and MiniLM in the slow test)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index.storage.catalog_sqlite import SqliteCatalog
from newsdesk.app import App
from newsdesk.cli import app
from newsdesk.settings import Settings
from tests.conftest import ROOT
from tests.index import conftest as index_fixtures
from tests.index.conftest import Route, Server
from tests.index.feeds.rss import entry, feed_route, rss

http_server = index_fixtures.http_server  # the feed server of the index tests, on 127.0.0.1

FERRY = "The Harbourside ferry will cost 12 million pounds, the port authority said."


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDESK_EMBEDDER", "hashing")
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def listed(runner: CliRunner) -> list[dict[str, object]]:
    code, out, err = run(runner, "feeds", "list", "--json")
    assert code == 0, err
    feeds = json.loads(out)
    assert isinstance(feeds, list)
    return feeds


def make_due(tmp_path: Path) -> None:
    """Time passes: every watched feed is due again (as its next_poll comes)."""
    catalog = SqliteCatalog(tmp_path / "data" / "catalog.sqlite3")
    for feed in catalog.feeds():
        catalog.update_feed(replace(feed, next_poll=0.0))


def test_add_watch_list_remove(runner: CliRunner, http_server: Server, tmp_path: Path) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1, FERRY), entry(2)]))
    code, _, err = run(runner, "feeds", "add", url, "--every", "45m")
    assert code == 0, err
    assert "a feed with 2 entries" in err and "every 45m" in err
    [feed] = listed(runner)
    assert (feed["status"], feed["every_seconds"], feed["entries_added"]) == ("new", 2700.0, 0)

    code, _, err = run(runner, "watch", "--once")
    assert code == 0, err
    assert "added 2, updated 0, unchanged 0" in err
    code, out, _ = run(runner, "index", "search", "Harbourside ferry cost", "--json")
    assert "12 million pounds" in json.loads(out)[0]["text"]  # no `index add` was run

    [feed] = listed(runner)
    assert feed["status"] == "ok" and feed["entries_added"] == 2 and feed["last_success"]
    assert 2690 < float(feed["next_poll_in_seconds"]) <= 2700  # type: ignore[arg-type]
    code, out, _ = run(runner, "index", "stats", "--json")
    assert json.loads(out)["feeds"][0]["entries_added"] == 2
    code, out, _ = run(runner, "feeds", "list")
    assert feed["feed_id"] in out and "ok" in out

    code, _, err = run(runner, "feeds", "remove", str(feed["feed_id"]))
    assert code == 0 and "stopped watching" in err
    assert listed(runner) == []
    code, out, _ = run(runner, "index", "stats", "--json")
    assert json.loads(out)["articles"] == 2  # its articles stay


def test_a_304_costs_no_indexing_and_nothing_is_polled_before_it_is_due(
    runner: CliRunner, http_server: Server, tmp_path: Path
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)]))
    run(runner, "feeds", "add", url, "--no-check")
    run(runner, "watch", "--once")
    requests = len(http_server.requests)

    code, _, err = run(runner, "watch", "--once")  # a restart: the schedule is in the catalog
    assert code == 0 and "no feed is due" in err
    assert len(http_server.requests) == requests

    make_due(tmp_path)
    generation = SqliteCatalog(tmp_path / "data" / "catalog.sqlite3").generation()
    code, _, err = run(runner, "watch", "--once")
    assert code == 0 and "not modified" in err
    assert http_server.requests[-1][1]["If-None-Match"] == '"v1"'
    assert SqliteCatalog(tmp_path / "data" / "catalog.sqlite3").generation() == generation


def test_a_restart_resumes_without_duplicates(
    runner: CliRunner, http_server: Server, tmp_path: Path
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1), entry(2)], etag=None))
    run(runner, "feeds", "add", url)
    run(runner, "watch", "--once")
    http_server.add("/feed.xml", feed_route([entry(3), entry(1), entry(2)], etag=None))
    make_due(tmp_path)

    code, _, err = run(runner, "watch", "--once")  # a new process: no memory but the catalog

    assert code == 0 and "added 1, updated 0, unchanged 2" in err
    code, out, _ = run(runner, "index", "list", "--json")
    assert sorted(a["title"] for a in json.loads(out)) == [f"Story number {n}" for n in (1, 2, 3)]
    assert listed(runner)[0]["entries_added"] == 3


def test_a_failing_and_a_slow_feed_back_off_and_show_in_the_list(
    runner: CliRunner, http_server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSDESK_FETCH_TIMEOUT", "0.5")
    good = http_server.add("/good.xml", feed_route([entry(1)]))
    broken = http_server.add("/broken.xml", Route(status=500, body=b"oops"))
    slow = http_server.add("/slow.xml", replace(feed_route([entry(2)]), delay=2))
    for url in (good, broken, slow):
        assert run(runner, "feeds", "add", url, "--no-check")[0] == 0

    for n in range(1, 4):
        code, _, err = run(runner, "watch", "--once")
        assert code == 1  # a poll failed; the others completed
        assert f"failure {n} in a row" in err and "timed out" in err and "HTTP 500" in err
        make_due(tmp_path)

    feeds = {f["url"]: f for f in listed(runner)}
    assert feeds[good]["status"] == "ok" and feeds[good]["entries_added"] == 1
    for url, reason in ((broken, "HTTP 500"), (slow, "timed out")):
        assert feeds[url]["status"] == "failing" and feeds[url]["failures_in_a_row"] == 3
        assert reason in str(feeds[url]["last_error"])
    code, out, err = run(runner, "feeds", "list")
    assert "failing (3×)" in out and f"failing: {broken}: 3 polls in a row" in err
    code, out, _ = run(runner, "index", "stats")
    assert "3 watched (2 failing)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feeds", "add", "ftp://x.example/feed"], "only http:// and https://"),
        (["feeds", "add", "https://x.example/f", "--every", "5s", "--no-check"], "between 1m"),
        (["feeds", "remove", "nope"], "no watched feed has URL or id 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line(runner: CliRunner, args: list[str], message: str) -> None:
    code, _, err = run(runner, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_adding_something_that_is_not_a_feed_is_refused(
    runner: CliRunner, http_server: Server
) -> None:
    page = http_server.add("/page.html", Route(body=b"<html><body><p>Hi</p></body></html>"))
    code, _, err = run(runner, "feeds", "add", page)
    assert code == 1 and "not an RSS or Atom feed" in err and "--no-check" in err
    assert listed(runner) == []


_KILLED_POLL = textwrap.dedent(
    """
    import sys, time
    from newsdesk.app import App
    from newsdesk.settings import Settings
    from newsdesk.watch import Watcher, limits
    app = App(Settings(data_dir=sys.argv[1], embedder="hashing"))
    real = app.index.store.upsert
    def write_then_hang(*args, **kwargs):
        real(*args, **kwargs)
        print("WRITTEN", flush=True)
        time.sleep(60)  # killed here: vectors written, the catalog not committed
    app.index.store.upsert = write_then_hang
    Watcher(lambda: app.index, limits(app.settings)).run_due()
    """
)


def test_kill_9_mid_poll_leaves_the_index_consistent_and_the_next_poll_completes(
    runner: CliRunner, http_server: Server, tmp_path: Path
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(n) for n in range(1, 6)]))
    run(runner, "feeds", "add", url)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_POLL, str(tmp_path / "data")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "WRITTEN"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    code, out, _ = run(runner, "index", "check", "--json")
    report = json.loads(out)  # nothing visible; the leftovers are the next write's to clean
    assert (report["articles"], report["chunks"]) == (0, 0)
    assert [f["kind"] for f in report["findings"]] == ["interrupted-add"]
    code, out, _ = run(runner, "index", "search", "council meeting Brackenford", "--json")
    assert json.loads(out) == []
    assert listed(runner)[0]["status"] == "new"  # the poll never finished: still due

    code, _, err = run(runner, "watch", "--once")
    assert code == 0 and "added 5" in err
    code, out, _ = run(runner, "index", "check", "--json")
    report = json.loads(out)
    assert code == 0 and report["articles"] == 5 and report["vectors"] == report["chunks"]


@pytest.mark.slow
def test_a_new_entrys_fact_is_answered_after_a_poll_without_an_admin(
    http_server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real embedder and model: the samples are indexed, a feed delivers a new story, one
    poll later `ask` answers from it, citing it."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    assert run(runner, "index", "add", str(ROOT / "samples" / "articles"))[0] == 0
    body = rss([("urn:ferry", "Harbourside ferry approved", FERRY + " " + entry(9)[2])])
    url = http_server.add("/feed.xml", Route(body=body, content_type="application/rss+xml"))
    assert run(runner, "feeds", "add", url)[0] == 0
    assert run(runner, "watch", "--once")[0] == 0

    code, out, err = run(runner, "ask", "How much will the Harbourside ferry cost?", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["grounded"] is True and "12 million" in answer["answer"]
    cited = [s for s in answer["sources"] if s["n"] in answer["citations"]]
    assert cited and cited[0]["url"] == "https://gazette.example/ferry"


def test_settings_bound_the_watch_intervals() -> None:
    with pytest.raises(ValueError, match="feed_every"):
        Settings(feed_every=10)
    assert App(Settings(feed_every=120)).settings.feed_every == 120


def test_adding_a_watched_feed_again_changes_only_what_is_given(
    runner: CliRunner, http_server: Server
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1)]))
    run(runner, "feeds", "add", url, "--every", "1h", "--announce", "123")
    run(runner, "watch", "--once")
    code, _, err = run(runner, "feeds", "add", url, "--every", "2h", "--no-check")
    assert code == 0 and "already watched" in err and "every 2h" in err
    [feed] = listed(runner)
    assert (feed["every_seconds"], feed["announce_channel"]) == (7200.0, 123)
    assert feed["entries_added"] == 1 and feed["status"] == "ok"  # its history stays
    code, out, _ = run(runner, "index", "stats")
    assert "1 watched" in out and f"{feed['feed_id']}  ok  every 2h" in out


def test_watch_polls_on_schedule_until_sigterm(
    runner: CliRunner, http_server: Server, tmp_path: Path
) -> None:
    url = http_server.add("/feed.xml", feed_route([entry(1)]))
    run(runner, "feeds", "add", url)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "NEWSDESK_EMBEDDER": "hashing",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "watch"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while listed(runner)[0]["status"] != "ok":
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "watching 1 feed;" in err and "added 1, updated 0, unchanged 0" in err
