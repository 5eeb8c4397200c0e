"""The rpmdb reader against real databases, with Debian's ``rpm`` CLI as the ground truth."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from mamoru.analyzers.os.rpmdb import (
    RpmPackageRecord,
    detect_format,
    iter_bdb_blobs,
    iter_ndb_blobs,
    iter_sqlite_blobs,
    parse_header,
    read_rpmdb,
)

SQLITE = "cbl-mariner-2.0/rpmdb.sqlite"
BDB = "libuuid/Packages"
NDB = "sle15-bci/Packages.db"

_QF = "\t".join(
    [
        "%{NAME}",
        "%{EPOCHNUM}",
        "%{EPOCH}",
        "%{VERSION}",
        "%{RELEASE}",
        "%{ARCH}",
        "%{SOURCERPM}",
        "%{LICENSE}",
    ]
)
Row = tuple[str, ...]


def _rpm(dbdir: Path, backend: str, *args: str) -> list[str]:
    rpm = shutil.which("rpm")
    assert rpm, "these tests need Debian's rpm package (apt-get install rpm)"
    cmd = [rpm, "--define", f"_db_backend {backend}", "--dbpath", str(dbdir), *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def _copy(source: Path, tmp_path: Path) -> Path:
    """A writable private copy: rpm may create files next to the database."""
    dbdir = tmp_path / "db"
    dbdir.mkdir()
    shutil.copyfile(source, dbdir / source.name)
    return dbdir


def _rpm_rows(dbdir: Path, backend: str) -> list[Row]:
    lines = _rpm(dbdir, backend, "-qa", "--qf", _QF + "\n")
    return sorted(tuple(line.split("\t")) for line in lines)


def _rpm_files(dbdir: Path, backend: str) -> dict[str, list[str]]:
    """Every package's FILENAMES, the array ``rpm -ql`` prints."""
    files: dict[str, list[str]] = {}
    current: list[str] = []
    for line in _rpm(dbdir, backend, "-qa", "--qf", "@@ %{NAME}\n[%{FILENAMES}\n]"):
        if line.startswith("@@ "):
            current = files.setdefault(line[3:], [])
        else:
            current.append(line)
    return files


def _our_rows(packages: list[RpmPackageRecord]) -> list[Row]:
    """Our records in rpm's output format; rpm prints "(none)" for an absent tag."""

    def shown(value: str) -> str:
        return value or "(none)"

    return sorted(
        (
            p.name,
            str(p.epoch or 0),
            "(none)" if p.epoch is None else str(p.epoch),
            p.version,
            p.release,
            shown(p.arch),
            shown(p.source_rpm),
            shown(p.license),
        )
        for p in packages
    )


def _by_name(packages: list[RpmPackageRecord]) -> dict[str, RpmPackageRecord]:
    return {p.name: p for p in packages}


def test_testdata_path_is_relative_to_the_repo(testdata: Path) -> None:
    assert testdata.is_dir()
    assert {p.name for p in testdata.iterdir()} >= {"cbl-mariner-2.0", "libuuid", "sle15-bci"}


def test_detect_format_on_real_files(testdata: Path) -> None:
    expected = {SQLITE: "sqlite", BDB: "bdb", NDB: "ndb"}
    for name, fmt in expected.items():
        assert detect_format((testdata / name).read_bytes()[:16]) == fmt


def test_sqlite_packages_equal_rpm(testdata: Path, tmp_path: Path) -> None:
    packages, problems = read_rpmdb(testdata / SQLITE)
    assert problems == []
    assert len(packages) == 129
    assert _our_rows(packages) == _rpm_rows(_copy(testdata / SQLITE, tmp_path), "sqlite")


def test_bdb_packages_equal_rpm(testdata: Path, tmp_path: Path) -> None:
    packages, problems = read_rpmdb(testdata / BDB)
    assert problems == []
    rows = _rpm_rows(_copy(testdata / BDB, tmp_path), "bdb_ro")
    assert _our_rows(packages) == rows
    assert rows == [
        (
            "libuuid",
            "0",
            "(none)",
            "2.32.1",
            "42.el8_8",
            "x86_64",
            "util-linux-2.32.1-42.el8_8.src.rpm",
            "BSD",
        )
    ]


@pytest.mark.parametrize("name", ["glibc", "filesystem", "openssl-libs", "mariner-release"])
def test_sqlite_file_lists_equal_rpm_ql(testdata: Path, tmp_path: Path, name: str) -> None:
    packages, _ = read_rpmdb(testdata / SQLITE)
    files = _rpm(_copy(testdata / SQLITE, tmp_path), "sqlite", "-ql", name)
    assert len(files) > 1
    assert list(_by_name(packages)[name].files) == files


def test_sqlite_all_file_lists_equal_rpm(testdata: Path, tmp_path: Path) -> None:
    packages, _ = read_rpmdb(testdata / SQLITE)
    assert {p.name: list(p.files) for p in packages} == _rpm_files(_copy(testdata / SQLITE, tmp_path), "sqlite")


def test_bdb_file_list_equals_rpm(testdata: Path, tmp_path: Path) -> None:
    # Only Packages is stored (no Name index), so ``rpm -ql NAME`` cannot look the package up; with
    # one package in the database ``rpm -qal`` lists the same thing.
    packages, _ = read_rpmdb(testdata / BDB)
    files = _rpm(_copy(testdata / BDB, tmp_path), "bdb_ro", "-qal")
    assert list(packages[0].files) == files
    assert "/usr/lib64/libuuid.so.1.3.0" in files


def test_sqlite_other_fields(testdata: Path, tmp_path: Path) -> None:
    packages = _by_name(read_rpmdb(testdata / SQLITE)[0])
    qf = "%{NAME}\t%{VENDOR}\t%{SUMMARY}\t%{PACKAGER}\t%{LONGSIZE}\t%{MODULARITYLABEL}\n"
    for line in _rpm(_copy(testdata / SQLITE, tmp_path), "sqlite", "-qa", "--qf", qf):
        name, vendor, summary, packager, size, label = line.split("\t")
        ours = packages[name]
        assert (ours.vendor or "(none)", ours.summary, ours.packager or "(none)") == (
            vendor,
            summary,
            packager,
        )
        assert (str(ours.installed_size), ours.modularity_label or "(none)") == (size, label)


def test_ndb_headers_read_by_rpm(testdata: Path, tmp_path: Path) -> None:
    """Debian's rpm has no ndb backend, so move the ndb blobs into an SQLite rpmdb and let rpm read them.

    This checks the header parsing of every SUSE package against rpm itself; the ndb container
    layer is checked by the blob count, the Adler-32 checksums and the known packages below.
    """
    source = sqlite3.connect(f"file:{testdata / SQLITE}?mode=ro&immutable=1", uri=True)
    schema = [sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")]
    source.close()
    dbdir = tmp_path / "db"
    dbdir.mkdir()
    target = sqlite3.connect(dbdir / "rpmdb.sqlite")
    for sql in schema:
        if sql:
            target.execute(sql)
    with (testdata / NDB).open("rb") as f:
        target.executemany("INSERT INTO Packages (blob) VALUES (?)", ((blob,) for blob in iter_ndb_blobs(f)))
    target.commit()
    target.close()
    packages, problems = read_rpmdb(testdata / NDB)
    assert problems == []
    assert _our_rows(packages) == _rpm_rows(dbdir, "sqlite")
    assert {p.name: list(p.files) for p in packages} == _rpm_files(dbdir, "sqlite")


def test_ndb_known_packages(testdata: Path) -> None:
    with (testdata / NDB).open("rb") as f:
        assert len(list(iter_ndb_blobs(f))) == 35
    packages, problems = read_rpmdb(testdata / NDB)
    assert problems == []
    # Verified independently of this reader: the 35 name/version-release/arch triples, in this
    # order, are the list go-rpmdb's test suite took from ``rpm -qa`` inside
    # registry.suse.com/bci/bci-minimal:15.3 (as copied into fossa-cli's test/Ndb/NdbSpec.hs), and the
    # source rpm and license strings below appear verbatim in the file (``strings Packages.db``).
    assert [p.name for p in packages][:4] == ["system-user-root", "filesystem", "glibc", "libpcre1"]
    assert packages[-1].name == "rpm-ndb"
    known = _by_name(packages)
    assert known["glibc"] == RpmPackageRecord(
        name="glibc",
        epoch=None,
        version="2.31",
        release="9.3.2",
        arch="x86_64",
        source_rpm="glibc-2.31-9.3.2.src.rpm",
        license="LGPL-2.1-or-later AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND GPL-2.0-or-later",
        vendor="SUSE LLC <https://www.suse.com/>",
        summary=known["glibc"].summary,
        packager="https://www.suse.com/",
        modularity_label="",
        installed_size=known["glibc"].installed_size,
        files=known["glibc"].files,
    )
    libgcc = known["libgcc_s1"]
    assert (libgcc.version, libgcc.release, libgcc.arch) == ("11.2.1+git610", "1.3.9", "x86_64")
    assert libgcc.source_rpm == "gcc11-11.2.1+git610-1.3.9.src.rpm"
    assert libgcc.license == "GPL-3.0-or-later WITH GCC-exception-3.1"
    assert libgcc.files == ("/lib64/libgcc_s.so.1",)
    assert (known["rpm-ndb"].version, known["rpm-ndb"].release) == ("4.14.3", "40.1")
    assert known["ca-certificates-mozilla-prebuilt"].arch == "noarch"


def test_public_iterators_agree(testdata: Path) -> None:
    sqlite_names = [parse_header(blob).name for blob in iter_sqlite_blobs(str(testdata / SQLITE))]
    assert len(sqlite_names) == 129
    with (testdata / BDB).open("rb") as f:
        assert [parse_header(blob).name for blob in iter_bdb_blobs(f)] == ["libuuid"]


def test_sqlite_read_leaves_no_files(testdata: Path, tmp_path: Path) -> None:
    dbdir = _copy(testdata / SQLITE, tmp_path)
    read_rpmdb(dbdir / "rpmdb.sqlite")
    list(iter_sqlite_blobs(str(dbdir / "rpmdb.sqlite")))
    assert [p.name for p in dbdir.iterdir()] == ["rpmdb.sqlite"]


def test_sqlite_read_is_fast(testdata: Path) -> None:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        packages, _ = read_rpmdb(testdata / SQLITE)
        timings.append(time.perf_counter() - start)
    assert len(packages) == 129
    assert min(timings) < 0.1, timings
