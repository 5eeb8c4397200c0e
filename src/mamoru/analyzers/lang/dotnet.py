""".NET: the NuGet packages of a built application (``*.deps.json``) and ``packages.lock.json`` (declared).

``<app>.deps.json`` (written by the .NET SDK next to the app's assemblies) lists under
``libraries`` every ``"Name/Version"`` the app loads with its ``type``: ``package`` entries are
NuGet packages; ``project`` entries are the app's own projects and are left out.
``packages.lock.json`` lists, per target framework, each package's ``resolved`` version.
"""

from __future__ import annotations

from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import lang_package, load_json, text_field, unique
from mamoru.model.package import PackageKind


class DotnetDepsAnalyzer:
    """NuGet packages of a built .NET application."""

    name: ClassVar[str] = "dotnet-deps"
    path_pattern: ClassVar[str] = r"\.deps\.json$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_json(content, what="deps.json")
        libraries = document.get("libraries") if isinstance(document, dict) else None
        if not isinstance(libraries, dict):
            raise AnalyzerParseError("deps.json has no 'libraries' object")
        packages = []
        for key, entry in libraries.items():
            if not isinstance(entry, dict) or entry.get("type") != "package" or not isinstance(key, str):
                continue
            name, _, version = key.partition("/")
            if name and version:
                packages.append(lang_package(name, version, PackageKind.NUGET, self.name))
        return AnalysisResult(packages=unique(packages))


class NugetLockAnalyzer:
    """Packages resolved by NuGet restore (``packages.lock.json``; declared)."""

    name: ClassVar[str] = "dotnet-packages-lock"
    path_pattern: ClassVar[str] = r"(?:^|/)packages\.lock\.json$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_json(content, what="packages.lock.json")
        frameworks = document.get("dependencies") if isinstance(document, dict) else None
        if not isinstance(frameworks, dict):
            raise AnalyzerParseError("packages.lock.json has no 'dependencies' object")
        packages = []
        for entries in frameworks.values():
            for name, entry in entries.items() if isinstance(entries, dict) else ():
                if not isinstance(entry, dict) or entry.get("type") == "Project":
                    continue
                version = text_field(entry.get("resolved"))
                if isinstance(name, str) and version:
                    packages.append(lang_package(name, version, PackageKind.NUGET, self.name, declared=True))
        return AnalysisResult(packages=unique(packages))
