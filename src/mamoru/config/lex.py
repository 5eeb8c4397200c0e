"""BuildKit's word processing: quotes, escapes and ``$VAR`` / ``${VAR…}`` expansion in Dockerfiles.

Written here because no Python library implements the Dockerfile flavour of it (it is neither POSIX
shell nor ``os.path.expandvars``): BuildKit's ``shell.Lex`` removes quotes, honours the file's
escape character (``\\`` or the backtick from ``# escape=```), expands ``$name``, ``${name}``,
``${name:-word}``, ``${name-word}``, ``${name:+word}``, ``${name+word}``, ``${name:?message}``,
``${name#glob}``, ``${name##glob}``, ``${name%glob}``, ``${name%%glob}`` and
``${name/glob/replacement}`` (``//`` for all), and leaves everything else literal. A variable that
is not known (a build argument without a default, an ENV of the base image) expands to the empty
string, as in BuildKit, and is reported in ``unresolved`` so rules can tell "empty" from "unknown".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_EXPANDED = 1 << 20  # characters produced by one word
MAX_NESTING = 16


@dataclass(slots=True)
class _State:
    env: Mapping[str, str]
    escape: str
    unresolved: set[str] = field(default_factory=set)


def process_word(word: str, env: Mapping[str, str], escape: str = "\\") -> tuple[str, frozenset[str]]:
    """``word`` with quotes removed and variables expanded, and the names that were not known."""
    state = _State(env, escape)
    value, _ = _word(word, 0, state, stop="", depth=0)
    return value[:MAX_EXPANDED], frozenset(state.unresolved)


def _word(text: str, i: int, state: _State, stop: str, depth: int) -> tuple[str, int]:
    """Process ``text`` from ``i`` up to an unquoted character in ``stop``; returns (value, end index)."""
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c in stop:
            break
        if c == state.escape:
            if i + 1 < n:
                out.append(text[i + 1])
                i += 2
            else:
                i += 1
            continue
        if c == "'":
            end = text.find("'", i + 1)
            end = n if end < 0 else end
            out.append(text[i + 1 : end])
            i = end + 1
            continue
        if c == '"':
            value, i = _double_quoted(text, i + 1, state, depth)
            out.append(value)
            continue
        if c == "$":
            value, i = _dollar(text, i, state, depth)
            out.append(value)
            continue
        out.append(c)
        i += 1
    return "".join(out), i


def _double_quoted(text: str, i: int, state: _State, depth: int) -> tuple[str, int]:
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return "".join(out), i + 1
        if c == state.escape and i + 1 < n and text[i + 1] in ('"', "$", state.escape):
            out.append(text[i + 1])
            i += 2
            continue
        if c == "$":
            value, i = _dollar(text, i, state, depth)
            out.append(value)
            continue
        out.append(c)
        i += 1
    return "".join(out), n


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]")


def _dollar(text: str, i: int, state: _State, depth: int) -> tuple[str, int]:
    """``text[i]`` is ``$``: expand what follows."""
    n = len(text)
    if i + 1 >= n:
        return "$", i + 1
    if text[i + 1] != "{":
        match = _NAME.match(text, i + 1)
        if match is None:
            return "$", i + 1
        return _lookup(match.group(), state), match.end()
    # ${...}
    match = _NAME.match(text, i + 2)
    if match is None or depth >= MAX_NESTING:
        end = _closing_brace(text, i + 2)
        return text[i : end + 1], end + 1
    name = match.group()
    j = match.end()
    if j < n and text[j] == "}":
        return _lookup(name, state), j + 1
    is_set = name in state.env
    current = state.env.get(name, "")
    end = _closing_brace(text, j)
    body = text[j:end]
    for operator in (":-", ":+", ":?", "-", "+", "?", "##", "#", "%%", "%", "//", "/"):
        if body.startswith(operator):
            argument = body[len(operator) :]
            break
    else:
        return text[i : end + 1], end + 1

    def sub(word: str) -> str:
        return _word(word, 0, state, stop="", depth=depth + 1)[0]

    if operator == ":-":
        value = current if current else sub(argument)
        if not is_set and not argument:
            state.unresolved.add(name)
    elif operator == "-":
        value = current if is_set else sub(argument)
    elif operator == ":+":
        value = sub(argument) if current else ""
        if not is_set:
            state.unresolved.add(name)
    elif operator == "+":
        value = sub(argument) if is_set else ""
        if not is_set:
            state.unresolved.add(name)
    elif operator in (":?", "?"):
        value = current
        if not is_set:
            state.unresolved.add(name)
    elif operator in ("#", "##", "%", "%%"):
        value = _trim(current, sub(argument), operator)
        if not is_set:
            state.unresolved.add(name)
    else:  # "/" and "//"
        pattern, _, replacement = argument.partition("/")
        value = _replace(current, sub(pattern), sub(replacement), everywhere=operator == "//")
        if not is_set:
            state.unresolved.add(name)
    return value, end + 1


def _lookup(name: str, state: _State) -> str:
    if name in state.env:
        return state.env[name]
    state.unresolved.add(name)
    return ""


def _closing_brace(text: str, i: int) -> int:
    """Index of the ``}`` that closes a ``${`` whose body starts at ``i`` (nested ``${}`` allowed)."""
    level = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "$" and i + 1 < n and text[i + 1] == "{":
            level += 1
            i += 2
            continue
        if c == "}":
            if level == 0:
                return i
            level -= 1
        i += 1
    return n


def _glob(pattern: str) -> re.Pattern[str]:
    """A shell glob as an unanchored regular expression."""
    translated = fnmatch.translate(pattern)  # "(?s:…)\\Z"
    if translated.startswith("(?s:") and translated.endswith(")\\Z"):
        translated = "(?s:" + translated[4:-3] + ")"
    return re.compile(translated)


def _trim(value: str, pattern: str, operator: str) -> str:
    regex = _glob(pattern)
    candidates = range(len(value) + 1)
    if operator in ("#", "##"):
        order = candidates if operator == "#" else reversed(candidates)
        for k in order:
            if regex.fullmatch(value[:k]):
                return value[k:]
        return value
    order = reversed(candidates) if operator == "%" else candidates
    for k in order:
        if regex.fullmatch(value[k:]):
            return value[:k]
    return value


def _replace(value: str, pattern: str, replacement: str, everywhere: bool) -> str:
    if not pattern:
        return value
    regex = _glob(pattern)
    return regex.sub(lambda _: replacement, value, count=0 if everywhere else 1)
