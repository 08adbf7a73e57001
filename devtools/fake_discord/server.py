"""A small fake of Discord's REST API and gateway (aiohttp, 127.0.0.1) for end-to-end bot tests.

It implements what the bot uses, enforces Discord's message and embed limits (400, code 50035,
nested `_errors`), withholds message content from bots without the Message Content intent, and
records every request and heartbeat. Tests inject MESSAGE_CREATE and INTERACTION_CREATE events.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from devtools.fake_discord import payloads as p
from devtools.fake_discord.limits import validate_autocomplete, validate_message

Json = dict[str, Any]
MESSAGE_CONTENT = 1 << 15
BODY: web.RequestKey[Any] = web.RequestKey("body", object)  # JSON, or the raw text


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class InteractionState:
    id: int
    token: str
    channel_id: int
    created: float
    callback: Json | None = None
    original: int | None = None
    followups: list[int] = field(default_factory=list)
    choices: list[Json] | None = None
    ephemeral_texts: list[str] = field(default_factory=list)


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly "application/json".
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def form_error(errors: Json) -> web.Response:
    return json_response({"code": 50035, "errors": errors, "message": "Invalid Form Body"}, 400)


class FakeDiscord:
    """Start with `await start()`; `api_base` and `gateway_url` go into the bot's settings."""

    def __init__(
        self,
        *,
        token: str = p.TOKEN,
        message_content_allowed: bool = True,
        heartbeat_ms: int = 41_250,
    ) -> None:
        self.token = token
        self.message_content_allowed = message_content_allowed
        self.heartbeat_ms = heartbeat_ms
        self.requests: list[Recorded] = []
        self.heartbeats: list[float] = []
        self.messages: dict[int, Json] = {}
        self.channels: dict[int, Json] = {int(c["id"]): c for c in p.guild_channels()}
        self.commands: dict[str, list[Json]] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.identify: Json | None = None
        self.ready = asyncio.Event()
        self._ids = itertools.count(p.BASE_ID + 10_000)
        self._seq = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        api = "/api/v10"
        r = app.router
        r.add_get(f"{api}/gateway", self.get_gateway)
        r.add_get(f"{api}/gateway/bot", self.get_gateway)
        r.add_get(f"{api}/users/@me", self.get_me)
        r.add_get(f"{api}/oauth2/applications/@me", self.get_application)
        r.add_get(f"{api}/applications/@me", self.get_application)
        r.add_route("*", f"{api}/applications/{{app}}/commands", self.commands_route)
        guild_commands = f"{api}/applications/{{app}}/guilds/{{guild}}/commands"
        r.add_route("*", guild_commands, self.commands_route)
        r.add_post(f"{api}/channels/{{channel}}/messages", self.create_message)
        r.add_get(f"{api}/channels/{{channel}}/messages", self.list_messages)
        r.add_get(f"{api}/channels/{{channel}}/messages/{{message}}", self.get_message)
        r.add_patch(f"{api}/channels/{{channel}}/messages/{{message}}", self.edit_message)
        r.add_post(f"{api}/channels/{{channel}}/messages/{{message}}/threads", self.create_thread)
        r.add_post(f"{api}/channels/{{channel}}/typing", self.no_content)
        r.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self.callback)
        hook = f"{api}/webhooks/{{app}}/{{token}}"
        r.add_post(hook, self.followup)
        r.add_get(f"{hook}/messages/{{message}}", self.webhook_get)
        r.add_patch(f"{hook}/messages/{{message}}", self.webhook_edit)
        r.add_delete(f"{hook}/messages/{{message}}", self.webhook_delete)
        r.add_get("/gateway-ws/", self.gateway)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-ws/"

    def next_id(self) -> int:
        return next(self._ids)

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        if request.path != "/gateway-ws/":
            self.requests.append(
                Recorded(request.method, request.path, dict(request.query), body, time.monotonic())
            )
        request[BODY] = body
        if (
            request.path.startswith("/api/")
            and "/webhooks/" not in request.path
            and ("/interactions/" not in request.path)
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        response: web.StreamResponse = await handler(request)
        return response

    # --- gateway ---------------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}, "s": None, "t": None}
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                await self._on_gateway(ws, json.loads(msg.data))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _on_gateway(self, ws: web.WebSocketResponse, msg: Json) -> None:
        op = msg.get("op")
        if op == 1:
            self.heartbeats.append(time.monotonic())
            await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            data = msg["d"]
            if data.get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            if data.get("intents", 0) & MESSAGE_CONTENT and not self.message_content_allowed:
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                return
            self.identify = data
            await self._send(ws, "READY", p.ready(self.gateway_url))
            await self._send(ws, "GUILD_CREATE", p.guild(list(self.channels.values())))
            self.ready.set()

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Json) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch(self, event: str, data: Json) -> None:
        for ws in list(self._sockets):
            await self._send(ws, event, data)

    @property
    def has_content_intent(self) -> bool:
        return bool(self.identify and self.identify.get("intents", 0) & MESSAGE_CONTENT)

    # --- injected events -------------------------------------------------------------------

    async def user_says(
        self,
        content: str,
        *,
        channel: int = p.CHANNEL_ID,
        author: Json | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """A user posts a message; the bot receives MESSAGE_CREATE (content withheld as Discord
        does when the bot lacks the intent and is not mentioned)."""
        message = p.message(
            self.next_id(),
            channel,
            author or p.USER,
            content,
            reference=self.messages.get(reply_to) if reply_to else None,
        )
        self.messages[int(message["id"])] = message
        event = dict(message, member=p.member_of(author or p.USER))
        mentioned = any(int(u["id"]) == p.BOT_ID for u in message["mentions"])
        if not self.has_content_intent and not mentioned:
            event["content"] = ""
        await self.dispatch("MESSAGE_CREATE", event)
        return message

    async def slash(
        self,
        name: str,
        options: list[Json] | None = None,
        *,
        itype: int = 2,
        user: Json | None = None,
        channel: int = p.CHANNEL_ID,
    ) -> InteractionState:
        iid = self.next_id()
        token = f"itoken-{iid}"
        state = InteractionState(iid, token, channel, time.monotonic())
        self.interactions[token] = state
        data = p.interaction(
            iid, token, itype, name, options or [], user or p.USER, self.channels[channel]
        )
        await self.dispatch("INTERACTION_CREATE", data)
        return state

    # --- REST ------------------------------------------------------------------------------

    async def no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def get_gateway(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def get_me(self, request: web.Request) -> web.Response:
        return json_response(p.BOT_USER)

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(p.application(self.message_content_allowed))

    async def commands_route(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        if request.method == "PUT":
            body: Any = request[BODY]
            self.commands[scope] = [
                dict(c, id=str(self.next_id()), application_id=str(p.APP_ID), version="1")
                for c in body
            ]
        return json_response(self.commands.get(scope, []))

    def _store(
        self,
        channel: int,
        payload: Json,
        *,
        author: Json = p.BOT_USER,
        flags: int = 0,
        webhook: bool = False,
    ) -> Json:
        ref = payload.get("message_reference")
        referenced = self.messages.get(int(ref["message_id"])) if ref else None
        message = p.message(
            self.next_id(),
            channel,
            author,
            payload.get("content") or "",
            reference=referenced,
            embeds=payload.get("embeds") or [],
            flags=flags,
            webhook_id=p.APP_ID if webhook else None,
        )
        self.messages[int(message["id"])] = message
        return message

    async def create_message(self, request: web.Request) -> web.Response:
        body: Any = request[BODY]
        if errors := validate_message(body, creating=True):
            return form_error(errors)
        if not body.get("content") and not body.get("embeds"):
            return json_response({"code": 50006, "message": "Cannot send an empty message"}, 400)
        message = self._store(int(request.match_info["channel"]), body)
        await self.dispatch("MESSAGE_CREATE", dict(message, member=p.member_of(p.BOT_USER)))
        return json_response(message)

    def _edit(self, message_id: int, body: Json) -> web.Response:
        if errors := validate_message(body, creating=False):
            return form_error(errors)
        message = self.messages.get(message_id)
        if message is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = body["embeds"] or []
        message["flags"] = int(message.get("flags", 0)) & ~p.LOADING
        message["edited_timestamp"] = p.now()
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        return self._edit(int(request.match_info["message"]), request[BODY])

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(int(request.match_info["message"]))
        if message is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        return json_response(message)

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        before = int(request.query.get("before", 1 << 62))
        limit = int(request.query.get("limit", 50))
        found = [
            m
            for i, m in sorted(self.messages.items(), reverse=True)
            if m["channel_id"] == channel and i < before
        ]
        return json_response(found[:limit])

    async def create_thread(self, request: web.Request) -> web.Response:
        parent = int(request.match_info["channel"])
        message_id = int(request.match_info["message"])
        name = request[BODY].get("name", "")
        if not 1 <= len(name) <= 100:
            return form_error({"name": {"_errors": [p.length_error(100)]}})
        thread = p.thread(message_id, parent, name)
        self.channels[message_id] = thread
        await self.dispatch("THREAD_CREATE", dict(thread, newly_created=True))
        return json_response(thread)

    # --- interactions ----------------------------------------------------------------------

    def _interaction(self, token: str) -> InteractionState:
        return self.interactions[token]

    async def callback(self, request: web.Request) -> web.Response:
        state = self._interaction(request.match_info["token"])
        if state.callback is not None:
            return json_response(
                {"code": 40060, "message": "Interaction has already been acknowledged."}, 400
            )
        body: Any = request[BODY]
        kind, data = body["type"], body.get("data") or {}
        if kind == 8:
            if errors := validate_autocomplete(data):
                return form_error(errors)
            state.callback, state.choices = body, data.get("choices", [])
            return json_response(p.callback_response(state.id, kind, None))
        if kind == 4 and (errors := validate_message(data, creating=True)):
            return form_error(errors)
        state.callback = body
        ephemeral = bool(int(data.get("flags", 0)) & p.EPHEMERAL)
        flags = int(data.get("flags", 0)) | (p.LOADING if kind == 5 else 0)
        message = self._store(state.channel_id, data, flags=flags, webhook=True)
        message["interaction_metadata"] = {"id": str(state.id), "type": 2, "user": p.USER}
        state.original = int(message["id"])
        if ephemeral:
            state.ephemeral_texts.append(message["content"])
        return json_response(p.callback_response(state.id, kind, message))

    async def followup(self, request: web.Request) -> web.Response:
        state = self._interaction(request.match_info["token"])
        body: Any = request[BODY]
        if errors := validate_message(body, creating=True):
            return form_error(errors)
        message = self._store(state.channel_id, body, flags=int(body.get("flags", 0)), webhook=True)
        state.followups.append(int(message["id"]))
        if int(body.get("flags", 0)) & p.EPHEMERAL:
            state.ephemeral_texts.append(message["content"])
        return json_response(message)

    def _webhook_target(self, request: web.Request) -> int | None:
        state = self._interaction(request.match_info["token"])
        ref = request.match_info["message"]
        return state.original if ref == "@original" else int(ref)

    async def webhook_get(self, request: web.Request) -> web.Response:
        target = self._webhook_target(request)
        message = self.messages.get(target) if target else None
        if message is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        return json_response(message)

    async def webhook_edit(self, request: web.Request) -> web.Response:
        target = self._webhook_target(request)
        return self._edit(target or 0, request[BODY])

    async def webhook_delete(self, request: web.Request) -> web.Response:
        target = self._webhook_target(request)
        if target is None or self.messages.pop(target, None) is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        return web.Response(status=204)

    # --- assertions ------------------------------------------------------------------------

    def sent(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and contains in r.path
        ]

    def channel_messages(self, channel: int = p.CHANNEL_ID, *, bot: bool = True) -> list[Json]:
        return [
            m
            for _, m in sorted(self.messages.items())
            if m["channel_id"] == str(channel) and (int(m["author"]["id"]) == p.BOT_ID) == bot
        ]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := predicate():
                return result
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
