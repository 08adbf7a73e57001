from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from newsdesk.settings import Settings
from tests.conftest import ROOT


def env_example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^(NEWSDESK_[A-Z_]+)=", text, flags=re.M)


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    fields = [f"NEWSDESK_{name.upper()}" for name in Settings.model_fields]
    assert sorted(env_example_names()) == sorted(fields)


def test_env_example_values_are_the_defaults() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^(NEWSDESK_[A-Z_]+)=(.*)$", text, flags=re.M))
    parsed = Settings(
        _env_file=None,
        **{  # type: ignore[call-arg]
            k.removeprefix("NEWSDESK_").lower(): v for k, v in values.items() if v != ""
        },
    )
    assert parsed == Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_setting_has_a_description() -> None:
    assert all(f.description for f in Settings.model_fields.values())


def test_settings_come_from_the_environment_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("NEWSDESK_TOP_K=7\nNEWSDESK_DISCORD_TOKEN=abc\n")
    monkeypatch.setenv("NEWSDESK_DISCORD_CHANNELS", "12, 34")
    settings = Settings()
    assert settings.top_k == 7
    assert settings.discord_channels == [12, 34]
    assert isinstance(settings.discord_token, SecretStr)
    assert "abc" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSDESK_TOP_K", "0", "greater than or equal to 1"),
        ("NEWSDESK_DISCORD_CHANNELS", "general", "numeric channel ids"),
        ("NEWSDESK_CHROMA_URL", "localhost:8000", "http://"),
        ("NEWSDESK_EMBEDDER", "bert", "'minilm' or 'hashing'"),
    ],
)
def test_bad_values_say_what_to_change(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_importing_every_module_needs_no_token_model_or_index() -> None:
    import subprocess
    import sys

    modules = [
        p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        for pkg in ("bot", "index", "prompts", "newsdesk")
        for p in (ROOT / pkg).rglob("*.py")
        if p.name != "__main__.py"
    ]
    code = (
        "import sys\n"
        + "\n".join(f"import {m}" for m in modules)
        + (
            "\nheavy = [m for m in ('chromadb', 'llama_cpp', 'onnxruntime', 'matplotlib') "
            "if m in sys.modules]\nassert not heavy, heavy"
        )
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
