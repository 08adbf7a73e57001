"""Prompt templates are data: `prompts/*.txt`, rendered by a renderer that refuses to guess.

Templates use `$name` placeholders (string.Template). A missing or an unexpected variable is an
error, so a template and its caller can never silently drift apart.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources


class PromptError(Exception):
    pass


@cache
def template(name: str) -> string.Template:
    try:
        text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"no prompt template named {name!r} in prompts/") from exc
    return string.Template(text)


def render(name: str, **variables: str) -> str:
    return fill(template(name), name, **variables)


def fill(tpl: string.Template, name: str, **variables: str) -> str:
    """`tpl` with exactly its variables substituted; `name` names it in the error."""
    wanted = {
        m.group("named") or m.group("braced")
        for m in tpl.pattern.finditer(tpl.template)
        if m.group("named") or m.group("braced")
    }
    missing = sorted(wanted - variables.keys())
    extra = sorted(variables.keys() - wanted)
    if missing or extra:
        raise PromptError(f"prompt {name!r}: missing variables {missing}, unexpected {extra}")
    return tpl.substitute(variables).strip()
