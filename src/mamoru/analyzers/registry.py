"""The analyzers a scan runs: the built-ins, listed explicitly, plus plugins from entry points."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from mamoru.analyzers.base import Analyzer
from mamoru.errors import MamoruError
from mamoru.model.finding import FindingKind

ENTRY_POINT_GROUP = "mamoru.analyzers"


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in analyzer or detector, named by ``module:Class`` so a scan imports only the ones it runs.

    ``kind`` is the finding kind it reports: finding analyzers and detectors run only when their
    scanner is chosen; inventory analyzers (``None``) always run. Importing every one, the content
    scanners' rule sets and the vulnerability matcher among them, would cost an SBOM run a tenth of
    its time.
    """

    target: str  # "mamoru.analyzers.os.dpkg:DpkgAnalyzer"
    kind: FindingKind | None = None

    def load(self) -> Any:
        module, _, name = self.target.partition(":")
        return getattr(import_module(module), name)


BUILTIN_ANALYZERS: tuple[Builtin, ...] = (
    Builtin("mamoru.analyzers.os.release:OSReleaseAnalyzer"),
    Builtin("mamoru.analyzers.os.dpkg:DpkgAnalyzer"),
    Builtin("mamoru.analyzers.os.dpkg_copyright:DpkgCopyrightAnalyzer"),
    Builtin("mamoru.analyzers.os.apk:ApkAnalyzer"),
    Builtin("mamoru.analyzers.os.rpm:RpmAnalyzer"),
    Builtin("mamoru.analyzers.lang.python:PythonDistributionAnalyzer"),
    Builtin("mamoru.analyzers.lang.python_lock:PythonLockfileAnalyzer"),
    Builtin("mamoru.analyzers.lang.node:NodePackageAnalyzer"),
    Builtin("mamoru.analyzers.lang.node_lock:NodeLockfileAnalyzer"),
    Builtin("mamoru.analyzers.lang.java:JavaArchiveAnalyzer"),
    Builtin("mamoru.analyzers.lang.executable:ExecutableAnalyzer"),
    Builtin("mamoru.analyzers.lang.golang:GoModAnalyzer"),
    Builtin("mamoru.analyzers.lang.rust:CargoLockAnalyzer"),
    Builtin("mamoru.analyzers.lang.ruby:GemspecAnalyzer"),
    Builtin("mamoru.analyzers.lang.ruby:GemfileLockAnalyzer"),
    Builtin("mamoru.analyzers.lang.php:ComposerInstalledAnalyzer"),
    Builtin("mamoru.analyzers.lang.php:ComposerLockAnalyzer"),
    Builtin("mamoru.analyzers.lang.dotnet:DotnetDepsAnalyzer"),
    Builtin("mamoru.analyzers.lang.dotnet:NugetLockAnalyzer"),
    Builtin("mamoru.analyzers.lang.binary:BinaryClassifierAnalyzer"),
    Builtin("mamoru.analyzers.content.secrets:SecretAnalyzer", FindingKind.SECRET),
    Builtin("mamoru.analyzers.content.malware:MalwareAnalyzer", FindingKind.MALWARE),
    Builtin("mamoru.analyzers.os.accounts:AccountsAnalyzer", FindingKind.FILE),
)


def load_analyzers(kinds: Collection[FindingKind] | None = None, with_plugins: bool = True) -> list[Analyzer]:
    """Instantiate the inventory analyzers and the finding analyzers of ``kinds`` (every one when None).

    Plugins are always loaded (their kind is known only once they are); a plugin may not reuse a
    built-in's (or another plugin's) name.
    """
    analyzers: list[Analyzer] = [
        builtin.load()()
        for builtin in BUILTIN_ANALYZERS
        if kinds is None or builtin.kind is None or builtin.kind in kinds
    ]
    if with_plugins:
        analyzers.extend(load_plugins(ENTRY_POINT_GROUP))
    seen: set[str] = set()
    for analyzer in analyzers:
        if analyzer.name in seen:
            raise MamoruError(f"two analyzers are named {analyzer.name!r}")
        seen.add(analyzer.name)
    return analyzers


def load_plugins(group: str) -> list[Any]:
    """Instantiate the classes registered under an entry point group (a broken plugin is a clear error)."""
    if not _may_have_plugins(group):
        return []
    from importlib.metadata import entry_points

    plugins = []
    for point in entry_points(group=group):
        try:
            plugins.append(point.load()())
        except Exception as exc:  # noqa: BLE001 - a broken plugin is a clear error, not a traceback
            raise MamoruError(f"plugin {point.name!r} ({group}) failed to load: {exc}") from None
    return plugins


def load_plugin_modules(group: str) -> None:
    """Import the modules registered under an entry point group (for plugins that register on import)."""
    if not _may_have_plugins(group):
        return
    from importlib.metadata import entry_points

    for point in entry_points(group=group):
        try:
            point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin is a clear error, not a traceback
            raise MamoruError(f"plugin {point.name!r} ({group}) failed to load: {exc}") from None


def _may_have_plugins(group: str) -> bool:
    """Cheap pre-check: does any installed distribution declare an entry point in ``group``?

    Importing :mod:`importlib.metadata` costs about 20 ms (it loads the email package), a tenth of
    a small scan; reading the few ``entry_points.txt`` files on ``sys.path`` costs about 1 ms.
    The real lookup still goes through :func:`importlib.metadata.entry_points`.
    """
    marker = f"[{group}]"
    for directory in sys.path:
        try:
            names = os.listdir(directory or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(directory or ".", name, "entry_points.txt"), encoding="utf-8") as handle:
                    if marker in handle.read():
                        return True
            except OSError:
                continue
    return False
