"""Ruby: installed gems (``specifications/*.gemspec``) and ``Gemfile.lock`` (declared).

RubyGems writes the gemspec of every installed gem as Ruby code in a fixed shape
(``s.name = "rack".freeze``, ``s.version = "2.2.4"``, a ``# stub: rack 2.2.4 ruby lib`` first line);
the fields are read with regular expressions, never evaluated. ``Gemfile.lock`` lists resolved gems
as ``    name (version)`` lines (four spaces) under each source's ``specs:``.
"""

from __future__ import annotations

import re
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MiB, lang_package, read_text, unique
from mamoru.model.package import PackageKind

MAX_GEMSPEC = 1 * MiB
_STRING = r"""["']([^"']+)["'](?:\.freeze)?"""
_NAME = re.compile(rf"^\s*\w+\.name\s*=\s*{_STRING}", re.M)
_VERSION = re.compile(rf"^\s*\w+\.version\s*=\s*(?:Gem::Version\.new\(\s*)?{_STRING}", re.M)
_LICENSES = re.compile(r"^\s*\w+\.licenses?\s*=\s*\[?([^\]\n]*)\]?", re.M)
_STUB = re.compile(r"^# stub: (\S+) (\S+)")
_LOCK_SPEC = re.compile(r"^ {4}([^\s(]+) \(([^)\s]+)\)\s*$")


class GemspecAnalyzer:
    """Installed gems: ``…/specifications/<name>-<version>.gemspec``."""

    name: ClassVar[str] = "ruby-gemspec"
    path_pattern: ClassVar[str] = r"/specifications/(?:default/)?[^/]+\.gemspec$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        text = read_text(content, MAX_GEMSPEC, "gemspec")
        name_match, version_match = _NAME.search(text), _VERSION.search(text)
        stub = _STUB.match(text)
        name = name_match.group(1) if name_match else stub.group(1) if stub else ""
        version = version_match.group(1) if version_match else stub.group(2) if stub else ""
        if not name or not version:
            raise AnalyzerParseError("gemspec without name or version")
        found = _LICENSES.search(text)
        licenses = tuple(re.findall(r"""["']([^"']+)["']""", found.group(1))) if found else ()
        return AnalysisResult(packages=[lang_package(name, version, PackageKind.GEM, self.name, licenses=licenses)])


class GemfileLockAnalyzer:
    """Gems resolved by Bundler (``Gemfile.lock``; declared)."""

    name: ClassVar[str] = "ruby-gemfile-lock"
    path_pattern: ClassVar[str] = r"(?:^|/)Gemfile\.lock$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/gems/" not in f"/{path}"  # gems ship their own development lock files

    def analyze(self, content: FileContent) -> AnalysisResult:
        packages = []
        for line in read_text(content, what="Gemfile.lock").splitlines():
            match = _LOCK_SPEC.match(line)
            if match:
                name, version = match.groups()
                version = re.sub(r"-(?:x86|x64|arm|aarch64|universal|java|mingw|mswin|darwin|linux).*$", "", version)
                packages.append(lang_package(name, version, PackageKind.GEM, self.name, declared=True))
        return AnalysisResult(packages=unique(packages))
