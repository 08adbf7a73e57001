"""The prompt variants tried on dev replace only the templates they hold, with the same
variables as the shipped ones (so a variant cannot silently drop the sources or the question)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import answer
from eval.reader.veto_in_path import use_prompts
from prompts import render

VARIANTS = sorted(
    p for p in (Path(__file__).parents[2] / "eval" / "prompts").iterdir() if p.is_dir()
)
VALUES = {
    "answer_system": {},
    "answer_user": {"history": "", "sources": "[1] (Tram) It cost £182 million.", "question": "Q?"},
}


@pytest.mark.parametrize("folder", VARIANTS, ids=lambda p: p.name)
def test_a_variant_replaces_its_own_templates_and_no_other(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer, "render", render)
    use_prompts(folder)
    assert answer.render is not render
    for name, values in VALUES.items():
        text = answer.render(name, **values)
        if (folder / f"{name}.txt").is_file():
            assert text != render(name, **values)
            for value in values.values():
                assert value in text
        else:
            assert text == render(name, **values)
