"""Bounded YAML loading that keeps line numbers.

PyYAML (with libyaml when available) composes the node graph; this module turns nodes into plain
``dict``/``list`` subclasses that remember the line of every key and item. It is written here
because no YAML library does all of these at once:

- **YAML 1.2 core schema** for plain scalars, as Docker Compose and most tools read YAML today
  (``80:80`` stays a string instead of PyYAML's YAML 1.1 sexagesimal ``4880``; ``on`` stays a string);
- **bounded alias expansion**: a node graph with anchors is a DAG that can describe 10⁹ nodes in a
  few hundred bytes (the "billion laughs" bomb); conversion counts every node it produces and stops
  at ``MAX_NODES``, and nesting is bounded by ``MAX_DEPTH``;
- **merge keys** (``<<: *defaults``), which Compose files use a lot;
- line numbers of every mapping key and sequence item, for findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

MAX_NODES = 500_000  # nodes produced per file, aliases expanded
MAX_DEPTH = 200
MAX_DOCUMENTS = 10_000


class YamlError(ValueError):
    """The text is not YAML mamoru can read (syntax error, bomb, too deep)."""


class YMap(dict[str, Any]):
    """A YAML mapping: a ``dict`` that knows its line and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of ``key`` (the mapping's own line when the key is absent)."""
        return self.key_lines.get(key, self.line)


class YSeq(list[Any]):
    """A YAML sequence: a ``list`` that knows its line and the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """The line of ``container[key]`` (or of the container), when the container came from YAML."""
    if isinstance(container, YMap):
        return container.line_of(key) if isinstance(key, str) else container.line
    if isinstance(container, YSeq):
        return container.line_of(key) if isinstance(key, int) else container.line
    return None


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One document of a (multi-document) YAML stream; ``data`` is None for an empty document."""

    data: Any
    line: int  # first line of the document's content
    end_line: int


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema resolution for plain scalars."""


_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), "<"),
):
    _CoreResolver.add_implicit_resolver(_tag, _regexp, list(_first))


_CParser: Any = getattr(yaml, "CParser", None)
if _CParser is not None:

    class _Loader(_CParser, _CoreResolver):  # type: ignore[misc]
        """libyaml's parser and composer with the core resolver; conversion is :func:`_convert`."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _CoreResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(  # type: ignore[no-redef]
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _CoreResolver
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _CoreResolver.__init__(self)


def load_documents(text: str) -> list[YamlDocument]:
    """Every document of ``text``; raises :class:`YamlError` for invalid or hostile YAML."""
    loader = _Loader(text)
    budget = _Budget()
    documents: list[YamlDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            if len(documents) >= MAX_DOCUMENTS:
                raise YamlError(f"more than {MAX_DOCUMENTS} documents")
            documents.append(YamlDocument(_convert(node, budget, 0), node.start_mark.line + 1, node.end_mark.line + 1))
    except yaml.YAMLError as exc:
        raise YamlError(_describe(exc)) from None
    except RecursionError:
        raise YamlError("nesting too deep") from None
    finally:
        loader.dispose()
    return documents


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlError(f"more than {MAX_NODES} nodes once aliases are expanded (a YAML bomb?)")


def _convert(node: Node, budget: _Budget, depth: int) -> Any:
    budget.spend()
    if depth > MAX_DEPTH:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels")
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, SequenceNode):
        seq = YSeq(line)
        for item in node.value:
            seq.append(_convert(item, budget, depth + 1))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    if isinstance(node, MappingNode):
        mapping = YMap(line)
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append(value_node)
                continue
            key = _key(key_node, budget, depth)
            mapping[key] = _convert(value_node, budget, depth + 1)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        for source in merged:
            _merge(mapping, source, budget, depth)
        return mapping
    raise YamlError(f"unexpected YAML node {type(node).__name__}")  # pragma: no cover


def _merge(mapping: YMap, source: Node, budget: _Budget, depth: int) -> None:
    """``<<: *anchor`` or ``<<: [*a, *b]``: keys already present win, earlier sources win over later."""
    sources = source.value if isinstance(source, SequenceNode) else [source]
    for item in sources:
        value = _convert(item, budget, depth + 1)
        if not isinstance(value, YMap):
            raise YamlError(f"line {item.start_mark.line + 1}: a merge key needs a mapping")
        for key, inner in value.items():
            if key not in mapping:
                mapping[key] = inner
                mapping.key_lines[key] = value.key_lines.get(key, value.line)


def _key(node: Node, budget: _Budget, depth: int) -> str:
    if isinstance(node, ScalarNode):
        value = _scalar(node)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)
    raise YamlError(f"line {node.start_mark.line + 1}: complex mapping keys are not supported")


def _scalar(node: ScalarNode) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:str" or not tag.startswith("tag:yaml.org,2002:"):
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() in ("true", "yes", "on", "y")
    if tag == "tag:yaml.org,2002:int":
        try:
            if value.startswith(("0o", "0x")):
                return int(value, 0)
            return int(value.replace("_", ""))
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(value.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf"))
        except ValueError:
            return value
    return value


def _describe(exc: yaml.YAMLError) -> str:
    """One line: the problem and where (``line 3: found character '\\t' …``)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}{problem}"
