"""Read small YAML policy files (ignore lists, mamoru.yaml) keeping line numbers for error messages.

PyYAML's composer gives every node its position; values are converted from nodes here so that a
bad entry is reported as ``file:line: problem`` instead of a Python traceback or a silent skip.
Aliases and anchors are refused (a policy file needs none, and they are how YAML bombs work).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mamoru.errors import UsageError

if TYPE_CHECKING:
    import yaml

MAX_POLICY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Located:
    """A value and where it stands (1-based line)."""

    value: Any
    line: int


def load(path: Path) -> Located:
    """The document's root, converted to plain Python values wrapped with their lines."""
    try:
        if path.stat().st_size > MAX_POLICY_BYTES:
            raise UsageError(f"{path}: larger than {MAX_POLICY_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    return load_text(text, str(path))


def load_text(text: str, name: str) -> Located:
    """Like :func:`load`, for text already read; ``name`` is what error messages call it."""
    import yaml  # only when a policy file is read: most scans have none

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark is not None else 1
                raise UsageError(f"{name}:{line}: YAML anchors and aliases are not allowed in policy files")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{name}{where}: not valid YAML: {problem}") from None
    if node is None:
        return Located({}, 1)
    return _convert(node, name)


def _convert(node: yaml.Node, path: str) -> Located:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Located] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path).value
            if not isinstance(key, str):
                raise UsageError(f"{path}:{key_node.start_mark.line + 1}: keys must be strings")
            mapping[key] = _convert(value_node, path)
        return Located(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_convert(item, path) for item in node.value], line)
    assert isinstance(node, yaml.ScalarNode)
    constructor = yaml.SafeLoader("")
    return Located(constructor.construct_object(node), line)


def plain(value: Located) -> Any:
    """Strip the line numbers again."""
    if isinstance(value.value, dict):
        return {k: plain(v) for k, v in value.value.items()}
    if isinstance(value.value, list):
        return [plain(v) for v in value.value]
    return value.value
