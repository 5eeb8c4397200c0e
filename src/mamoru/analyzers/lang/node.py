"""Installed Node.js packages: the ``package.json`` of each package directory under ``node_modules``.

Nested (``node_modules/a/node_modules/b``) and scoped (``node_modules/@scope/name``) packages are
found wherever ``node_modules`` is (an app's, or a global ``/usr/local/lib/node_modules``). Only a
``package.json`` directly in a package directory counts: test fixtures and examples that ship
their own ``package.json`` deeper in a package are not packages.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MiB, lang_package, load_json, text_field
from mamoru.model.package import PackageKind

#: Largest package.json read (real ones are a few KiB; the biggest on the npm registry stay below 1 MiB).
MAX_PACKAGE_JSON = 4 * MiB


class NodePackageAnalyzer:
    """``node_modules/**/package.json``: name, version and license of installed npm packages."""

    name: ClassVar[str] = "node-package"
    path_pattern: ClassVar[str] = r"(?:^|/)node_modules/(?:@[^/]+/)?[^/@][^/]*/package\.json$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return True  # huge files are refused in analyze, so they become a note instead of vanishing

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_json(content, MAX_PACKAGE_JSON, "package.json")
        if not isinstance(document, dict):
            raise AnalyzerParseError("package.json is not a JSON object")
        name, version = text_field(document.get("name")), text_field(document.get("version"))
        if not name or not version:
            if _directory_name(content.info.path).startswith("."):
                return AnalysisResult()  # npm's own bookkeeping directories (.bin, .cache …)
            raise AnalyzerParseError("package.json without name or version")
        return AnalysisResult(
            packages=[
                lang_package(
                    name,
                    version,
                    PackageKind.NPM,
                    self.name,
                    licenses=licenses(document),
                    description=text_field(document.get("description"))[:500],
                    maintainer=_person(document.get("author")),
                )
            ]
        )


def _directory_name(path: str) -> str:
    return path.rsplit("/", 2)[-2]


def licenses(document: dict[str, Any]) -> tuple[str, ...]:
    """``license`` (an SPDX expression, or the old ``{"type": …}`` form) or the old ``licenses`` list."""
    value = document.get("license")
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, dict) and text_field(value.get("type")):
        return (text_field(value.get("type")),)
    found = []
    items = document.get("licenses")
    for item in items if isinstance(items, list) else []:
        text = text_field(item.get("type")) if isinstance(item, dict) else text_field(item)
        if text:
            found.append(text)
    return tuple(dict.fromkeys(found))


def _person(value: object) -> str:
    if isinstance(value, dict):
        name, email = text_field(value.get("name")), text_field(value.get("email"))
        return f"{name} <{email}>" if name and email else name or email
    return text_field(value)[:200]
