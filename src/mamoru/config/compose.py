"""Docker Compose files (the Compose Specification): services with their settings and line numbers.

Values are interpolated the way Compose does (``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?error}``, ``${VAR:+alt}``, ``$$`` for a literal ``$``) from the ``.env`` file next to the
Compose file when there is one; a variable that stays unknown is kept as written, so rules can tell
that the value is not known rather than guess it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
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
    problems: list[str] = field(default_factory=list)  # ``extends`` that could not be followed

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


def parse_compose(
    text: str,
    path: str = "compose.yaml",
    env: Mapping[str, str] | None = None,
    read_file: Callable[[str], str] | None = None,
) -> ComposeFile:
    """Parse a Compose file and apply ``extends``; raises :class:`ComposeError` (YAML errors included).

    ``read_file(name)`` returns the text of a file another service ``extends`` from (a path relative
    to this file); without it, only services of this file can be extended.
    """
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
    _apply_extends(compose, services, read_file)
    return compose


# Compose's ``extends``: the service starts from another service's settings (of this file or another),
# its own settings merged over them. Sequences are joined (base first), mappings merged key by key,
# single values replaced: what the Compose Specification prescribes for the keys rules look at
# (ports, volumes, cap_add, environment, labels ...); Compose's de-duplication by mount target is
# not needed to judge each entry. Written here because no library implements the merge.
MAX_EXTENDS_DEPTH = 10


def _apply_extends(compose: ComposeFile, services: YMap, read_file: Callable[[str], str] | None) -> None:
    files: dict[str, YMap | None] = {}

    def other_services(name: str) -> YMap | None:
        if name not in files:
            files[name] = None
            if read_file is not None:
                try:
                    data = load_documents(read_file(name))[0].data
                except (OSError, YamlError, IndexError) as exc:
                    compose.problems.append(f"extends: cannot read {name}: {exc}")
                    return None
                found = data.get("services") if isinstance(data, YMap) else None
                files[name] = found if isinstance(found, YMap) else None
        return files[name]

    def resolved(table: YMap, name: str, depth: int, foreign_line: int | None, folder: str) -> YMap | None:
        """``name`` of ``table`` with what it extends merged in; ``folder`` holds the file of ``table``,
        relative to this file's directory (an ``extends.file`` is relative to the file that says it)."""
        body = table.get(name)
        if not isinstance(body, YMap):
            return None
        base_ref = body.get("extends")
        if base_ref is None:
            return body if foreign_line is None else _relined(body, foreign_line)
        own = body if foreign_line is None else _relined(body, foreign_line)
        if depth >= MAX_EXTENDS_DEPTH:
            compose.problems.append(f"service {name}: extends nested deeper than {MAX_EXTENDS_DEPTH} levels (a cycle?)")
            return own
        if isinstance(base_ref, YMap):
            base_name, base_file = base_ref.get("service"), base_ref.get("file")
        else:
            base_name, base_file = base_ref, None
        line = foreign_line if foreign_line is not None else body.line_of("extends")
        if not isinstance(base_name, str):
            compose.problems.append(f"service {name}: extends names no service")
            return own
        if base_file is not None:
            other_path = posixpath.normpath(posixpath.join(folder, str(base_file)))
            other = other_services(other_path)
            if other is None:
                compose.problems.append(f"service {name}: extends {base_name} from {base_file}, which cannot be read")
                return own
            base = resolved(other, base_name, depth + 1, line, posixpath.dirname(other_path))
        else:
            base = resolved(table, base_name, depth + 1, foreign_line, folder)
        if base is None:
            compose.problems.append(f"service {name}: extends unknown service {base_name}")
            return own
        return _merge(base, own)

    for service in compose.services:
        if "extends" in service.data:
            merged = resolved(services, service.name, 0, None, "")
            if merged is not None:
                service.data = merged


def _merge(base: YMap, own: YMap) -> YMap:
    merged = YMap(own.line)
    for key, value in base.items():
        if key != "extends":
            merged[key] = value
            merged.key_lines[key] = base.line_of(key)
    for key, value in own.items():
        if key == "extends":
            continue
        previous = merged.get(key)
        if isinstance(previous, YMap) and isinstance(value, YMap):
            merged[key] = _merge(previous, value)
        elif isinstance(previous, YSeq) and isinstance(value, YSeq):
            joined = YSeq(value.line)
            joined.extend([*previous, *value])
            joined.item_lines = [*(previous.line_of(i) for i in range(len(previous))), *value.item_lines]
            merged[key] = joined
        else:
            merged[key] = value
        merged.key_lines[key] = own.line_of(key)
    return merged


def _relined(value: Any, line: int) -> Any:
    """A copy of a value from another file, every line set to ``line`` (where this file says ``extends``)."""
    if isinstance(value, YMap):
        copy = YMap(line)
        for key, item in value.items():
            copy[key] = _relined(item, line)
            copy.key_lines[key] = line
        return copy
    if isinstance(value, YSeq):
        seq = YSeq(line)
        seq.extend(_relined(item, line) for item in value)
        seq.item_lines = [line] * len(value)
        return seq
    return value


def as_list(value: Any) -> list[Any]:
    """A Compose value that may be one item or a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, YSeq)) else [value]
