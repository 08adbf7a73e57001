"""The composition root's process-wide choices, checked in a child process (os.nice is one-way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

_CHILD = """
import os, sys
from newsdesk.app import App, build_indexing_app
from newsdesk.settings import Settings
settings = Settings(data_dir=sys.argv[1], embedder="hashing", index_nice=3, index_threads=1)
plain = App(settings)
indexing = build_indexing_app(settings)
build_indexing_app(settings)
print(os.nice(0), plain.settings.embed_threads, indexing.settings.embed_threads)
"""


def test_an_indexing_process_gives_up_cpu_priority_and_uses_its_own_threads(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parent = os.getpriority(os.PRIO_PROCESS, 0)  # os.nice is stubbed in this process
    assert done.stdout.split() == [str(max(parent, 3)), "0", "1"]


def test_answers_read_the_reranked_pool_unless_it_is_turned_off(tmp_path: Path) -> None:
    from bot.engine.relevance import MsMarcoRelevance
    from bot.engine.rerank import Reranked
    from newsdesk.app import App, answer_search
    from newsdesk.settings import Settings

    relevance = MsMarcoRelevance()  # nothing is loaded until it scores
    reranked = App(Settings(data_dir=tmp_path, embedder="hashing", rerank_pool=8))
    assert isinstance(answer_search(reranked.settings, reranked.retriever, relevance), Reranked)
    plain = App(Settings(data_dir=tmp_path, embedder="hashing", rerank_pool=0))
    assert answer_search(plain.settings, plain.retriever, relevance) is plain.retriever
