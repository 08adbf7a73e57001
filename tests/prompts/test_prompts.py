"""Prompt snapshots: every change to a prompt shows up as a diff of these files.

After an intended change, refresh them with `UPDATE_SNAPSHOTS=1 pytest tests/prompts`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.engine.answer import _history_block, _sources_block
from bot.engine.evidence import Candidate
from bot.engine.grounding import Numbered
from bot.types import Source, Turn
from prompts import PromptError, render

SNAPSHOTS = Path(__file__).parent / "snapshots"

NUMBERED = Numbered(
    sources=(
        Source(1, "a1", "Tram line opens", "tram.md", None, 0.71, "The tram opened."),
        Source(2, "b2", "Bridge closes", "bridge.md", "https://example.org/b", 0.52, "Closed."),
    ),
    passages=(
        (1, "The tram opened on 14 June. It cost £182m."),
        (2, "The bridge closed."),
        (1, "Fares are £1.90."),
    ),
)

# The ranked evidence, best first: the fare, then the cost; shown in article order.
RANKED = (
    Candidate(1, 2, 0, "Fares are £1.90.", (), 3.0),
    Candidate(1, 0, 1, "It cost £182m.", (), 2.0),
    Candidate(2, 1, 0, "The bridge closed.", (), 1.0),
    Candidate(1, 0, 0, "The tram opened on 14 June.", (), 0.5),
)

CASES = {
    "answer_check": {},
    "answer_system": {},
    "answer_user": {
        "history": _history_block([Turn("When did the tram open?", "On 14 June [1].")]),
        "sources": _sources_block(NUMBERED, RANKED),
        "question": "How much was the fare?",
    },
    "bullets_system": {},
    "bullets_user": {"title": "Tram line opens", "text": "The tram opened on 14 June."},
    "bullets_combine_user": {"title": "Tram line opens", "parts": "- Part one.\n- Part two."},
    "shorten_system": {},
    "shorten_examples": {},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_prompt_matches_its_snapshot(name: str) -> None:
    rendered = render(name, **CASES[name])
    snapshot = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == snapshot.read_text(encoding="utf-8")


def test_a_missing_variable_fails_loudly() -> None:
    with pytest.raises(PromptError, match=r"missing variables \['question'\]"):
        render("answer_user", history="", sources="")


def test_an_unexpected_variable_fails_loudly() -> None:
    with pytest.raises(PromptError, match=r"unexpected \['colour'\]"):
        render("answer_system", colour="red")


def test_an_unknown_template_fails_loudly() -> None:
    with pytest.raises(PromptError, match="no prompt template"):
        render("nope")


def test_values_are_inserted_verbatim_even_with_dollar_signs() -> None:
    text = render("bullets_user", title="$title", text="costs $5 ${x}")
    assert "costs $5 ${x}" in text
