"""Gateway and REST payloads of the fake Discord, shaped like Discord API v10's."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from devtools.fake_discord.limits import length_error

Json = dict[str, Any]

TOKEN = "fake-bot-token"
BASE_ID = 1_100_000_000_000_000_000
BOT_ID = BASE_ID + 1
APP_ID = BOT_ID
GUILD_ID = BASE_ID + 2
CHANNEL_ID = BASE_ID + 3
OTHER_CHANNEL_ID = BASE_ID + 4
USER_ID = BASE_ID + 5
USER2_ID = BASE_ID + 6
EPHEMERAL = 1 << 6
LOADING = 1 << 7
ALL_PERMISSIONS = str((1 << 50) - 1)

__all__ = ["length_error"]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user(uid: int, name: str, *, bot: bool = False) -> Json:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


BOT_USER = user(BOT_ID, "newsdesk", bot=True)
USER = user(USER_ID, "alice")
USER2 = user(USER2_ID, "bob")


def member_of(u: Json) -> Json:
    return {
        "roles": [],
        "joined_at": now(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
    }


def application(message_content: bool) -> Json:
    flags = (1 << 19) if message_content else 0  # GATEWAY_MESSAGE_CONTENT_LIMITED
    return {
        "id": str(APP_ID),
        "name": "newsdesk",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "00",
        "owner": USER,
        "flags": flags,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "interactions_endpoint_url": None,
    }


def text_channel(cid: int, name: str) -> Json:
    return {
        "id": str(cid),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "parent_id": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild_channels() -> list[Json]:
    return [text_channel(CHANNEL_ID, "news"), text_channel(OTHER_CHANNEL_ID, "random")]


def thread(tid: int, parent: int, name: str) -> Json:
    return {
        "id": str(tid),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(parent),
        "owner_id": str(BOT_ID),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
        },
    }


def ready(gateway_url: str) -> Json:
    return {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
        "session_id": "fake-session",
        "resume_gateway_url": gateway_url,
        "application": {"id": str(APP_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
    }


def guild(channels: list[Json]) -> Json:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": ALL_PERMISSIONS,
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": str(GUILD_ID),
        "name": "Newsroom",
        "icon": None,
        "owner_id": str(USER_ID),
        "roles": [everyone],
        "emojis": [],
        "stickers": [],
        "features": [],
        "member_count": 3,
        "members": [],
        "presences": [],
        "voice_states": [],
        "channels": [c for c in channels if c["type"] == 0],
        "threads": [c for c in channels if c["type"] == 11],
        "unavailable": False,
        "large": False,
        "joined_at": now(),
        "system_channel_id": None,
        "verification_level": 0,
        "mfa_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "afk_timeout": 300,
        "afk_channel_id": None,
        "description": None,
        "banner": None,
        "splash": None,
        "discovery_splash": None,
        "vanity_url_code": None,
        "premium_subscription_count": 0,
        "application_id": None,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


_MENTION = re.compile(r"<@!?(\d+)>")
KNOWN_USERS = {BOT_ID: BOT_USER, USER_ID: USER, USER2_ID: USER2}


def message(
    mid: int,
    channel: int,
    author: Json,
    content: str,
    *,
    reference: Json | None = None,
    embeds: list[Json] | None = None,
    flags: int = 0,
    webhook_id: int | None = None,
) -> Json:
    mentioned = [KNOWN_USERS[int(m)] for m in _MENTION.findall(content) if int(m) in KNOWN_USERS]
    if reference is not None and reference["author"]["id"] == str(BOT_ID):
        mentioned.append(BOT_USER)  # a reply mentions its author by default
    data: Json = {
        "id": str(mid),
        "channel_id": str(channel),
        "guild_id": str(GUILD_ID),
        "author": author,
        "content": content,
        "timestamp": now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentioned,
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "pinned": False,
        "components": [],
        "type": 19 if reference else 0,
        "flags": flags,
    }
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
        data["application_id"] = str(APP_ID)
    if reference is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": reference["id"],
            "channel_id": reference["channel_id"],
            "guild_id": str(GUILD_ID),
        }
        data["referenced_message"] = {
            k: v for k, v in reference.items() if k != "referenced_message"
        }
    return data


def interaction(
    iid: int, token: str, itype: int, name: str, options: list[Json], who: Json, channel: Json
) -> Json:
    return {
        "id": str(iid),
        "application_id": str(APP_ID),
        "type": itype,
        "token": token,
        "version": 1,
        "guild_id": str(GUILD_ID),
        "channel_id": channel["id"],
        "channel": channel,
        "member": dict(member_of(who), user=who, permissions=ALL_PERMISSIONS),
        "data": {"id": str(BASE_ID + 900), "name": name, "type": 1, "options": options},
        "app_permissions": ALL_PERMISSIONS,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 0,
        "attachment_size_limit": 8_388_608,
    }


def callback_response(iid: int, kind: int, message: Json | None) -> Json:
    data: Json = {
        "interaction": {
            "id": str(iid),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and int(message["flags"]) & EPHEMERAL),
        }
    }
    if message is not None:
        data["interaction"]["response_message_id"] = message["id"]
        data["resource"] = {"type": kind, "message": message}
    return data
