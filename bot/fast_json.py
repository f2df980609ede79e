"""JSON text for the hot paths (action calls, stored tracker events): ujson, a Rasa
dependency, ~3x faster than the standard library for the same JSON; anything ujson
refuses goes through ``json`` instead."""

from __future__ import annotations

import json
from typing import Any

import ujson


def dumps(value: Any) -> str:
    """JSON text of ``value`` (UTF-8 characters kept, "/" not escaped)."""
    try:
        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)
