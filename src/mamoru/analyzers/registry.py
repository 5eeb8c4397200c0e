"""The analyzers a scan runs: the built-ins, listed explicitly, plus plugins from entry points."""

from __future__ import annotations

import os
import sys
from typing import Any

from mamoru.analyzers.base import Analyzer
from mamoru.analyzers.content.malware import MalwareAnalyzer
from mamoru.analyzers.content.secrets import SecretAnalyzer
from mamoru.analyzers.lang.binary import BinaryClassifierAnalyzer
from mamoru.analyzers.lang.dotnet import DotnetDepsAnalyzer, NugetLockAnalyzer
from mamoru.analyzers.lang.executable import ExecutableAnalyzer
from mamoru.analyzers.lang.golang import GoModAnalyzer
from mamoru.analyzers.lang.java import JavaArchiveAnalyzer
from mamoru.analyzers.lang.node import NodePackageAnalyzer
from mamoru.analyzers.lang.node_lock import NodeLockfileAnalyzer
from mamoru.analyzers.lang.php import ComposerInstalledAnalyzer, ComposerLockAnalyzer
from mamoru.analyzers.lang.python import PythonDistributionAnalyzer
from mamoru.analyzers.lang.python_lock import PythonLockfileAnalyzer
from mamoru.analyzers.lang.ruby import GemfileLockAnalyzer, GemspecAnalyzer
from mamoru.analyzers.lang.rust import CargoLockAnalyzer
from mamoru.analyzers.os.accounts import AccountsAnalyzer
from mamoru.analyzers.os.apk import ApkAnalyzer
from mamoru.analyzers.os.dpkg import DpkgAnalyzer
from mamoru.analyzers.os.dpkg_copyright import DpkgCopyrightAnalyzer
from mamoru.analyzers.os.release import OSReleaseAnalyzer
from mamoru.analyzers.os.rpm import RpmAnalyzer
from mamoru.errors import MamoruError

ENTRY_POINT_GROUP = "mamoru.analyzers"
BUILTIN_ANALYZERS: tuple[type[Analyzer], ...] = (
    OSReleaseAnalyzer,
    DpkgAnalyzer,
    DpkgCopyrightAnalyzer,
    ApkAnalyzer,
    RpmAnalyzer,
    PythonDistributionAnalyzer,
    PythonLockfileAnalyzer,
    NodePackageAnalyzer,
    NodeLockfileAnalyzer,
    JavaArchiveAnalyzer,
    ExecutableAnalyzer,
    GoModAnalyzer,
    CargoLockAnalyzer,
    GemspecAnalyzer,
    GemfileLockAnalyzer,
    ComposerInstalledAnalyzer,
    ComposerLockAnalyzer,
    DotnetDepsAnalyzer,
    NugetLockAnalyzer,
    BinaryClassifierAnalyzer,
    SecretAnalyzer,
    MalwareAnalyzer,
    AccountsAnalyzer,
)


def load_analyzers(with_plugins: bool = True) -> list[Analyzer]:
    """Instantiate every analyzer; a plugin may not reuse a built-in's (or another plugin's) name."""
    analyzers: list[Analyzer] = [cls() for cls in BUILTIN_ANALYZERS]
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
