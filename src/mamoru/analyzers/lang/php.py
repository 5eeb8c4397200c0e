"""PHP: packages Composer installed (``vendor/composer/installed.json``) and ``composer.lock`` (declared).

``installed.json`` is a list of packages (Composer 1) or ``{"packages": [...]}`` (Composer 2);
``composer.lock`` has ``packages`` and ``packages-dev``. Versions keep Composer's spelling without a
leading ``v`` (``v5.4.0`` → ``5.4.0``, as Packagist and the advisory databases write them).
"""

from __future__ import annotations

from typing import Any, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import lang_package, load_json, text_field, unique
from mamoru.model.package import Package, PackageKind


class ComposerInstalledAnalyzer:
    """``vendor/composer/installed.json``: what Composer installed."""

    name: ClassVar[str] = "php-composer-installed"
    path_pattern: ClassVar[str] = r"(?:^|/)vendor/composer/installed\.json$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_json(content, what="installed.json")
        entries = document.get("packages") if isinstance(document, dict) else document
        if not isinstance(entries, list):
            raise AnalyzerParseError("installed.json holds no package list")
        return AnalysisResult(packages=unique(_packages(entries, self.name, declared=False)))


class ComposerLockAnalyzer:
    """``composer.lock``: what ``composer install`` would install (declared)."""

    name: ClassVar[str] = "php-composer-lock"
    path_pattern: ClassVar[str] = r"(?:^|/)composer\.lock$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/vendor/" not in f"/{path}"

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_json(content, what="composer.lock")
        if not isinstance(document, dict) or not isinstance(document.get("packages"), list):
            raise AnalyzerParseError("composer.lock has no 'packages' list")
        entries = [*document["packages"], *(document.get("packages-dev") or [])]
        return AnalysisResult(packages=unique(_packages(entries, self.name, declared=True)))


def _packages(entries: list[Any], found_by: str, declared: bool) -> list[Package]:
    packages = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name, version = text_field(entry.get("name")), text_field(entry.get("version"))
        if not name or not version:
            continue
        if version[0] in "vV" and version[1:2].isdigit():
            version = version[1:]
        raw = entry.get("license")
        licenses = tuple(x for x in raw if isinstance(x, str)) if isinstance(raw, list) else ()
        packages.append(
            lang_package(
                name,
                version,
                PackageKind.COMPOSER,
                found_by,
                declared=declared,
                licenses=licenses,
                description=text_field(entry.get("description"))[:500],
            )
        )
    return packages
