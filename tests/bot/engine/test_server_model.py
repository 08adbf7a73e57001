"""`ServerModel` against `httpx.MockTransport`: the protocol edges a real server rarely shows on
demand (429/503 with Retry-After, refused connections, stalls, cut-off streams). The real
llama-cpp-python server runs the shared ChatModel contract in `test_model.py`."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import httpx
import pytest

from bot.engine.server_model import ModelUnavailableError, ServerConfig, ServerModel

URL = "http://gen.test:8080"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def sse(*pieces: str, finish: str | None = "stop") -> bytes:
    events = [
        {"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces
    ]
    if finish:
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return (": ping\n\n" + body + "data: [DONE]\n\n").encode()


Handler = Callable[[httpx.Request], httpx.Response]


def model(handler: Handler, sleeps: list[float] | None = None, **config: object) -> ServerModel:
    waits = sleeps if sleeps is not None else []
    return ServerModel(
        ServerConfig(URL, **config),  # type: ignore[arg-type]
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
    )


def replies(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    queue, seen = list(responses), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def ok(*pieces: str, finish: str | None = "stop") -> httpx.Response:
    return httpx.Response(
        200, content=sse(*pieces, finish=finish), headers={"content-type": "text/event-stream"}
    )


def test_streams_growing_prefixes_and_sends_the_request_options() -> None:
    handler, seen = replies(ok("Paris", " is the", " capital."))
    seen_text: list[str] = []
    m = model(handler, temperature=0.0, seed=7, model="smollm2")
    reply = m.complete(MESSAGES, max_tokens=24, on_text=seen_text.append, stop=["\n\n"])
    assert reply == "Paris is the capital."
    assert seen_text == ["Paris", "Paris is the", "Paris is the capital."]
    body = json.loads(seen[0].content)
    assert seen[0].url.path == "/v1/chat/completions"
    assert body == {
        "messages": MESSAGES,
        "max_tokens": 24,
        "temperature": 0.0,
        "seed": 7,
        "repeat_penalty": 1.0,
        "stream": True,
        "model": "smollm2",
        "stop": ["\n\n"],
    }


def test_a_stop_string_the_server_ignored_ends_the_answer_and_is_never_shown() -> None:
    handler, _ = replies(ok("Red.", "\nSo", "urces: [1]"))
    shown: list[str] = []
    reply = model(handler).complete(
        MESSAGES, max_tokens=40, on_text=shown.append, stop=["\nSources:"]
    )
    assert reply == "Red."
    assert all("\nS" not in s for s in shown) and shown[-1] == "Red."
    assert all(b.startswith(a) for a, b in itertools.pairwise(shown))


def test_429_and_503_are_retried_with_backoff_honouring_retry_after() -> None:
    sleeps: list[float] = []
    handler, seen = replies(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, text="Loading model"),
        ok("Paris."),
    )
    assert model(handler, sleeps, backoff=0.25).complete(MESSAGES, max_tokens=8) == "Paris."
    assert len(seen) == 3
    assert sleeps == [2.0, 0.5]  # Retry-After first, then the second backoff step (0.25 * 2)


def test_a_server_that_stays_busy_is_one_clear_error_after_the_retries() -> None:
    sleeps: list[float] = []
    handler, seen = replies(*[httpx.Response(503) for _ in range(4)])
    with pytest.raises(
        ModelUnavailableError, match=r"gen.test:8080 cannot answer \(HTTP 503, 4 attempts\)"
    ):
        model(handler, sleeps, retries=3, backoff=0.5).complete(MESSAGES, max_tokens=8)
    assert len(seen) == 4 and sleeps == [0.5, 1.0, 2.0]


def test_an_unreachable_server_is_retried_then_named() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    sleeps: list[float] = []
    with pytest.raises(ModelUnavailableError, match="connection refused, 3 attempts") as info:
        model(refuse, sleeps, retries=2).complete(MESSAGES, max_tokens=8)
    assert "NEWSDESK_LLAMA_SERVER_URL" in str(info.value) and len(sleeps) == 2


def test_other_http_errors_are_not_retried() -> None:
    handler, seen = replies(httpx.Response(400, json={"error": {"message": "context too long"}}))
    with pytest.raises(ModelUnavailableError, match=r"HTTP 400.*context too long"):
        model(handler).complete(MESSAGES, max_tokens=8)
    assert len(seen) == 1


def test_a_stalled_server_times_out() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ModelUnavailableError, match=r"no answer within 3 s"):
        model(stall, timeout=3.0).complete(MESSAGES, max_tokens=8)


def test_a_stream_cut_off_without_finish_reason_is_an_error_not_a_short_answer() -> None:
    handler, _ = replies(ok("Paris is", finish=None))
    with pytest.raises(ModelUnavailableError, match="cut off"):
        model(handler).complete(MESSAGES, max_tokens=8)


def test_an_error_event_in_the_stream_is_reported() -> None:
    body = b'data: {"error": {"message": "out of memory"}}\n\n'
    handler, _ = replies(httpx.Response(200, content=body))
    with pytest.raises(Exception, match="out of memory"):
        model(handler).complete(MESSAGES, max_tokens=8)


@pytest.mark.parametrize(
    ("path", "field"), [("/tokenize", "content"), ("/extras/tokenize", "input")]
)
def test_count_tokens_uses_the_servers_tokenizer(path: str, field: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != path:
            return httpx.Response(404)
        text = json.loads(request.content)[field]
        return httpx.Response(200, json={"tokens": list(range(len(text.split())))})

    m = model(handler)
    assert m.count_tokens("one two three") == 3 and m.count_tokens("one") == 1


def test_count_tokens_estimates_when_the_server_has_no_tokenizer() -> None:
    m = model(lambda request: httpx.Response(404))
    assert 0 < m.count_tokens("one two") < m.count_tokens("one two three four five six")
