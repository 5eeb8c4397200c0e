"""RubyGems version order, by univers' port of ``Gem::Version`` (checked against Ruby in the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from univers import gem

from mamoru.versions import CompareScheme, InvalidVersion

MAX_LENGTH = 256
_gem_version: Callable[[str], Any] = gem.GemVersion


def _parse(text: str) -> Any:
    if len(text) > MAX_LENGTH:
        raise InvalidVersion(f"version too long: {text[:80]!r}…")
    try:
        return _gem_version(text)
    except ValueError:
        raise InvalidVersion(f"not a RubyGems version: {text!r}") from None


def _cmp(a: Any, b: Any) -> int:
    return -1 if a < b else (1 if a > b else 0)


SCHEME = CompareScheme("gem", _parse, _cmp)
SCHEMES = {"gem": SCHEME}
