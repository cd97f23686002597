"""uvicorn's access log without secrets: an API key sent in a query string is refused
(GuardMiddleware), and the log line of that refusal shows the key's parameter as ***."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from uvicorn.config import LOGGING_CONFIG

# Parameter names a caller might put a key in; matched ignoring case, - and _.
KEY_PARAMS = frozenset({"apikey", "xapikey", "key", "token", "accesstoken", "authorization"})
_TOKEN = re.compile(r"lfk_[\w-]+")
_PARAM = re.compile(r"(?P<name>[^&=]*)=(?P<value>[^&]*)")


def _is_key_param(name: str) -> bool:
    return re.sub(r"[-_\s]", "", name).lower() in KEY_PARAMS


def key_in_query(query: str) -> bool:
    """Whether a query string carries something that looks like an API key."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return bool(_TOKEN.search(query)) or any(_is_key_param(name) for name, _ in pairs)


def hide_keys(target: str) -> str:
    """A request target with key-like parameters' values and any lfk_ token as ***."""
    path, sep, query = target.partition("?")
    if not sep:
        return _TOKEN.sub("lfk_***", path)

    def hidden(match: re.Match[str]) -> str:
        name = match["name"]
        return f"{name}=***" if _is_key_param(name) else match[0]

    return _TOKEN.sub("lfk_***", path + sep + _PARAM.sub(hidden, query))


class HideKeys(logging.Filter):
    """Rewrite the request target of uvicorn's access lines (client, method, target,
    version, status) so no key reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], hide_keys(args[2]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with HideKeys on its access handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["hide_keys"] = {"()": HideKeys}
    config["handlers"]["access"]["filters"] = ["hide_keys"]
    return config
