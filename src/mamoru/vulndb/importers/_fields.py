"""Typed access to loosely shaped JSON/YAML: wrong types read as empty, never as an exception."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EMPTY: Mapping[str, Any] = {}


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, dict) else EMPTY


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list (other items and non-lists ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    """The non-empty strings of a list, stripped."""
    return [item.strip() for item in value if isinstance(item, str) and item.strip()] if isinstance(value, list) else []


def text(value: Any) -> str:
    """A stripped string, or "" for anything else."""
    return value.strip() if isinstance(value, str) else ""
