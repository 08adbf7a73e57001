"""`ServerModel`: a `ChatModel` served over the OpenAI chat-completions API.

Any server that speaks it works: llama-cpp-python (`python -m llama_cpp.server --model GGUF`),
llama.cpp's `llama-server`, vLLM, Ollama. Answers stream over server-sent events; stop strings are
sent to the server and enforced here too (not every server honours them); a 429/502/503/504 or a
refused connection is retried with exponential backoff (honouring `Retry-After`) as long as no
text has been streamed yet; anything else is one `ModelUnavailableError` naming the server.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot.engine.model import Message, TextCallback
from index.errors import NewsdeskError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 502, 503, 504})
# llama.cpp's llama-server, then llama-cpp-python's server; other servers have no tokenizer API
_TOKENIZE = (("/tokenize", "content", "tokens"), ("/extras/tokenize", "input", "tokens"))


class ModelUnavailableError(NewsdeskError):
    """The generation server is down, overloaded past our retries, too slow or misbehaving."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"the generation server at {url} cannot answer ({reason}); check that it is "
            "running (NEWSDESK_LLAMA_SERVER_URL), then ask again"
        )
        self.url = url
        self.reason = reason


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


@dataclass(frozen=True)
class ServerConfig:
    url: str
    n_ctx: int = 2048
    temperature: float = 0.0
    seed: int = 0
    model: str = ""  # the "model" field; vLLM and Ollama need it, llama.cpp ignores it
    timeout: float = 120.0  # seconds without a byte from the server before giving up
    connect_timeout: float = 5.0
    retries: int = 3  # extra attempts after a 429/503/refused connection
    backoff: float = 0.5  # first wait in seconds, doubled each retry
    max_backoff: float = 10.0


class ServerModel:
    """A chat model behind an OpenAI-compatible HTTP server."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.name = f"{config.model or 'server'}@{config.url}"
        self.n_ctx = config.n_ctx
        self._url = config.url.rstrip("/")
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self._url,
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            transport=transport,
        )
        self._tokenize: tuple[str, str, str] | bool | None = False  # False: not probed yet

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        on_text: TextCallback | None = None,
        stop: Sequence[str] = (),
    ) -> str:
        body: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": self.config.temperature,
            "seed": self.config.seed,
            # llama.cpp's own extension, ignored by other servers: llama-cpp-python's server
            # defaults to 1.1, the in-process model to 1.0; the same settings give the same text
            "repeat_penalty": 1.0,
            "stream": True,
        }
        if self.config.model:
            body["model"] = self.config.model
        if stop:
            body["stop"] = list(stop)
        for attempt in range(self.config.retries + 1):
            try:
                return self._stream(body, on_text, stop)
            except _Retry as retry:
                if attempt == self.config.retries:
                    raise ModelUnavailableError(
                        self._url, f"{retry.reason}, {attempt + 1} attempts"
                    ) from None
                wait = retry.wait if retry.wait is not None else self._backoff(attempt)
                log.info("generation server busy reason=%s retry_in=%.2f", retry.reason, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return float(min(self.config.max_backoff, self.config.backoff * 2**attempt))

    def _stream(
        self, body: dict[str, Any], on_text: TextCallback | None, stop: Sequence[str]
    ) -> str:
        text, shown, finished = "", "", False
        try:
            with self._client.stream("POST", "/v1/chat/completions", json=body) as response:
                self._check(response)
                for event in _events(response.iter_lines()):
                    choice = (event.get("choices") or [{}])[0]
                    delta = (choice.get("delta") or {}).get("content")
                    finished = finished or bool(choice.get("finish_reason"))
                    if not delta:
                        continue
                    text += delta
                    cut = _cut(text, stop)
                    if cut != text:  # a stop string: the rest is not wanted
                        _emit(on_text, shown, cut)
                        return cut.strip()
                    shown = _emit(on_text, shown, _held_back(text, stop))
        except httpx.ConnectError:
            raise _Retry("connection refused") from None
        except httpx.TimeoutException:
            if not text:
                raise ModelUnavailableError(
                    self._url, f"no answer within {self.config.timeout:g} s"
                ) from None
            raise ModelUnavailableError(self._url, "it stopped sending mid-answer") from None
        except httpx.TransportError as exc:
            raise ModelUnavailableError(self._url, f"connection lost: {exc}") from None
        _emit(on_text, shown, text)
        if not finished:
            # llama-cpp-python's server ends a stream early, without a finish_reason, when
            # another request arrives (unless started with --interrupt_requests False)
            raise ModelUnavailableError(self._url, "the answer was cut off by the server")
        return text.strip()

    def _check(self, response: httpx.Response) -> None:
        if response.status_code == 200:
            return
        response.read()
        if response.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {response.status_code}", _retry_after(response))
        detail = response.text.strip().replace("\n", " ")[:200]
        raise ModelUnavailableError(self._url, f"HTTP {response.status_code}: {detail}")

    def count_tokens(self, text: str) -> int:
        """Tokens by the server's own tokenizer where it offers one; else about 1 per 3 chars."""
        if self._tokenize is False:
            self._tokenize = self._probe_tokenizer()
        if isinstance(self._tokenize, tuple):
            path, field, key = self._tokenize
            try:
                response = self._client.post(path, json={field: text})
                response.raise_for_status()
                return len(response.json()[key])
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                raise ModelUnavailableError(self._url, f"tokenize failed: {exc}") from None
        return max(1, (len(text) + 2) // 3)  # conservative: real English runs ~4 chars/token

    def _probe_tokenizer(self) -> tuple[str, str, str] | None:
        for path, field, key in _TOKENIZE:
            try:
                response = self._client.post(path, json={field: "probe"})
            except httpx.ConnectError:
                raise ModelUnavailableError(self._url, "connection refused") from None
            except httpx.HTTPError:
                continue
            if response.status_code == 200 and key in response.json():
                return path, field, key
        log.info("generation server has no tokenizer endpoint; estimating token counts")
        return None

    def close(self) -> None:
        self._client.close()


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """The JSON payloads of a server-sent event stream (`data: {...}` lines)."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, ": ping" comments, "event:" lines
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and "error" in event:
            raise _server_error(event["error"])
        if isinstance(event, dict):
            yield event


def _server_error(error: object) -> NewsdeskError:
    message = error.get("message") if isinstance(error, dict) else error
    return NewsdeskError(f"the generation server reported an error: {str(message)[:200]}")


def _cut(text: str, stop: Sequence[str]) -> str:
    ends = [i for i in (text.find(s) for s in stop if s) if i >= 0]
    return text[: min(ends)] if ends else text


def _held_back(text: str, stop: Sequence[str]) -> str:
    """`text` minus a tail that may be the start of a stop string (shown once it is not)."""
    for size in range(min(len(text), max((len(s) for s in stop), default=1) - 1), 0, -1):
        if any(s.startswith(text[-size:]) for s in stop if len(s) > size):
            return text[:-size]
    return text


def _emit(on_text: TextCallback | None, shown: str, text: str) -> str:
    if on_text is not None and text != shown and len(text) > len(shown):
        on_text(text)
        return text
    return shown


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(30.0, max(0.0, float(value)))
    except ValueError:
        return None
