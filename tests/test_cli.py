"""The command line as users meet it: exit codes, one-line errors, outputs, progress, hostile inputs."""

from __future__ import annotations

import gzip
import json
import os
import pty
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest
from tests.conftest import mamoru
from tests.helpers import DPKG_STATUS, OS_RELEASE, Entry, ImageSpec, docker_archive, files, layer_tar

NO_DAEMON = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mamoru: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_help_lists_commands_and_formats() -> None:
    top = mamoru("--help")
    assert top.returncode == 0
    for command in ("image", "fs", "sbom", "demo"):
        assert command in top.stdout
    image = mamoru("image", "--help")
    formats = image.stdout.replace(" ", "").replace("\n", "")
    assert "[table|json|sarif|junit|markdown|html|cyclonedx|spdx-json]" in formats
    assert mamoru("--version").stdout.startswith("mamoru, version ")


def test_demo_runs_offline_without_docker(cache_dir: Path) -> None:
    result = mamoru("demo", env=NO_DAEMON)
    assert result.returncode == 0, result.stderr
    assert "debian 12.15 (bookworm)" in result.stdout
    assert "RUN apt-get update && apt-get install -y --no-install-recommends openssl" in result.stdout
    assert "libssl3" in result.stdout and "Packages: 6 (6 deb)" in result.stdout
    document = json.loads(mamoru("demo", "-f", "json", env=NO_DAEMON).stdout)
    assert {p["name"]: p["layer"]["index"] for p in document["packages"]}["openssl"] == 1


def test_output_file_and_quiet(cache_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sbom.json"
    result = mamoru("demo", "-f", "cyclonedx", "-o", str(out), "-q")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert json.loads(out.read_text())["bomFormat"] == "CycloneDX"
    assert not list(tmp_path.glob("sbom.json.tmp-*"))
    missing_dir = mamoru("demo", "-o", str(tmp_path / "no" / "such" / "dir" / "x.json"))
    assert_one_line_error(missing_dir, 2, "cannot write")


def test_missing_target(cache_dir: Path, tmp_path: Path) -> None:
    assert_one_line_error(mamoru("image", str(tmp_path / "nope.tar"), env=NO_DAEMON), 2, "nope.tar", "no such file")
    assert_one_line_error(mamoru("fs", str(tmp_path / "nope")), 2, "no such file or directory")


def test_empty_target(cache_dir: Path) -> None:
    assert_one_line_error(mamoru("image", "", env=NO_DAEMON), 2, "target is empty")


@pytest.mark.images
def test_platform_other_than_the_images_is_refused(images: Path, cache_dir: Path) -> None:
    """A single image is not another platform's because --platform says so; a matching or partial one is fine."""
    for target in (images / "base-docker.tar", f"{images / 'oci'}:base"):
        assert_one_line_error(mamoru("sbom", str(target), "--platform", "linux/arm64"), 2,
                              "is a linux/amd64 image, not linux/arm64 (--platform)")  # fmt: skip
        for platform in ("linux/amd64", "linux"):
            assert mamoru("sbom", str(target), "--platform", platform, "-q", "-o", os.devnull).returncode == 0


def test_fs_on_an_image_points_to_image(cache_dir: Path, tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "img.tar", ImageSpec(layers=[layer_tar(files(("etc/os-release", OS_RELEASE)))]))
    assert_one_line_error(mamoru("fs", str(image)), 2, "is a container image", "mamoru image")


def test_fs_on_a_compressed_image_points_to_image(cache_dir: Path, tmp_path: Path) -> None:
    image = docker_archive(tmp_path / "img.tar", ImageSpec(layers=[layer_tar(files(("etc/os-release", OS_RELEASE)))]))
    packed = tmp_path / "img.tar.gz"
    packed.write_bytes(gzip.compress(image.read_bytes()))
    assert_one_line_error(mamoru("fs", str(packed)), 2, "is a container image", "mamoru image")


@pytest.mark.parametrize("command", ["fs", "sbom"])
def test_a_file_that_is_no_tarball_is_refused(command: str, cache_dir: Path, tmp_path: Path) -> None:
    """Not scanned as an empty filesystem: one line, exit 2, saying what the file is not."""
    plain = tmp_path / "notes.tar"
    plain.write_text("not a tar\n")
    assert_one_line_error(mamoru(command, str(plain)), 2, "root filesystem tarball", "the file is not a tar")
    packed = tmp_path / "passwd.gz"
    packed.write_bytes(gzip.compress(b"root:x:0:0:root:/root:/bin/bash\n" * 40))
    assert_one_line_error(mamoru(command, str(packed)), 2, "the gzip data in it is not a tar archive")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 20)  # a gzip header, no deflate data
    assert_one_line_error(mamoru(command, str(broken)), 2, "cannot decompress")


def test_bad_option_value() -> None:
    result = mamoru("image", "x.tar", "--format", "xml")
    assert result.returncode == 2 and "Invalid value for '--format'" in result.stderr


def malformed_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = ImageSpec(layers=[gzip.compress(layer_tar(files(("etc/os-release", OS_RELEASE))))])
    cases: dict[str, tuple[Path, str]] = {}
    cases["manifest not JSON"] = (docker_archive(tmp_path / "a.tar", good, manifest=b"{oops"), "not valid JSON")
    mismatch = ImageSpec(layers=good.layers, diff_ids=["sha256:" + "0" * 64])
    cases["digest mismatch"] = (docker_archive(tmp_path / "b.tar", mismatch), "digest mismatch")
    whole = docker_archive(tmp_path / "c.tar", good)
    with tarfile.open(whole) as archive:
        cut = archive.getmember("manifest.json").offset_data + 5
    (tmp_path / "truncated.tar").write_bytes(whole.read_bytes()[:cut])
    cases["truncated archive"] = (tmp_path / "truncated.tar", "is truncated")
    (tmp_path / "random.bin").write_bytes(os.urandom(4096))
    cases["random bytes"] = (tmp_path / "random.bin", "not a readable tar archive")
    (tmp_path / "empty.tar").write_bytes(b"")
    cases["empty file"] = (tmp_path / "empty.tar", "")
    (tmp_path / "notimage").mkdir()
    cases["plain directory"] = (tmp_path / "notimage", "mamoru fs")
    return cases


@pytest.mark.parametrize(
    "case",
    ["manifest not JSON", "digest mismatch", "truncated archive", "random bytes", "empty file", "plain directory"],
)
def test_malformed_images_give_one_line_and_exit_2(case: str, cache_dir: Path, tmp_path: Path) -> None:
    path, fragment = malformed_inputs(tmp_path)[case]
    assert_one_line_error(mamoru("image", str(path), env=NO_DAEMON), 2, fragment)


def test_sbom_of_a_truncated_image_archive_is_an_error(images: Path, cache_dir: Path, tmp_path: Path) -> None:
    """A download cut short is refused as an image, not read as an (almost empty) root filesystem."""
    for name in ("base-docker.tar", "docker-save.tar"):  # skopeo's layout and Docker 20.10's `docker save`
        cut = tmp_path / f"cut-{name}"
        with (images / name).open("rb") as whole:
            cut.write_bytes(whole.read(64 * 1024))
        for command in ("sbom", "image"):
            assert_one_line_error(mamoru(command, str(cut), env=NO_DAEMON), 2, "is truncated")


def test_hostile_layer_writes_nothing_outside_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    layer = layer_tar(
        [
            Entry("../../../escaped.txt", b"pwned"),
            Entry("/abs-escape.txt", b"pwned"),
            Entry("var/lib/dpkg/status", DPKG_STATUS.encode()),
            Entry("etc/os-release", OS_RELEASE.encode()),
            Entry("link", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            Entry("dev/zero", type=tarfile.CHRTYPE),
            Entry("fifo", type=tarfile.FIFOTYPE),
        ]
    )
    image = docker_archive(work / "hostile.tar", ImageSpec(layers=[layer]))
    before = {p for p in tmp_path.rglob("*")}
    result = mamoru("image", str(image), "-f", "json", cwd=work, env={"HOME": str(tmp_path / "home")})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [p["name"] for p in document["packages"]] == ["bash", "libc6"]
    assert any("escapes the root" in n["message"] for n in document["notes"])
    created = {p for p in tmp_path.rglob("*")} - before
    assert all(cache_dir in p.parents or p == cache_dir for p in created), created
    assert not (tmp_path / "escaped.txt").exists() and not Path("/abs-escape.txt").exists()
    assert not list(cache_dir.rglob("tmp/*"))  # no scratch file is left behind


def test_gzip_bomb_layer_is_refused(cache_dir: Path, tmp_path: Path) -> None:
    """A layer whose single member claims 1 GiB of zeros: ~1 MB gzipped, refused past the ratio bound."""
    header = tarfile.TarInfo("bomb.bin")
    header.size = 1 << 30
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunks = [compressor.compress(header.tobuf(format=tarfile.PAX_FORMAT))]
    zeros = bytes(1 << 20)
    chunks.extend(compressor.compress(zeros) for _ in range(1024))
    chunks.append(compressor.flush())
    bomb = b"".join(chunks)
    image = docker_archive(tmp_path / "bomb.tar", ImageSpec(layers=[bomb], diff_ids=["sha256:" + "1" * 64]))
    assert_one_line_error(mamoru("image", str(image)), 2, "decompression bomb")


def test_many_files_image_is_bounded(cache_dir: Path, tmp_path: Path) -> None:
    """200,000 files in one layer: a complete result in bounded memory (peak RSS of the CLI process)."""
    entries = [Entry(f"data/d{i // 1000}/f{i}", b"") for i in range(200_000)]
    entries.append(Entry("var/lib/dpkg/status", DPKG_STATUS.encode()))
    image = docker_archive(tmp_path / "many.tar", ImageSpec(layers=[layer_tar(entries)]))
    result = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "maxrss-kib=%M",
            sys.executable,
            "-m",
            "mamoru",
            "image",
            str(image),
            "-f",
            "json",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["files"] == 200_001
    assert len(document["packages"]) == 2
    peak_kib = int(result.stderr.strip().rpartition("maxrss-kib=")[2])
    assert peak_kib < 400 * 1024, f"peak RSS {peak_kib} KiB for 200k files"


def test_progress_only_on_a_terminal(cache_dir: Path) -> None:
    piped = mamoru("demo")
    assert "layer 0" not in piped.stderr and "\x1b[" not in piped.stderr
    pid, fd = pty.fork()
    if pid == 0:  # child: the CLI on a terminal
        os.execv(sys.executable, [sys.executable, "-m", "mamoru", "demo", "-o", os.devnull])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[" in output  # rich drew (and then cleared) the progress display


@pytest.mark.parametrize(
    ("command", "report_format", "output"),
    [
        ("image", "table", "-"),
        ("image", "json", "-"),
        ("sbom", "cyclonedx", "-"),
        ("sbom", "spdx-json", "/dev/stdout"),  # a device named as the output: the same pipe
        ("image", "json", "/dev/stdout"),
    ],
)
def test_a_reader_that_goes_away_ends_the_scan_quietly_with_141(
    images: Path, cache_dir: Path, command: str, report_format: str, output: str
) -> None:
    """``mamoru … | head``: exit 141 as for SIGPIPE, not the gate's 1 or an internal error."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    scanners = ["--scanners", "secret"] if command == "image" else []
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mamoru", command, str(images / "alpine-docker.tar"), *scanners,
             "-f", report_format, "-o", output, "-q"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, check=False, timeout=300,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert "error" not in result.stderr and "Traceback" not in result.stderr


def test_exit_codes_pass_through_the_console_script(cache_dir: Path, tmp_path: Path) -> None:
    assert mamoru("--version").returncode == 0
    assert mamoru("image", str(tmp_path / "missing.tar")).returncode == 2
    assert mamoru("no-such-command").returncode == 2


def test_output_to_a_fifo_or_device_writes_through_it(cache_dir: Path, tmp_path: Path) -> None:
    """``-o /dev/null`` or ``-o some.fifo`` must not be replaced by a regular file."""
    import stat
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = mamoru("demo", "-f", "json", "-o", str(fifo), "-q")
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["schema"] == "mamoru-report"
    assert mamoru("demo", "-o", "-", "-q").stdout.startswith("mamoru-demo:latest")


def test_user_yara_rules_hash_lists_and_secret_allowlist(cache_dir: Path, tmp_path: Path) -> None:
    import hashlib

    sample = b"#!/bin/sh\n# MAMORU_CLI_MARKER\n"
    secret = 'aws_secret_access_key = "q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo"\n'
    image = docker_archive(tmp_path / "img.tar", ImageSpec(layers=[layer_tar(files(
        ("etc/os-release", OS_RELEASE), ("srv/tool.sh", sample), ("srv/app.ini", secret)))]))  # fmt: skip
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "marker.yar").write_text('rule cli_marker { strings: $a = "MAMORU_CLI_MARKER" condition: $a }')
    hashes = tmp_path / "bad.hsb"
    hashes.write_text(f"{hashlib.sha256(sample).hexdigest()}:{len(sample)}:Mamoru.Test.Sample\n")
    allow = tmp_path / "allow.yaml"
    allow.write_text("allow:\n  - path: srv/app.ini\n    reason: test fixture credentials, rotated\n")
    result = mamoru("image", str(image), "--scanners", "malware,secret", "-f", "json", "-q", "--yara-rules",
                    str(rules), "--malware-hashes", str(hashes), "--secret-allowlist", str(allow))  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = {(f["ruleId"], f["evidence"][0]) for f in json.loads(result.stdout)["findings"]}
    assert found == {("MAL-100", "yara:user_1:cli_marker"), ("MAL-101", f"sha256:{hashlib.sha256(sample).hexdigest()}")}
    allow.write_text("allow:\n  - path: srv/app.ini\n")
    missing_reason = mamoru("image", str(image), "--scanners", "secret", "--secret-allowlist", str(allow))
    assert_one_line_error(missing_reason, 2, "needs a reason")
    (rules / "broken.yar").write_text("rule broken { condition: }")
    bad_rules = mamoru("image", str(image), "--scanners", "malware", "--yara-rules", str(rules))
    assert_one_line_error(bad_rules, 2, "YARA rules do not compile")


def test_debug_shows_mamorus_log_without_the_libraries_chatter(images: Path, cache_dir: Path, tmp_path: Path) -> None:
    """``--debug`` on an SBOM: the layer worker's line, not py-serializable's line per object it dumps."""
    result = mamoru("sbom", str(images / "app-docker.tar"), "--debug", "-o", str(tmp_path / "bom.json"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("DEBUG mamoru.walk.layer_worker: layer worker walked layers") for line in lines)
    assert any(line.startswith("DEBUG mamoru.scan.pipeline: walked 5 layers (") for line in lines)  # where time went
    assert any(line.startswith("DEBUG mamoru.cli.report_writer: report (") for line in lines)
    assert all(line.split(" ", 2)[1].startswith("mamoru") for line in lines if line.startswith("DEBUG")), lines[:5]


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.35])
def test_ctrl_c_ends_the_scan_and_its_helpers_leaving_nothing(
    images: Path, cache_dir: Path, tmp_path: Path, delay: float
) -> None:
    """Ctrl-C (SIGINT to the process group) at any point: exit 130, one line, no helper left, no output file."""
    import signal
    import time

    out = tmp_path / "bom.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "mamoru", "sbom", str(images / "app-docker.tar"), "-o", str(out), "-q"],
        start_new_session=True, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background job may inherit SIG_IGN
    )  # fmt: skip
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:  # the scan had already finished: nothing to interrupt
        assert out.exists()
        return
    assert process.returncode == 130, stderr
    assert stderr.strip() == "mamoru: error: interrupted"
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # the process group is empty: the layer worker and report writer are gone
    assert list(tmp_path.iterdir()) == []
