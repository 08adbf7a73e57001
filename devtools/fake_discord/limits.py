"""Discord's message, embed and autocomplete limits, reported in its nested 50035 error shape."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

CONTENT = 2000
EMBEDS = 10
EMBED_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TOTAL = 6000
CHOICES = 25
CHOICE_TEXT = 100


def length_error(limit: int) -> Json:
    return {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}


def _embed_errors(embed: Json) -> Json:
    errors: Json = {}
    total = 0
    for key in ("title", "description"):
        text = embed.get(key) or ""
        total += len(text)
        if len(text) > EMBED_LIMITS[key]:
            errors[key] = {"_errors": [length_error(EMBED_LIMITS[key])]}
    footer = (embed.get("footer") or {}).get("text") or ""
    total += len(footer)
    if len(footer) > EMBED_LIMITS["footer"]:
        errors["footer"] = {"text": {"_errors": [length_error(EMBED_LIMITS["footer"])]}}
    fields = embed.get("fields") or []
    if len(fields) > FIELDS:
        errors["fields"] = {"_errors": [length_error(FIELDS)]}
    for i, f in enumerate(fields):
        name, value = f.get("name") or "", f.get("value") or ""
        total += len(name) + len(value)
        field_errors: Json = {}
        if not name or len(name) > FIELD_NAME:
            field_errors["name"] = {"_errors": [length_error(FIELD_NAME)]}
        if not value or len(value) > FIELD_VALUE:
            field_errors["value"] = {"_errors": [length_error(FIELD_VALUE)]}
        if field_errors:
            errors.setdefault("fields", {})[str(i)] = field_errors
    if total > EMBED_TOTAL:
        errors.setdefault("_errors", []).append(
            {
                "code": "MAX_EMBED_SIZE_EXCEEDED",
                "message": "Embed size exceeds maximum size of 6000",
            }
        )
    return errors


def validate_message(body: Json | None, *, creating: bool) -> Json:
    """The `errors` object Discord would return for this message payload ({} when valid)."""
    body = body or {}
    errors: Json = {}
    content = body.get("content") or ""
    if len(content) > CONTENT:
        errors["content"] = {"_errors": [length_error(CONTENT)]}
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        errors["embeds"] = {"_errors": [length_error(EMBEDS)]}
    for i, embed in enumerate(embeds):
        if embed_errors := _embed_errors(embed):
            errors.setdefault("embeds", {})[str(i)] = embed_errors
    return errors


def validate_autocomplete(data: Json) -> Json:
    choices = data.get("choices") or []
    errors: Json = {}
    if len(choices) > CHOICES:
        errors["choices"] = {"_errors": [length_error(CHOICES)]}
    for i, choice in enumerate(choices):
        for key in ("name", "value"):
            text = str(choice.get(key, ""))
            if not 1 <= len(text) <= CHOICE_TEXT:
                errors.setdefault("choices", {}).setdefault(str(i), {})[key] = {
                    "_errors": [length_error(CHOICE_TEXT)]
                }
    return errors
