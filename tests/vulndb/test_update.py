"""``db update`` against a real local HTTP mirror on 127.0.0.1, built here from the shared advisory data.

The server is Python's ``http.server`` with the parts of HTTP a feed server speaks (``Range`` with
``If-Range``, ``ETag``/``Last-Modified``, ``If-None-Match`` → 304) and a switch that cuts a response
short, so the real download path is tested: resume after an interruption, a feed that changed
between two attempts, checksum verification, and the database swapped in only when all is well.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import mamoru

from mamoru.vulndb.download import DownloadError, fetch
from mamoru.vulndb.feeds import Feed, default_feeds, select
from mamoru.vulndb.store import Store
from mamoru.vulndb.update import feeds_dir, update

FEEDS = ("osv-pypi", "osv-npm", "osv-debian", "alpine-v3.21-main", "alpine-v3.21-community", "debian-tracker")


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with Range/If-Range, validators, 304s, and an optional cut-off per path."""

    server: MirrorServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        stat = path.stat()
        etag = f'"{stat.st_size}-{stat.st_mtime_ns}"'
        relative = self.path.lstrip("/")
        self.server.requests.append((relative, self.headers.get("Range"), self.headers.get("If-Range")))
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        start = 0
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes=") and self.headers.get("If-Range") in (None, etag):
            start = int(ranged[6:].split("-", 1)[0])
        self.send_response(206 if start else 200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        body = data[start:]
        cut = self.server.cut.pop(relative, None)
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class MirrorServer(http.server.ThreadingHTTPServer):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str | None, str | None]] = []
        self.cut: dict[str, int] = {}
        handler = lambda *args: MirrorHandler(*args, directory=str(root))  # noqa: E731
        super().__init__(("127.0.0.1", 0), handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def _zip(target: Path, files: list[Path], base: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(base).as_posix().replace("/", "_"))


def write_checksums(root: Path) -> None:
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}"
             for p in sorted(root.rglob("*")) if p.is_file() and p.name != "SHA256SUMS"]  # fmt: skip
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def mirror_dir(vulndata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mirror layout of the feeds, filled from the real shared data."""
    root = tmp_path_factory.mktemp("mirror")
    pysec = vulndata / "pypa/advisory-database/vulns"
    names = ("requests", "django", "flask", "jinja2", "pyyaml", "redis")
    pypi = [p for name in names for p in sorted((pysec / name).glob("*.yaml"))]
    pypi += sorted((vulndata / "vulsio/vuls-data-raw-pip-ghsa/2018").rglob("*.json"))
    _zip(root / "osv/PyPI/all.zip", pypi, vulndata)
    _zip(root / "osv/npm/all.zip", sorted((vulndata / "vulsio/vuls-data-raw-npm-ghsa/2020").rglob("*.json")), vulndata)
    _zip(root / "osv/Debian/all.zip", sorted((vulndata / "vulsio/vuls-data-raw-debian-osv/DSA").rglob("*.json")),
         vulndata)  # fmt: skip
    for repo in ("main", "community"):
        target = root / f"alpine-secdb/v3.21/{repo}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((vulndata / f"vulsio/vuls-data-raw-alpine-secdb/3.21/{repo}.json").read_bytes())
    tracker = root / "debian-tracker/tracker.json"
    tracker.parent.mkdir(parents=True)
    tracker.write_bytes((vulndata / "anchore/vunnel/tests/unit/providers/debian/test-fixtures/input/debian.json")
                        .read_bytes())  # fmt: skip
    write_checksums(root)
    return root


@pytest.fixture()
def server(mirror_dir: Path, tmp_path: Path) -> Iterator[MirrorServer]:
    """A private copy of the mirror behind a fresh server (tests change files on it)."""
    root = tmp_path / "served"
    for path in mirror_dir.rglob("*"):
        if path.is_file():
            target = root / path.relative_to(mirror_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    httpd = MirrorServer(root)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def feeds() -> list[Feed]:
    return select(default_feeds(), FEEDS)


def test_update_from_an_http_mirror(server: MirrorServer, tmp_path: Path) -> None:
    db = tmp_path / "db" / "vulndb.sqlite"
    result = update(db, feeds(), server.url)
    assert not result.failed and sorted(result.fetched) == sorted(FEEDS)
    store = Store.open(db)
    try:
        sources = {s.name: s for s in store.sources()}
        assert {"ghsa", "pypa", "debian-osv", "alpine-secdb", "debian-tracker"} <= set(sources)
        assert sources["ghsa"].origin.startswith(server.url)
        namespaces = store.namespaces()
        assert {"pypi", "npm", "debian:12", "alpine:3.21"} <= set(namespaces)
        assert any(e.id == "PYSEC-2018-28" for e in store.lookup("pypi", ["requests"]))
    finally:
        store.close()
    server.requests.clear()
    again = update(db, feeds(), server.url)
    assert not again.failed and sorted(again.unchanged) == sorted(FEEDS)  # 304 Not Modified for each


def test_interrupted_download_resumes_and_leaves_no_half_database(server: MirrorServer, tmp_path: Path) -> None:
    db = tmp_path / "db" / "vulndb.sqlite"
    size = (server.root / "osv/PyPI/all.zip").stat().st_size
    half = size // 2
    server.cut["osv/PyPI/all.zip"] = half
    first = update(db, feeds(), server.url)
    assert list(first.failed) == ["osv-pypi"] and "resume" in first.failed["osv-pypi"]
    assert not db.exists()  # nothing swapped in: an update is all or nothing
    part = feeds_dir(db) / "osv/PyPI/all.zip.part"
    assert part.stat().st_size == half
    server.requests.clear()
    second = update(db, feeds(), server.url)
    assert not second.failed
    resumed = [r for r in server.requests if r[0] == "osv/PyPI/all.zip"]
    assert resumed and resumed[0][1] == f"bytes={half}-" and resumed[0][2]  # Range with If-Range
    original = server.root / "osv/PyPI/all.zip"
    assert (feeds_dir(db) / "osv/PyPI/all.zip").read_bytes() == original.read_bytes()
    assert not part.exists() and db.is_file()


def test_a_feed_that_changed_mid_download_is_fetched_whole(server: MirrorServer, tmp_path: Path,
                                                           vulndata: Path) -> None:  # fmt: skip
    db = tmp_path / "db" / "vulndb.sqlite"
    served_zip = server.root / "osv/npm/all.zip"
    half = served_zip.stat().st_size // 2
    server.cut["osv/npm/all.zip"] = half
    assert "osv-npm" in update(db, feeds(), server.url).failed
    # the feed is republished: different bytes, a new validator, new checksums
    files = sorted((vulndata / "vulsio/vuls-data-raw-npm-ghsa/2020").rglob("*.json"))[:-50]
    _zip(served_zip, files, vulndata)
    os.utime(served_zip, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    write_checksums(server.root)
    server.requests.clear()
    result = update(db, feeds(), server.url)
    assert not result.failed
    (request,) = [r for r in server.requests if r[0] == "osv/npm/all.zip"]
    assert request[1] == f"bytes={half}-"  # it asked to resume, the server sent the new file whole
    assert (feeds_dir(db) / "osv/npm/all.zip").read_bytes() == served_zip.read_bytes()


def test_checksum_mismatch_keeps_the_old_database(server: MirrorServer, tmp_path: Path) -> None:
    db = tmp_path / "db" / "vulndb.sqlite"
    assert not update(db, feeds(), server.url).failed
    before = db.read_bytes()
    sums = server.root / "SHA256SUMS"
    (server.root / "alpine-secdb/v3.21/main.json").write_bytes(b'{"packages": []}')
    sums.write_text(sums.read_text())  # the published checksum no longer matches the file
    result = update(db, feeds(), server.url)
    assert list(result.failed) == ["alpine-v3.21-main"] and "SHA-256" in result.failed["alpine-v3.21-main"]
    assert db.read_bytes() == before
    assert not list(db.parent.glob(".vulndb.sqlite.tmp-*"))


def test_fetch_from_a_directory_and_a_missing_file(mirror_dir: Path, tmp_path: Path) -> None:
    fetched = fetch(str(mirror_dir / "alpine-secdb/v3.21/main.json"), tmp_path / "main.json")
    assert fetched.changed and fetched.path.read_bytes() == (mirror_dir / "alpine-secdb/v3.21/main.json").read_bytes()
    assert not fetch(str(mirror_dir / "alpine-secdb/v3.21/main.json"), tmp_path / "main.json", fetched.sha256).changed
    with pytest.raises(DownloadError):
        fetch(str(mirror_dir / "nope.json"), tmp_path / "nope.json")


def test_cli_update_status_and_download_only(server: MirrorServer, tmp_path: Path) -> None:
    db = tmp_path / "vulndb.sqlite"
    feeds_arg = ",".join(FEEDS)
    run = mamoru("db", "update", "--mirror", server.url, "--feeds", feeds_arg, "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert "imported" in run.stderr
    status = mamoru("db", "status", "--db", str(db), "-f", "json")
    assert status.returncode == 0, status.stderr
    document = json.loads(status.stdout)
    assert document["schemaVersion"] == 1 and document["ageDays"] == 0 and document["advisories"] > 1000
    assert {s["name"] for s in document["sources"]} >= {"ghsa", "pypa", "alpine-secdb"}
    stale = mamoru("db", "status", "--db", str(db), "--max-age", "0")
    assert stale.returncode == 0 and "warning" not in stale.stderr  # built today: 0 days old
    mirror = tmp_path / "mirror"
    copy = mamoru("db", "update", "--mirror", server.url, "--feeds", feeds_arg, "--download-only", str(mirror))
    assert copy.returncode == 0, copy.stderr
    assert (mirror / "SHA256SUMS").is_file() and (mirror / "osv/PyPI/all.zip").is_file()
    offline = mamoru("db", "update", "--mirror", str(mirror), "--feeds", feeds_arg, "--db", str(tmp_path / "b.sqlite"))
    assert offline.returncode == 0, offline.stderr
    failing = mamoru("db", "update", "--mirror", str(tmp_path / "empty"), "--feeds", "osv-pypi", "--db", str(db))
    assert failing.returncode == 2 and "osv-pypi" in failing.stderr and "not changed" in failing.stderr
    unknown = mamoru("db", "update", "--feeds", "nonsense", "--db", str(db))
    assert unknown.returncode == 2 and "unknown feed" in unknown.stderr


def test_a_feed_the_source_does_not_publish_is_left_out(server: MirrorServer, tmp_path: Path) -> None:
    """An Alpine branch that does not exist yet (404) is not an error; unless the mirror's checksums list it."""
    db = tmp_path / "db" / "vulndb.sqlite"
    chosen = select(default_feeds(), (*FEEDS, "alpine-v3.22-main"))
    result = update(db, chosen, server.url)
    assert not result.failed and list(result.missing) == ["alpine-v3.22-main"] and db.is_file()
    sums = server.root / "SHA256SUMS"
    sums.write_text(sums.read_text() + f"{'0' * 64}  alpine-secdb/v3.22/main.json\n")
    listed = update(db, chosen, server.url)
    assert list(listed.failed) == ["alpine-v3.22-main"]
