"""Docker Compose files (the Compose Specification): services with their settings and line numbers.

Values are interpolated the way Compose does (``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?error}``, ``${VAR:+alt}``, ``$$`` for a literal ``$``) from the ``.env`` file next to the
Compose file when there is one; a variable that stays unknown is kept as written, so rules can tell
that the value is not known rather than guess it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mamoru.config.yamldoc import YamlError, YMap, YSeq, load_documents

_VARIABLE = re.compile(
    r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)"
)
MAX_DOTENV = 256 * 1024


class ComposeError(ValueError):
    """Not a Compose file mamoru can read."""


@dataclass(slots=True)
class Service:
    name: str
    data: YMap
    line: int


@dataclass(slots=True)
class ComposeFile:
    path: str
    text: str
    data: YMap
    services: list[Service] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def interpolate(self, value: Any) -> tuple[str, bool]:
        """``value`` as a string with variables substituted, and whether every variable was known."""
        return interpolate(str(value), self.env)

    def services_with(self, key: str) -> Iterator[tuple[Service, Any]]:
        for service in self.services:
            if key in service.data:
                yield service, service.data[key]


def interpolate(text: str, env: Mapping[str, str]) -> tuple[str, bool]:
    """Compose variable substitution; the flag is False when a variable had no value and no default."""
    known = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal known
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        is_set = name in env
        value = env.get(name, "")
        if operator in (":-", "-"):
            if (operator == ":-" and not value) or (operator == "-" and not is_set):
                return interpolate(argument, env)[0]
            return value
        if operator in (":+", "+"):
            return interpolate(argument, env)[0] if (value if operator == ":+" else is_set) else ""
        if not is_set:
            known = False
            return match.group(0)
        return value

    return _VARIABLE.sub(substitute, text), known


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=value`` lines of a Compose ``.env`` file (comments, ``export`` and quotes handled)."""
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, has_value, value = line.removeprefix("export ").strip().partition("=")
        if not has_value or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", key.strip()):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        env[key.strip()] = value
    return env


def parse_compose(text: str, path: str = "compose.yaml", env: Mapping[str, str] | None = None) -> ComposeFile:
    """Parse a Compose file; raises :class:`ComposeError` (YAML errors included)."""
    try:
        documents = load_documents(text)
    except YamlError as exc:
        raise ComposeError(f"invalid YAML: {exc}") from None
    documents = [d for d in documents if d.data is not None]
    if not documents:
        raise ComposeError("empty file")
    data = documents[0].data
    if not isinstance(data, YMap):
        raise ComposeError("not a Compose file: the top level is not a mapping")
    services = data.get("services")
    if services is None:
        services = YMap(data.line)
    if not isinstance(services, YMap):
        raise ComposeError(f"line {data.line_of('services')}: services is not a mapping")
    compose = ComposeFile(path=path, text=text, data=data, env=dict(env or {}))
    for name, body in services.items():
        if isinstance(body, YMap):
            compose.services.append(Service(name=name, data=body, line=services.line_of(name)))
        elif body is None:
            compose.services.append(Service(name=name, data=YMap(services.line_of(name)), line=services.line_of(name)))
    return compose


def as_list(value: Any) -> list[Any]:
    """A Compose value that may be one item or a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, YSeq)) else [value]
