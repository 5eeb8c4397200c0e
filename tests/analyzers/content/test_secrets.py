"""Secrets in the files of real images: every planted one found with its layer, none in clean OS images."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import mamoru

from mamoru.analyzers.content.secrets import MAX_SECRET_FILE
from mamoru.model.finding import FindingKind
from mamoru.model.inventory import NoteKind
from mamoru.scan.pipeline import ScanOptions, scan_filesystem, scan_image

SECRETS = ScanOptions(scanners=frozenset({FindingKind.SECRET}))
PLANTED = {
    # (rule, path, layer index, still visible)
    ("SEC-001", "app/config.py", 2, True), ("SEC-002", "app/config.py", 2, True),
    ("SEC-003", "app/config.py", 2, True),
    ("SEC-001", "app/.env", 2, False), ("SEC-002", "app/.env", 2, False), ("SEC-065", "app/.env", 2, False),
    ("SEC-012", "root/.ssh/id_rsa", 2, False),
}  # fmt: skip


@pytest.mark.images
@pytest.mark.usefixtures("cache_dir")
def test_planted_file_secrets_found_with_their_layer(images: Path) -> None:
    inventory = scan_image(str(images / "app-docker.tar"), SECRETS)
    in_files = {(f.rule_id, f.location.path, f.location.layer.index, f.location.visible)
                for f in inventory.findings if f.location and f.location.path and f.location.layer}  # fmt: skip
    assert in_files == PLANTED
    in_config = {(f.rule_id, f.message) for f in inventory.findings if not (f.location and f.location.path)}
    assert ("SEC-100", "Secret in an image environment variable: image config ENV DB_PASSWORD") in in_config
    assert ("SEC-002", "AWS secret access key: image config ENV AWS_SECRET_ACCESS_KEY") in in_config
    assert len(in_config) == 2


@pytest.mark.images
@pytest.mark.usefixtures("cache_dir")
@pytest.mark.parametrize("image", ["base-docker.tar", "alpine-docker.tar"])
def test_clean_os_images_have_no_secret_findings(images: Path, image: str) -> None:
    assert scan_image(str(images / image), SECRETS).findings == []


@pytest.mark.images
def test_reports_never_hold_the_secret_values(images: Path, cache_dir: Path) -> None:
    report = mamoru("image", str(images / "app-docker.tar"), "--scanners", "secret", "-f", "json", "-q")
    assert report.returncode == 0, report.stderr
    text = report.stdout
    for value in ("q8J2mVn4Rt6Yx1Pz9Lk3Hb7Wd5Fs0Gc2Ne4Ua8Qo", "AKIAZ7VRSQ4TQPLK3MBW", "hunter2hunter2",
                  "supersecret123", "ghp_R4nd0mT0k3nF0rT3st1ngPurp0s3sOnly123"):  # fmt: skip
        assert value not in text
    findings = json.loads(text)["findings"]
    assert all(f["evidence"][1].startswith("sha256:") for f in findings)


def test_binary_and_large_files_and_doc_dirs(tmp_path: Path, cache_dir: Path) -> None:
    token = "AKIA" + "Z7VRSQ4TQPLK3MBW"
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "tool").write_bytes(b"\x7fELF\x00\x00" + token.encode() + b"\x00" * 100)
    (tmp_path / "usr/share/doc/pkg").mkdir(parents=True)
    (tmp_path / "usr/share/doc/pkg/README").write_text(f"example: {token}\n")
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "app.ini").write_text(f"[aws]\nkey = {token}\n")
    found = {(f.rule_id, f.location.path) for f in scan_filesystem(str(tmp_path), SECRETS).findings if f.location}
    assert found == {("SEC-001", "srv/app.ini")}


def test_dpkg_records_are_skipped_and_maintainer_scripts_scanned(tmp_path: Path, cache_dir: Path) -> None:
    token = "AKIA" + "Z7VRSQ4TQPLK3MBW"
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    for suffix in ("list", "md5sums", "symbols", "shlibs", "triggers", "conffiles", "templates", "postinst"):
        (info / f"tool.{suffix}").write_text(f"/opt/tool/{token}\n")
    with (info / "libbig.symbols").open("wb") as handle:  # out of scope, so not "skipped for its size" either
        handle.truncate(MAX_SECRET_FILE + 1)
    inventory = scan_filesystem(str(tmp_path), SECRETS)
    assert {f.location.path for f in inventory.findings if f.location} == {"var/lib/dpkg/info/tool.postinst"}
    assert [n for n in inventory.notes if n.source == "secrets"] == []


def test_files_too_large_to_scan_are_noted_once(tmp_path: Path, cache_dir: Path) -> None:
    token = "AKIA" + "Z7VRSQ4TQPLK3MBW"
    (tmp_path / "data").mkdir()
    for index, size in enumerate((MAX_SECRET_FILE + 1, MAX_SECRET_FILE + (3 << 20), 2 * MAX_SECRET_FILE)):
        with (tmp_path / "data" / f"dump{index}.sql").open("wb") as handle:
            handle.write(f"-- key {token}\n".encode())
            handle.truncate(size)
    (tmp_path / "data" / "small.cfg").write_text(f"key = {token}\n")
    inventory = scan_filesystem(str(tmp_path), SECRETS)
    assert {(f.rule_id, f.location.path) for f in inventory.findings if f.location} == {("SEC-001", "data/small.cfg")}
    notes = [n for n in inventory.notes if n.source == "secrets"]
    assert len(notes) == 1 and notes[0].kind is NoteKind.SKIPPED
    assert notes[0].message.startswith("secret scan skipped 3 files larger than 8 MiB (35.0 MiB in all): ")
    assert "/data/dump2.sql (16 MiB), /data/dump1.sql (11 MiB), /data/dump0.sql (8.0 MiB)" in notes[0].message


def test_no_note_without_large_files(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "app.ini").write_text("[app]\nname = x\n")
    assert [n for n in scan_filesystem(str(tmp_path), SECRETS).notes if n.source == "secrets"] == []


def test_modules_shipped_without_source_are_scanned_compiled(tmp_path: Path, cache_dir: Path) -> None:
    """A sourceless .pyc is read for its string constants; a __pycache__ copy of a scanned source is not."""
    import py_compile

    token = "AKIA" + "Z7VRSQ4TQPLK3MBW"
    app = tmp_path / "app"
    (app / "__pycache__").mkdir(parents=True)
    source = tmp_path / "settings.py"
    source.write_text(f"AWS_KEY = {token!r}\nNAME = 'settings'\n")
    py_compile.compile(str(source), cfile=str(app / "settings.pyc"), doraise=True)  # sourceless: no app/settings.py
    py_compile.compile(str(source), cfile=str(app / "__pycache__" / "cache.cpython-311.pyc"), doraise=True)
    source.unlink()
    (app / "data.pyc").write_bytes(b"\x00\x01\x02\x03" + token.encode() + bytes(64))  # not a .pyc inside
    findings = [f for f in scan_filesystem(str(tmp_path), SECRETS).findings if f.location]
    assert [(f.rule_id, f.location.path, f.location.line) for f in findings] == [("SEC-001", "app/settings.pyc", None)]
    assert findings[0].message == "AWS access key ID: /app/settings.pyc (a string constant of the compiled module)"


def test_a_hostile_compiled_module_is_read_in_part_with_a_note(tmp_path: Path, cache_dir: Path) -> None:
    """Text where every other byte looks like a string header: the reader stops at its bound and says so."""
    import random

    rng = random.Random(3)
    body = bytes(rng.choice(b"zZabcdefghijklmnopqrstuvwxy0123456789") for _ in range(100_000))
    (tmp_path / "mod.pyc").write_bytes(b"\xa7\r\r\n" + bytes(12) + body)
    inventory = scan_filesystem(str(tmp_path), SECRETS)
    notes = [n.message for n in inventory.notes if n.source == "secrets" and n.path == "mod.pyc"]
    assert notes == ["the compiled module's string constants were read only in part"]


def test_secrets_in_a_spring_boot_jar(tmp_path: Path, cache_dir: Path) -> None:
    """The application's own configuration inside a jar is scanned like a file; bundled libraries only
    for specific formats; compiled classes not at all. A jar over 8 MiB is read, not noted as skipped."""
    from tests.helpers import zip_bytes

    key = "AKIA" + "Z7VRSQ4TQPLK3MBW"
    library = zip_bytes({"defaults.yml": f"aws:\n  key: {key}\npassword: 'q8J2mVn4Rt6Yx1Pz9Lk3'\n".encode()})
    jar = zip_bytes({
        "BOOT-INF/classes/application.properties": b"spring.datasource.password=q8J2mVn4Rt6Yx1Pz9Lk3\n",
        "BOOT-INF/classes/App.class": key.encode(),
        "BOOT-INF/lib/library-1.0.jar": library,
        "META-INF/maven/com.example/app/pom.xml": b"<password>Zq8W3kLm9Xv2Tn5Rp7Yb</password>\n",
        "BOOT-INF/classes/static/blob.bin": __import__("random").Random(5).randbytes(9 << 20),
    })  # fmt: skip
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.jar").write_bytes(jar)
    assert len(jar) > MAX_SECRET_FILE
    inventory = scan_filesystem(str(tmp_path), SECRETS)
    found = sorted((f.rule_id, f.message) for f in inventory.findings)
    assert found == [
        ("SEC-001", "AWS access key ID: /app/app.jar:BOOT-INF/lib/library-1.0.jar:defaults.yml line 2"),
        ("SEC-064", "Generic secret assignment: /app/app.jar:BOOT-INF/classes/application.properties line 1"),
    ]
    places = sorted((f.location.path, f.location.line) for f in inventory.findings if f.location)
    assert places == [("app/app.jar:BOOT-INF/classes/application.properties", 1),
                      ("app/app.jar:BOOT-INF/lib/library-1.0.jar:defaults.yml", 2)]  # fmt: skip
    assert [n for n in inventory.notes if n.source == "secrets"] == []


def test_real_library_jars_hold_no_secret(tmp_path: Path, cache_dir: Path) -> None:
    """Debian's Maven jars, copied where an application keeps its libraries: nothing to report."""
    import shutil

    jars = [p for p in Path("/usr/share/java").glob("*.jar") if p.is_file() and not p.is_symlink()]
    assert jars, "Debian's Maven jars (libmaven3-core-java, which .ci/run installs) are missing"
    (tmp_path / "app" / "lib").mkdir(parents=True)
    for jar in jars:
        shutil.copy(jar, tmp_path / "app" / "lib" / jar.name)
    assert scan_filesystem(str(tmp_path), SECRETS).findings == []
