"""Python packages declared in requirement and lock files: pinned ``requirements*.txt``,
``poetry.lock``, ``Pipfile.lock`` and ``uv.lock``.

These packages may or may not be installed, so they are reported as ``declared``; the resolver
merges one with the installed distribution of the same name and version when both are found.
Requirement lines are parsed with ``packaging.requirements`` (PEP 508); only exact pins
(``==1.2``, ``===1.2``) name a version. TOML goes through ``tomllib``, JSON through ``json``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MiB, lang_package, load_json, load_toml, read_text, text_field, unique
from mamoru.model.package import Package, PackageKind

MAX_REQUIREMENTS = 4 * MiB
_OPTION = re.compile(r"\s+--?[a-z][\w-]*(?:[ =]\S+)?")


class PythonLockfileAnalyzer:
    """Pinned packages of ``requirements*.txt``, ``poetry.lock``, ``Pipfile.lock`` and ``uv.lock``."""

    name: ClassVar[str] = "python-lockfile"
    path_pattern: ClassVar[str] = r"(?:^|/)(?:requirements[^/]*\.txt|poetry\.lock|Pipfile\.lock|uv\.lock)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/site-packages/" not in path and "/dist-packages/" not in path  # not a package's own data

    def analyze(self, content: FileContent) -> AnalysisResult:
        base = content.info.path.rpartition("/")[2]
        if base == "poetry.lock":
            packages = _toml_lock(load_toml(content, what="poetry.lock"), "poetry.lock")
        elif base == "uv.lock":
            packages = _toml_lock(load_toml(content, what="uv.lock"), "uv.lock")
        elif base == "Pipfile.lock":
            packages = _pipfile_lock(load_json(content, what="Pipfile.lock"))
        else:
            packages = requirements(read_text(content, MAX_REQUIREMENTS, "requirements file"))
        return AnalysisResult(packages=unique(packages))


def _package(name: str, version: str) -> Package:
    return lang_package(name, version, PackageKind.PYPI, PythonLockfileAnalyzer.name, declared=True)


def requirements(text: str) -> list[Package]:
    """Exactly pinned requirements of a pip requirements file (options, URLs and ranges are skipped)."""
    from packaging.requirements import InvalidRequirement, Requirement

    packages = []
    for line in _logical_lines(text):
        if not line or line.startswith("-"):
            continue  # -r/-c includes, -e editables, --index-url …
        try:
            requirement = Requirement(_OPTION.sub("", line))
        except InvalidRequirement:
            continue  # URLs, local paths and other lines pip accepts but that name no pinned version
        pins = [s.version for s in requirement.specifier if s.operator in ("==", "===") and "*" not in s.version]
        if len(pins) == 1 and not requirement.url:
            packages.append(_package(requirement.name, pins[0]))
    return packages


def _logical_lines(text: str) -> list[str]:
    """Lines with comments removed and ``\\`` continuations joined, as pip reads them."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append((pending + line).strip())
        pending = ""
    if pending.strip():
        lines.append(pending.strip())
    return lines


def _toml_lock(document: dict[str, Any], what: str) -> list[Package]:
    """``[[package]]`` tables of poetry.lock and uv.lock; uv's own project (editable/virtual source) is left out."""
    entries = document.get("package")
    if not isinstance(entries, list):
        raise AnalyzerParseError(f"{what} has no [[package]] tables")
    packages = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name, version = text_field(entry.get("name")), text_field(entry.get("version"))
        source = entry.get("source")
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            continue  # the locked project itself, or a workspace member
        if name and version:
            packages.append(_package(name, version))
    return packages


def _pipfile_lock(document: Any) -> list[Package]:
    """``default`` and ``develop`` sections of a Pipfile.lock (``"version": "==1.2"``)."""
    if not isinstance(document, dict) or not any(isinstance(document.get(s), dict) for s in ("default", "develop")):
        raise AnalyzerParseError("Pipfile.lock has neither a 'default' nor a 'develop' section")
    packages = []
    for section in ("default", "develop"):
        entries = document.get(section)
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            version = text_field(entry.get("version")) if isinstance(entry, dict) else ""
            if isinstance(name, str) and version.startswith("=="):
                packages.append(_package(name, version.lstrip("=")))
    return packages
