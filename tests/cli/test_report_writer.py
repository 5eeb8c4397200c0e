"""The SBOM formats are written by a child forked before the scan: same output, same errors, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

import pytest
from tests.conftest import mamoru

from mamoru.cli.report_writer import FORKED_FORMATS, ForkedWriter, report_writer
from mamoru.errors import ReportError
from mamoru.model.report import ScanReport
from mamoru.report import cyclonedx as cyclonedx_writer
from mamoru.scan.pipeline import ScanOptions, scan_image

pytestmark = pytest.mark.usefixtures("cache_dir")


@pytest.fixture(scope="module")
def app_report(images: Path) -> ScanReport:
    target = str(images / "app-docker.tar")
    return ScanReport(inventory=scan_image(target, ScanOptions()), target=target, command="sbom")


def comparable(path: Path) -> dict[str, Any]:
    """The document without what differs on every run (serial number, document namespace)."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    document.pop("serialNumber", None)
    document.pop("documentNamespace", None)
    return document


@pytest.mark.parametrize("report_format", sorted(FORKED_FORMATS))
def test_the_child_writes_what_this_process_would(app_report: ScanReport, tmp_path: Path, report_format: str) -> None:
    assert app_report.inventory.files, "the file list, which the child is not sent, must not matter"
    outputs = {}
    for fork in (True, False):
        outputs[fork] = tmp_path / f"{report_format}-{fork}.json"
        with report_writer(report_format, str(outputs[fork]), fork=fork) as write:
            write(app_report)
    forked = comparable(outputs[True])
    assert forked == comparable(outputs[False])
    assert len(forked.get("components") or forked.get("packages") or []) > 100
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in outputs.values())


def test_the_library_is_imported_by_the_child_only(images: Path, tmp_path: Path) -> None:
    """The point of the child: this process never loads cyclonedx-python-lib."""
    out = tmp_path / "bom.json"
    code = f"""
import sys
from mamoru.cli.report_writer import report_writer
from mamoru.model.report import ScanReport
from mamoru.scan.pipeline import ScanOptions, scan_image
with report_writer("cyclonedx", {str(out)!r}) as write:
    inventory = scan_image({str(images / "base-docker.tar")!r}, ScanOptions())
    write(ScanReport(inventory=inventory, target="base", command="sbom"))
print(sorted(name for name in sys.modules if name.startswith("cyclonedx")))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    names = {component["name"] for component in json.loads(out.read_text())["components"]}
    assert {"bash", "libc6", "dpkg"} <= names


def test_a_child_killed_before_writing_leaves_the_writing_here(app_report: ScanReport, tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    with ForkedWriter("cyclonedx", str(out)) as forked:
        os.kill(forked.pid, signal.SIGKILL)
        forked.write(app_report)
    assert forked.pid == 0
    assert {c["name"] for c in json.loads(out.read_text())["components"]} >= {"bash", "Django"}


def test_a_child_killed_while_writing_fails_the_command(
    app_report: ScanReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies_half_way(report: ScanReport, stream: TextIO) -> None:
        stream.write('{"bomFormat": ')
        stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(cyclonedx_writer, "render", dies_half_way)  # the child is forked with it
    out = tmp_path / "bom.json"
    with (
        pytest.raises(ReportError, match=r"ended \(status -9\) while writing"),
        report_writer("cyclonedx", str(out)) as write,
    ):
        write(app_report)
    assert not out.exists()


@pytest.mark.parametrize("error", [ReportError("SPDX document failed validation: x"), ValueError("a bug")])
def test_the_childs_error_is_raised_here(
    app_report: ScanReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fails(report: ScanReport, stream: TextIO) -> None:
        raise error

    monkeypatch.setattr(cyclonedx_writer, "render", fails)
    with pytest.raises(type(error), match=str(error)), report_writer("cyclonedx", str(tmp_path / "b.json")) as write:
        write(app_report)
    assert list(tmp_path.iterdir()) == []  # the temporary file removed


def test_a_failed_scan_stops_the_child_which_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    with pytest.raises(KeyboardInterrupt), ForkedWriter("spdx-json", str(out)) as forked:
        child = forked.pid
        raise KeyboardInterrupt
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("report_format", sorted(FORKED_FORMATS))
def test_cli_errors_and_stdout_through_the_child(images: Path, tmp_path: Path, report_format: str) -> None:
    image = str(images / "alpine-docker.tar")
    to_stdout = mamoru("sbom", image, "-f", report_format, "-q")
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert "musl" in to_stdout.stdout and json.loads(to_stdout.stdout)
    unwritable = mamoru("sbom", image, "-f", report_format, "-o", str(tmp_path / "missing" / "bom.json"))
    assert unwritable.returncode == 2
    assert unwritable.stderr.strip().splitlines() == [
        f"mamoru: error: cannot write {tmp_path / 'missing' / 'bom.json'}: No such file or directory"
    ]
    bad_image = tmp_path / "bad.tar"
    bad_image.write_bytes(b"junk" * 200)
    failed = mamoru("sbom", str(bad_image), "-f", report_format, "-o", str(tmp_path / "bom.json"))
    assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bom.json").exists()
