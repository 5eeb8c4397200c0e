"""One fast test for "might any analyzer's ``path_pattern`` match this path?".

The walk asks it of every regular file, so its cost is paid per entry (4,641 times for a Debian
minbase layer). Joining the analyzers' patterns into one alternation and calling ``search`` made
the regex engine try every alternative at every position of the path: about 8 µs a path, a tenth
of the whole walk. Most patterns are anchored at the start (``^etc/…``) or after a slash
(``(?:^|/)go\\.mod$``), so this groups them:

- ``^X`` patterns are joined and only tried at position 0 (``match``);
- ``(?:^|/)X`` patterns become ``(?:.*/)?X`` and are tried after each slash only (``match``);
- anything else is joined and searched as before.

A pattern moves to a group only when its top level has no ``|`` (``^a|b`` would otherwise change
meaning); the gate may still answer yes too often, never no wrongly — each analyzer's own
pattern is checked after it. Python's :mod:`re` has no public parser for this, hence the small
scanner in :func:`_top_level_alternation`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

AFTER_SLASH = "(?:^|/)"


def compile_path_gate(patterns: Iterable[str]) -> Callable[[str], bool] | None:
    """A predicate true for every path some pattern ``search``-matches; None when there are no patterns."""
    anchored: list[str] = []
    after_slash: list[str] = []
    anywhere: list[str] = []
    for pattern in patterns:
        if not pattern:
            continue
        if _top_level_alternation(pattern):
            anywhere.append(pattern)
        elif pattern.startswith(AFTER_SLASH):
            after_slash.append(pattern[len(AFTER_SLASH) :])
        elif pattern.startswith("^"):
            anchored.append(pattern[1:])
        else:
            anywhere.append(pattern)
    tests: list[Callable[[str], object]] = []
    if anchored:
        tests.append(re.compile(_alternation(anchored)).match)
    if after_slash:
        tests.append(re.compile(f"(?s:.*/)?{_alternation(after_slash)}").match)
    if anywhere:
        tests.append(re.compile(_alternation(anywhere)).search)
    if not tests:
        return None
    checks = tuple(tests)

    def may_match(path: str) -> bool:
        for test in checks:  # noqa: SIM110 - any() over a generator costs 40% more per path
            if test(path) is not None:
                return True
        return False

    return may_match


def _alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _top_level_alternation(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and character class (or cannot be scanned)."""
    depth = 0
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            i += 1
            if i < len(pattern) and pattern[i] == "^":
                i += 1
            if i < len(pattern) and pattern[i] == "]":
                i += 1  # a "]" first in a class is a literal
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return True
        elif char == "|" and depth == 0:
            return True
        i += 1
    return depth != 0 or in_class
