"""Render recorded Discord messages as an HTML page in Discord's dark layout (for captures)."""

from __future__ import annotations

import html
import re
from typing import Any

Json = dict[str, Any]

CSS = """
body { margin: 0; background: #313338; color: #dbdee1; font: 16px/1.375 'gg sans', 'Noto Sans',
  'Helvetica Neue', Helvetica, Arial, sans-serif; }
.chan { padding: 12px 16px; border-bottom: 1px solid #1f2023; color: #f2f3f5; font-weight: 600; }
.chan span { color: #80848e; margin-right: 6px; }
.msg { display: flex; padding: 8px 16px 8px 16px; }
.avatar { width: 40px; height: 40px; border-radius: 50%; flex: none; margin-right: 16px;
  display: flex; align-items: center; justify-content: center; font-weight: 700; color: white; }
.bot .avatar { background: #5865f2; } .user .avatar { background: #3ba55c; }
.head { margin-bottom: 2px; } .name { color: #f2f3f5; font-weight: 500; margin-right: 4px; }
.tag { background: #5865f2; color: white; font-size: 10px; font-weight: 600; padding: 1px 4px;
  border-radius: 3px; vertical-align: 2px; margin-right: 6px; }
.time { color: #949ba4; font-size: 12px; }
.used { color: #949ba4; font-size: 14px; margin: 0 0 2px 56px; padding: 8px 16px 0 16px; }
.used b { color: #c9cdfb; font-weight: 500; }
.body { white-space: pre-wrap; word-wrap: break-word; }
.body blockquote { margin: 0; padding: 0 0 0 12px; border-left: 4px solid #4e5058; }
.eph { color: #949ba4; font-size: 12px; margin-top: 4px; }
.embed { margin-top: 6px; max-width: 520px; background: #2b2d31; border-left: 4px solid #5865f2;
  border-radius: 4px; padding: 8px 16px 12px 12px; }
.embed .title { color: #f2f3f5; font-weight: 600; margin: 4px 0 6px; }
.embed .title.link { color: #00a8fc; }
.embed .desc { font-size: 14px; white-space: pre-wrap; }
.embed .footer { font-size: 12px; color: #949ba4; margin-top: 8px; }
a { color: #00a8fc; text-decoration: none; }
code { background: #2b2d31; padding: 0 3px; border-radius: 3px; font-size: 85%; }
"""

_LINK = re.compile(r"&lt;(https?://[^\s&]+)&gt;|(https?://[^\s<]+)")


def markdown(text: str) -> str:
    """The Markdown subset Newsdesk sends: **bold**, `code`, > quotes, <links>."""
    lines = []
    for line in html.escape(text).split("\n"):
        line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
        line = re.sub(r"\*(.+?)\*", r"<i>\1</i>", line)
        line = re.sub(r"`([^`]+)`", r"<code>\1</code>", line)
        line = _LINK.sub(lambda m: f'<a href="#">{m.group(1) or m.group(2)}</a>', line)
        if line.startswith("&gt; "):
            line = f"<blockquote>{line[5:]}</blockquote>"
        lines.append(line)
    return "\n".join(lines).replace("</blockquote>\n", "</blockquote>")


def render_embed(embed: Json) -> str:
    parts = ['<div class="embed">']
    if embed.get("title"):
        linked = " link" if embed.get("url") else ""  # a linked title is blue, as in Discord
        parts.append(f'<div class="title{linked}">{markdown(embed["title"])}</div>')
    if embed.get("description"):
        parts.append(f'<div class="desc">{markdown(embed["description"])}</div>')
    for field in embed.get("fields") or []:
        parts.append(f'<div class="title">{markdown(field["name"])}</div>')
        parts.append(f'<div class="desc">{markdown(field["value"])}</div>')
    if (embed.get("footer") or {}).get("text"):
        parts.append(f'<div class="footer">{html.escape(embed["footer"]["text"])}</div>')
    parts.append("</div>")
    return "".join(parts)


def render_message(message: Json, *, used: str | None = None, ephemeral: bool = False) -> str:
    author = message["author"]
    bot = bool(author.get("bot"))
    name = html.escape(author.get("global_name") or author["username"])
    used_line = ""
    if used:
        who = html.escape(used_by(message))
        used_line = f'<div class="used"><b>{who}</b> used <b>{html.escape(used)}</b></div>'

    embeds = "".join(render_embed(e) for e in message.get("embeds") or [])
    note = '<div class="eph">👁 Only you can see this</div>' if ephemeral else ""
    tag = '<span class="tag">APP</span>' if bot else ""
    return (
        f'{used_line}<div class="msg {"bot" if bot else "user"}">'
        f'<div class="avatar">{name[:1]}</div><div>'
        f'<div class="head"><span class="name">{name}</span>{tag}'
        f'<span class="time">Today at 09:41</span></div>'
        f'<div class="body">{markdown(message.get("content") or "")}</div>{embeds}{note}'
        "</div></div>"
    )


def used_by(message: Json) -> str:
    user = (message.get("interaction_metadata") or {}).get("user") or {}
    return str(user.get("global_name") or user.get("username") or "member")


def page(blocks: list[str], channel: str = "newsroom") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head><body>"
        f'<div class="chan"><span>#</span>{html.escape(channel)}</div>'
        + "".join(blocks)
        + "</body></html>"
    )
