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
    """A built-in analyzer, named by ``module:Class`` so that a scan imports only the ones it runs.

    ``kind`` is set for finding analyzers (they run only when their scanner is chosen); inventory
    analyzers (``None``) always run. Importing every analyzer, the content scanners with their
    rule sets among them, would cost an SBOM run a tenth of its time.
    """

    target: str
    kind: FindingKind | None = None

    def load(self) -> type[Analyzer]:
        module, _, name = self.target.partition(":")
        cls: type[Analyzer] = getattr(import_module(f"mamoru.analyzers.{module}"), name)
        return cls


BUILTIN_ANALYZERS: tuple[Builtin, ...] = (
    Builtin("os.release:OSReleaseAnalyzer"),
    Builtin("os.dpkg:DpkgAnalyzer"),
    Builtin("os.dpkg_copyright:DpkgCopyrightAnalyzer"),
    Builtin("os.apk:ApkAnalyzer"),
    Builtin("os.rpm:RpmAnalyzer"),
    Builtin("lang.python:PythonDistributionAnalyzer"),
    Builtin("lang.python_lock:PythonLockfileAnalyzer"),
    Builtin("lang.node:NodePackageAnalyzer"),
    Builtin("lang.node_lock:NodeLockfileAnalyzer"),
    Builtin("lang.java:JavaArchiveAnalyzer"),
    Builtin("lang.executable:ExecutableAnalyzer"),
    Builtin("lang.golang:GoModAnalyzer"),
    Builtin("lang.rust:CargoLockAnalyzer"),
    Builtin("lang.ruby:GemspecAnalyzer"),
    Builtin("lang.ruby:GemfileLockAnalyzer"),
    Builtin("lang.php:ComposerInstalledAnalyzer"),
    Builtin("lang.php:ComposerLockAnalyzer"),
    Builtin("lang.dotnet:DotnetDepsAnalyzer"),
    Builtin("lang.dotnet:NugetLockAnalyzer"),
    Builtin("lang.binary:BinaryClassifierAnalyzer"),
    Builtin("content.secrets:SecretAnalyzer", FindingKind.SECRET),
    Builtin("content.malware:MalwareAnalyzer", FindingKind.MALWARE),
    Builtin("os.accounts:AccountsAnalyzer", FindingKind.FILE),
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
