"""Node.js packages declared in lock files: ``package-lock.json``/``npm-shrinkwrap.json`` (lockfile
versions 1-3), ``yarn.lock`` (classic v1 and berry v2+) and ``pnpm-lock.yaml`` (v5-v9).

Reported as ``declared``: a lock file says what ``npm ci`` would install, not what is there. JSON
and YAML go through ``json`` and PyYAML's safe loader (no aliases); yarn's classic format is not
YAML and no maintained Python library reads it, so it is read here line by line (its grammar is
small: an unindented key line naming one or more specs, then indented ``version "x"`` fields).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MAX_PACKAGES, lang_package, load_json, load_yaml, read_text, unique
from mamoru.model.package import Package, PackageKind

MAX_V1_DEPTH = 64
_NODE_MODULES = "node_modules/"
_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')
_YARN_RESOLUTION = re.compile(r'^\s+resolution:\s+"?([^"]+?)"?\s*$')
# berry protocols that name something other than a registry package
_BERRY_LOCAL = ("workspace:", "link:", "portal:", "patch:", "file:", "exec:")


class NodeLockfileAnalyzer:
    """Packages pinned by npm, yarn and pnpm lock files."""

    name: ClassVar[str] = "node-lockfile"
    path_pattern: ClassVar[str] = r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/node_modules/" not in f"/{path}"  # lock files that packages ship are not what was installed

    def analyze(self, content: FileContent) -> AnalysisResult:
        base = content.info.path.rpartition("/")[2]
        if base == "yarn.lock":
            packages = yarn_lock(read_text(content, what="yarn.lock"))
        elif base == "pnpm-lock.yaml":
            packages = pnpm_lock(load_yaml(content, what="pnpm-lock.yaml"))
        else:
            packages = package_lock(load_json(content, what=base))
        return AnalysisResult(packages=unique(packages))


def _package(name: str, version: str) -> Package:
    return lang_package(name, version, PackageKind.NPM, NodeLockfileAnalyzer.name, declared=True)


def package_lock(document: Any) -> list[Package]:
    """npm lock files: the ``packages`` map (v2, v3), else the nested ``dependencies`` tree (v1)."""
    if not isinstance(document, dict):
        raise AnalyzerParseError("npm lock file is not a JSON object")
    entries = document.get("packages")
    if isinstance(entries, dict):
        return _lock_packages(entries)
    dependencies = document.get("dependencies")
    if isinstance(dependencies, dict):
        packages: list[Package] = []
        _lock_v1(dependencies, packages, 0)
        return packages
    if "lockfileVersion" in document:
        return []  # a project without dependencies
    raise AnalyzerParseError("npm lock file has neither 'packages' nor 'dependencies'")


def _lock_packages(entries: dict[str, Any]) -> list[Package]:
    packages = []
    for path, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(path, str) or _NODE_MODULES not in f"{path}/":
            continue  # "" is the project itself; workspace folders are not under node_modules
        if entry.get("link") or entry.get("extraneous"):
            continue  # a symlink to a workspace folder, or a package npm would remove
        name = entry.get("name") if isinstance(entry.get("name"), str) else path.rpartition(_NODE_MODULES)[2]
        version = entry.get("version")
        if name and isinstance(version, str) and version:
            packages.append(_package(name, version))
    return packages


def _lock_v1(dependencies: dict[str, Any], packages: list[Package], depth: int) -> None:
    if depth > MAX_V1_DEPTH or len(packages) >= MAX_PACKAGES:
        return
    for key, entry in dependencies.items():
        if not isinstance(entry, dict):
            continue
        name, version = key, entry.get("version")
        if isinstance(version, str) and version.startswith("npm:"):  # an alias: "npm:real-name@1.2.3"
            name, _, version = version[4:].rpartition("@")
        if isinstance(version, str) and version and name and not version.startswith("file:"):
            packages.append(_package(name, version))
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            _lock_v1(nested, packages, depth + 1)


def yarn_lock(text: str) -> list[Package]:
    """yarn.lock, classic (``"a@^1", a@~1.2:`` then ``version "1.2.3"``) or berry (YAML with ``resolution``)."""
    packages = []
    specs: list[str] = []
    version = resolution = ""

    def flush() -> None:
        if not specs or not version:
            return
        if resolution:  # berry: "lodash@npm:4.17.21"
            name, _, reference = resolution.rpartition("@")
            if name and not reference.startswith(_BERRY_LOCAL):
                packages.append(_package(name, version))
            return
        name = _yarn_spec_name(specs[0])
        if name:
            packages.append(_package(name, version))

    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            flush()
            specs, version, resolution = [], "", ""
            key = line.rstrip().rstrip(":")
            if key != "__metadata":
                specs = [s.strip().strip('"') for s in key.split(",") if s.strip()]
            continue
        if not specs:
            continue
        if match := _YARN_VERSION.match(line):
            version = version or match.group(1)
        elif match := _YARN_RESOLUTION.match(line):
            resolution = match.group(1)
    flush()
    if not packages and text.strip() and "version" in text and "yarn lockfile" not in text and "__metadata" not in text:
        raise AnalyzerParseError("yarn.lock holds no package entries")
    return packages


def _yarn_spec_name(spec: str) -> str:
    """``@babel/core@^7.0.0`` → ``@babel/core``; ``lodash@npm:^4`` → ``lodash``."""
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else ""


def pnpm_lock(document: Any) -> list[Package]:
    """pnpm-lock.yaml ``packages`` keys: ``/name/1.0.0`` (v5), ``/name@1.0.0`` (v6), ``name@1.0.0`` (v9)."""
    if not isinstance(document, dict):
        raise AnalyzerParseError("pnpm-lock.yaml is not a mapping")
    entries = document.get("packages") or {}
    if not isinstance(entries, dict):
        raise AnalyzerParseError("pnpm-lock.yaml 'packages' is not a mapping")
    lock_version = str(document.get("lockfileVersion", ""))
    packages = []
    for key, entry in entries.items():
        if not isinstance(key, str):
            continue
        fields = entry if isinstance(entry, dict) else {}
        name, version = _pnpm_key(key, slash_version=lock_version.startswith("5"))
        if isinstance(fields.get("name"), str) and isinstance(fields.get("version"), str):
            name, version = fields["name"], fields["version"]  # tarball and git dependencies
        if name and version and not version.startswith(("link:", "file:")):
            packages.append(_package(name, version))
    return packages


def _pnpm_key(key: str, slash_version: bool) -> tuple[str, str]:
    key = key.removeprefix("/")
    key = re.sub(r"\(.*\)$", "", key)  # peer-dependency suffix of v6+: name@1.0.0(react@18.0.0)
    if slash_version:  # v5: name/1.0.0 or @scope/name/1.0.0, peers after "_"
        name, _, version = key.rpartition("/")
        return name, version.split("_", 1)[0]
    name, _, version = key.rpartition("@")
    return name, version
