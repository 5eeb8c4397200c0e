"""Analyzer plugins arrive through the ``mamoru.analyzers`` entry point group; names must be unique."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mamoru.analyzers.registry import BUILTIN_ANALYZERS, load_analyzers
from mamoru.errors import MamoruError
from mamoru.model.finding import FindingKind

PLUGIN = """
from mamoru.analyzers.base import AnalysisResult


class HelloAnalyzer:
    name = "{name}"

    def required(self, path, mode, size):
        return path == "hello.txt"

    def analyze(self, content):
        return AnalysisResult()
"""


def install_plugin(root: Path, module: str, name: str) -> None:
    (root / f"{module}.py").write_text(PLUGIN.format(name=name))
    dist = root / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[mamoru.analyzers]\n{module} = {module}:HelloAnalyzer\n")


def test_builtins_have_unique_names() -> None:
    names = [builtin.load().name for builtin in BUILTIN_ANALYZERS]
    assert len(names) == len(set(names))
    assert [a.name for a in load_analyzers(with_plugins=False)] == names


def test_finding_analyzers_load_only_for_their_kind() -> None:
    declared = {builtin.load().name: builtin.kind for builtin in BUILTIN_ANALYZERS}
    for analyzer in load_analyzers(with_plugins=False):  # the declared kind is the analyzer's own
        assert declared[analyzer.name] == getattr(analyzer, "kind", None)
    inventory_only = [a.name for a in load_analyzers(frozenset(), with_plugins=False)]
    assert inventory_only == [name for name, kind in declared.items() if kind is None]
    with_secrets = {a.name for a in load_analyzers({FindingKind.SECRET}, with_plugins=False)}
    assert with_secrets == set(inventory_only) | {"secrets"}


def test_plugin_is_loaded_and_duplicates_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path, "mamoru_hello_plugin", "hello")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "hello" in [a.name for a in load_analyzers()]
    install_plugin(tmp_path, "mamoru_clash_plugin", "dpkg")
    with pytest.raises(MamoruError, match="two analyzers are named 'dpkg'"):
        load_analyzers()
    sys.modules.pop("mamoru_hello_plugin", None)
    sys.modules.pop("mamoru_clash_plugin", None)
