"""The import rules of the layers, read from the source with `ast` (nothing is imported).

- only `newsdesk/` (the composition root and the CLI) imports `newsdesk`;
- `index/` imports nothing from `bot` or `newsdesk`;
- `bot/engine/` is synchronous and transport-free: no asyncio, discord, rich, matplotlib, newsdesk.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("bot", "index", "prompts", "newsdesk")
# (files under this folder, may not import these top-level modules)
RULES = (
    ("bot", {"newsdesk"}),
    ("index", {"newsdesk", "bot"}),
    ("prompts", {"newsdesk", "bot"}),
    ("bot/engine", {"asyncio", "discord", "rich", "matplotlib", "newsdesk"}),
)


def imported_modules(source: str) -> set[str]:
    """Every module an `import` or `from ... import` names, at any depth (TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def violations(folder: str, banned: set[str], root: Path = ROOT) -> list[str]:
    """`path: module` for each import of a banned top-level module under `root/folder`."""
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for module in imported_modules(path.read_text(encoding="utf-8")):
            if module.split(".")[0] in banned:
                found.append(f"{path.relative_to(root)}: {module}")
    return found


@pytest.mark.parametrize(("folder", "banned"), RULES, ids=[r[0] for r in RULES])
def test_layer_imports(folder: str, banned: set[str]) -> None:
    assert (ROOT / folder).is_dir()
    assert violations(folder, banned) == []


def test_every_package_is_covered_by_a_rule() -> None:
    ruled = {folder.split("/")[0] for folder, _ in RULES} | {"newsdesk"}
    assert set(PACKAGES) <= ruled


@pytest.mark.parametrize(
    ("folder", "source"),
    [
        ("bot/engine", "import asyncio\n"),
        ("bot/engine", "from discord import app_commands\n"),
        ("bot/engine", "def f():\n    from rich.table import Table\n"),
        ("bot/engine", "if TYPE_CHECKING:\n    import matplotlib.pyplot as plt\n"),
        ("bot", "from newsdesk.settings import Settings\n"),
        ("index", "from bot.types import Answer\n"),
        ("index", "import newsdesk.app\n"),
    ],
)
def test_a_bad_import_is_caught(tmp_path: Path, folder: str, source: str) -> None:
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "bad.py").write_text(source, encoding="utf-8")
    banned = dict(RULES)[folder]
    assert violations(folder, banned, root=tmp_path) == [
        f"{folder}/bad.py: {next(iter(imported_modules(source)))}"
    ]


def test_relative_and_allowed_imports_pass(tmp_path: Path) -> None:
    (tmp_path / "bot" / "engine").mkdir(parents=True)
    source = "from . import text\nimport re\nfrom index.models import Retrieved\nimport asyncio_x\n"
    (tmp_path / "bot" / "engine" / "ok.py").write_text(source, encoding="utf-8")
    assert violations("bot/engine", dict(RULES)["bot/engine"], root=tmp_path) == []
