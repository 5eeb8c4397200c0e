"""Helpers shared by the language analyzers: bounded document loading and package construction."""

from __future__ import annotations

import json
from typing import Any

from mamoru.analyzers.base import AnalyzerParseError, FileContent
from mamoru.model.package import Package, PackageKind

MiB = 1024 * 1024
#: Largest manifest or lock file parsed (real lock files of big monorepos stay below 20 MiB).
MAX_DOCUMENT = 32 * MiB
#: Largest number of packages taken from one file.
MAX_PACKAGES = 100_000


def read_text(content: FileContent, limit: int = MAX_DOCUMENT, what: str = "file") -> str:
    """The file as text, refusing files above ``limit`` before reading them and binary content."""
    size = content.info.size
    if size > limit:
        raise AnalyzerParseError(f"{what} of {size} bytes is larger than the {limit // MiB} MiB limit")
    data = content.read()
    if b"\x00" in data[:8192]:
        raise AnalyzerParseError(f"{what} is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalyzerParseError(f"{what} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def load_json(content: FileContent, limit: int = MAX_DOCUMENT, what: str = "JSON file") -> Any:
    """A bounded JSON document; malformed JSON is an :class:`AnalyzerParseError` with the position."""
    text = read_text(content, limit, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnalyzerParseError(f"malformed {what}: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise AnalyzerParseError(f"malformed {what}: nested too deeply") from None


def load_toml(content: FileContent, limit: int = MAX_DOCUMENT, what: str = "TOML file") -> dict[str, Any]:
    """A bounded TOML document (``tomllib``)."""
    import tomllib

    text = read_text(content, limit, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AnalyzerParseError(f"malformed {what}: {exc}") from None
    except RecursionError:
        raise AnalyzerParseError(f"malformed {what}: nested too deeply") from None


def load_yaml(content: FileContent, limit: int = MAX_DOCUMENT, what: str = "YAML file") -> Any:
    """A bounded YAML document read with PyYAML's safe loader; aliases are refused (no alias bombs)."""
    import yaml

    text = read_text(content, limit, what)

    class _NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("YAML aliases are not allowed in lock files")
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise AnalyzerParseError(f"malformed {what}: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise AnalyzerParseError(f"malformed {what}: nested too deeply") from None


def text_field(value: object) -> str:
    """A string field of a parsed document, or ``""`` when it is missing or not a string."""
    return value.strip() if isinstance(value, str) else ""


def lang_package(
    name: str,
    version: str,
    kind: PackageKind,
    found_by: str,
    *,
    declared: bool = False,
    licenses: tuple[str, ...] = (),
    description: str = "",
    maintainer: str = "",
) -> Package:
    """A language package as the analyzers report it (the resolver adds layer, locations and purl)."""
    return Package(
        name=name,
        version=version,
        kind=kind,
        found_by=found_by,
        declared=declared,
        licenses=licenses,
        description=description,
        maintainer=maintainer,
    )


def unique(packages: list[Package]) -> list[Package]:
    """Packages without repeats (same name and version), in first-seen order, at most ``MAX_PACKAGES``."""
    seen: dict[tuple[str, str], Package] = {}
    for package in packages:
        seen.setdefault((package.name, package.version), package)
        if len(seen) >= MAX_PACKAGES:
            break
    return list(seen.values())
