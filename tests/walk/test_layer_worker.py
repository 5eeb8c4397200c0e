"""A forked worker walks some layers: the scan result is the one-process result, whatever happens to it."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.helpers import ImageSpec, docker_archive, files, layer_tar, sha256

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.errors import TargetError
from mamoru.model.artifact import Layer
from mamoru.model.finding import FindingKind
from mamoru.model.package import Package, PackageKind
from mamoru.model.report import ScanReport
from mamoru.report.json_report import render
from mamoru.scan.pipeline import ScanOptions, scan_image
from mamoru.targets.detect import open_image
from mamoru.walk.layer_worker import MIN_WORKER_BYTES, split_layers
from mamoru.walk.limits import Limits
from mamoru.walk.walker import Walker, WalkResult

pytestmark = pytest.mark.usefixtures("cache_dir")

ALL_SCANNERS = frozenset({FindingKind.SECRET, FindingKind.MALWARE, FindingKind.FILE})
BIG = MIN_WORKER_BYTES + 1024  # a layer this size is worth a worker


def report_json(target: str, parallel: bool, scanners: frozenset[FindingKind] = ALL_SCANNERS) -> dict[str, Any]:
    import io

    inventory = scan_image(target, ScanOptions(scanners=scanners, parallel_layers=parallel))
    out = io.StringIO()
    render(ScanReport(inventory=inventory, target=target, command="image"), out)
    report: dict[str, Any] = json.loads(out.getvalue())
    report.pop("createdAt")
    return report


@pytest.mark.parametrize("image", ["app-docker.tar", "app-oci-archive.tar", "oci:app", "planted-oci:planted"])
def test_real_images_give_the_same_report_with_and_without_the_worker(
    images: Path, planted: Path, image: str, caplog: pytest.LogCaptureFixture
) -> None:
    name, _, tag = image.partition(":")
    target = str(images / name) + (f":{tag}" if tag else "")
    source = open_image(target, Limits())
    try:
        assert split_layers(source.artifact.layers) is not None, "the image must be big enough to fork a worker"
    finally:
        source.close()
    one_process = report_json(target, parallel=False)
    assert one_process["packages"] and one_process["findings"] and len(one_process["layers"]) > 1
    caplog.set_level(logging.DEBUG, logger="mamoru.walk.layer_worker")
    assert report_json(target, parallel=True) == one_process
    delivered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("layer worker walked layers [")]
    assert delivered and not delivered[0].startswith("layer worker walked layers []")  # it did the work
    assert not [r for r in caplog.records if "walking its" in r.getMessage()]  # nothing walked twice


def test_layers_are_shared_out_by_size_and_small_shares_stay_here() -> None:
    sizes = [85_000_000, 25_700_000, 287_744, 4_096, 10_240]
    layers = [Layer(index=i, size=size) for i, size in enumerate(sizes)]
    split = split_layers(layers)
    assert split is not None
    here, there = split
    assert [layer.index for layer in here] == [0]  # the largest stays, its result is not sent
    assert [layer.index for layer in there] == [1, 2, 3, 4]  # in layer order
    assert split_layers(layers[:1]) is None
    assert split_layers([Layer(index=0, size=90_000_000), Layer(index=1, size=MIN_WORKER_BYTES - 1)]) is None


def two_big_layers(path: Path, diff_ids: list[str] | None = None) -> Path:
    first = layer_tar(files(("one/data.bin", b"\x01" * BIG), ("etc/os-release", 'ID=debian\nVERSION_ID="12"\n')))
    second = layer_tar(files(("two/data.bin", b"\x02" * BIG), ("app/.env", "AWS_SECRET_ACCESS_KEY=x\n")))
    spec = ImageSpec(layers=[first, second], diff_ids=diff_ids)
    return docker_archive(path, spec)


def test_a_bad_layer_in_the_worker_fails_the_scan_as_in_one_process(tmp_path: Path) -> None:
    good = two_big_layers(tmp_path / "good.tar")
    first_id = open_image(str(good), Limits()).artifact.layers[0].diff_id
    bad = two_big_layers(tmp_path / "bad.tar", diff_ids=[first_id, sha256(b"not this layer")])
    messages = []
    for parallel in (False, True):
        with pytest.raises(TargetError, match="digest mismatch") as caught:
            scan_image(str(bad), ScanOptions(parallel_layers=parallel))
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "layer 1" in messages[0]


class Recorder:
    """A progress display that records calls, from any thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Layer]] = []
        self._lock = threading.Lock()

    def start_layer(self, layer: Layer, total_bytes: int) -> None:
        with self._lock:
            self.calls.append(("start", layer))

    def advance(self, layer: Layer, bytes_read: int) -> None:
        with self._lock:
            self.calls.append(("advance", layer))

    def end_layer(self, layer: Layer) -> None:
        with self._lock:
            self.calls.append(("end", layer))


def walk(image: Path, analyzers: list[Any], parallel: bool, progress: Recorder | None = None) -> WalkResult:
    source = open_image(str(image), Limits())
    try:
        result = Walker(analyzers, Limits(), progress, parallel=parallel).walk(source)
        for analyzed in result.analyzed:  # the worker's results point at this process's layer objects
            assert analyzed.layer is source.artifact.layers[analyzed.layer.index]
        return result
    finally:
        source.close()


def summary(result: WalkResult) -> list[tuple[str, str, str]]:
    return [(a.analyzer, a.record.path, repr(a.result.packages)) for a in result.analyzed]


class PathAnalyzer:
    """Names each file it is given as a package; ``misbehave`` decides what happens inside the worker."""

    name: ClassVar[str] = "paths"
    path_pattern: ClassVar[str] = ""

    def __init__(self, misbehave: str = "") -> None:
        self.parent = os.getpid()
        self.misbehave = misbehave

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        in_worker = os.getpid() != self.parent
        if in_worker and self.misbehave == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        description: Any = threading.Lock() if in_worker and self.misbehave == "unpicklable" else ""
        return AnalysisResult(
            packages=[Package(name=content.info.path, version="1", kind=PackageKind.GENERIC, description=description)]
        )


def test_the_worker_reports_progress_of_its_layers(tmp_path: Path) -> None:
    image = two_big_layers(tmp_path / "image.tar")
    progress = Recorder()
    walk(image, [PathAnalyzer()], parallel=True, progress=progress)
    for layer_index in (0, 1):
        kinds = [kind for kind, layer in progress.calls if layer.index == layer_index]
        assert kinds[0] == "start" and kinds[-1] == "end" and "advance" in kinds


@pytest.mark.parametrize("misbehave", ["killed", "unpicklable"])
def test_layers_the_worker_could_not_deliver_are_walked_here(tmp_path: Path, misbehave: str) -> None:
    image = two_big_layers(tmp_path / "image.tar")
    expected = summary(walk(image, [PathAnalyzer()], parallel=False))
    assert ("paths", "two/data.bin", repr([Package(name="two/data.bin", version="1", kind=PackageKind.GENERIC)])) in (
        expected
    )
    assert summary(walk(image, [PathAnalyzer(misbehave)], parallel=True)) == expected


def test_a_layer_walk_keeps_whiteouts_in_tar_order(tmp_path: Path) -> None:
    from tests.helpers import Entry

    base = layer_tar(files(("a/x", "1"), ("a/y", "2"), ("b/z", "3"), ("pad.bin", b"\x00" * BIG)))
    upper = layer_tar(
        [*files(("a/new", "4")), Entry(".wh.b"), Entry("a/.wh..wh..opq"), *files(("big.bin", b"\x00" * BIG))]
    )
    image = docker_archive(tmp_path / "image.tar", ImageSpec(layers=[base, upper]))
    results = [walk(image, [], parallel=parallel) for parallel in (False, True)]
    for result in results:
        visible = sorted(record.path for record in result.files if record.visible)
        assert visible == ["a/new", "big.bin", "pad.bin"]
        assert [(d.path, d.opaque) for d in result.deletions] == [("b", False), ("a", True)]
    assert [(r.path, r.layer_index, r.visible) for r in results[0].files] == [
        (r.path, r.layer_index, r.visible) for r in results[1].files
    ]


class SlowInWorker:
    """Sleeps on its first file in the worker; says whether it was interrupted by leaving a file."""

    name: ClassVar[str] = "slow"
    path_pattern: ClassVar[str] = ""

    def __init__(self, marker: Path) -> None:
        self.parent = os.getpid()
        self.marker = marker

    def required(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, content: FileContent) -> AnalysisResult:
        if os.getpid() != self.parent:
            try:
                time.sleep(60)
            finally:
                self.marker.write_text("unwound")  # as the walk's finally blocks remove spill files
        return AnalysisResult()


def test_a_failure_here_stops_the_worker_and_lets_it_unwind(tmp_path: Path) -> None:
    good = two_big_layers(tmp_path / "good.tar")
    second_id = open_image(str(good), Limits()).artifact.layers[1].diff_id
    bad = two_big_layers(tmp_path / "bad.tar", diff_ids=[sha256(b"not this layer"), second_id])
    marker = tmp_path / "marker"
    with pytest.raises(TargetError, match=r"layer 0 .*digest mismatch"):
        walk(bad, [SlowInWorker(marker)], parallel=True)  # layer 0 is walked here, layer 1 in the worker
    assert marker.read_text() == "unwound"


class BinAnalyzer(PathAnalyzer):
    """Wants only ``.bin`` files: the other records are the ones ``max_files`` may drop."""

    def required(self, path: str, mode: int, size: int) -> bool:
        return path.endswith(".bin")


def test_the_file_record_bound_applies_across_both_processes_as_in_one(tmp_path: Path) -> None:
    """``max_files`` counts the records of every layer in order: the merge applies it, not each process."""
    many = [(f"one/f{i}", "x") for i in range(30)]
    first = layer_tar(files(*many, ("one/data.bin", b"\x01" * BIG)))
    second = layer_tar(files(*[(f"two/f{i}", "y") for i in range(30)], ("two/data.bin", b"\x02" * BIG)))
    image = docker_archive(tmp_path / "image.tar", ImageSpec(layers=[first, second]))
    limits = Limits(max_files=40)
    results = []
    for parallel in (False, True):
        source = open_image(str(image), limits)
        try:
            results.append(Walker([BinAnalyzer()], limits, parallel=parallel).walk(source))
        finally:
            source.close()
    one, two = results
    assert one.files_truncated and two.files_truncated
    assert len(one.files) == 41  # 40 records, then only wanted files: the second layer's data.bin
    assert [(r.path, r.layer_index) for r in one.files] == [(r.path, r.layer_index) for r in two.files]
    assert summary(one) == summary(two)
