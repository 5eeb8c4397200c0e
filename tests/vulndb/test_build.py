"""Importing into the store: records replace older copies, failures never touch the live database."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from tests.conftest import mamoru

import mamoru.vulndb.importers as importers
from mamoru.vulndb.build import Source, building, import_sources
from mamoru.vulndb.store import DatabaseError, Store

REQUESTS = "pypa/advisory-database/vulns/requests"
GHSA_2018 = "vulsio/vuls-data-raw-pip-ghsa/2018/10"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_reimport_and_replace(vulndata: Path, tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    stats = import_sources(db, [Source(vulndata / REQUESTS, "requests")])
    assert stats.records == {"pypa": len(list((vulndata / REQUESTS).glob("*.yaml")))}
    store = Store.open(db)
    first = store.counts()
    store.close()
    import_sources(db, [Source(vulndata / REQUESTS, "requests")])  # the same records again: no duplicates
    store = Store.open(db)
    assert store.counts() == first
    store.close()
    # a newer copy of one record replaces the old one (here: PYSEC-2018-28 now fixed in 2.21.0)
    edited = tmp_path / "PYSEC-2018-28.yaml"
    edited.write_text(
        (vulndata / REQUESTS / "PYSEC-2018-28.yaml").read_text().replace("fixed: 2.20.0", "fixed: 2.21.0")
    )
    import_sources(db, [Source(edited, "edited")])
    store = Store.open(db)
    (entry,) = [e for e in store.lookup("pypi", ["requests"]) if e.id == "PYSEC-2018-28"]
    assert entry.intervals[0].bound == "2.21.0" and store.counts() == first
    store.close()


def test_a_withdrawn_copy_deletes_the_record(vulndata: Path, tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    import_sources(db, [Source(vulndata / REQUESTS / "PYSEC-2018-28.yaml", "x")])
    withdrawn = tmp_path / "PYSEC-2018-28.yaml"
    withdrawn.write_text(
        (vulndata / REQUESTS / "PYSEC-2018-28.yaml").read_text() + "withdrawn: '2026-01-01T00:00:00Z'\n"
    )
    import_sources(db, [Source(withdrawn, "x")])
    store = Store.open(db)
    assert store.lookup("pypi", ["requests"]) == [] and store.counts() == (0, 0)
    store.close()


def test_zip_archives_are_read_in_place(vulndata: Path, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((vulndata / GHSA_2018).rglob("*.json")):
            zf.write(path, path.name)
        zf.writestr("README.txt", "not an advisory")
    db = tmp_path / "v.sqlite"
    stats = import_sources(db, [Source(archive, "zip")])
    assert stats.records["ghsa"] == len(list((vulndata / GHSA_2018).rglob("*.json")))
    assert stats.skipped.counts == {"not a JSON or YAML file": 1}


def test_zip_bombs_and_broken_zips_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.json", b" " * (4 << 20))  # 4 MiB of blanks: a few KiB compressed
    monkeypatch.setattr(importers, "MAX_DOCUMENT", 1 << 20)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    stats = import_sources(tmp_path / "v.sqlite", [Source(bomb, "bomb"), Source(broken, "broken")])
    assert stats.skipped.counts == {"document too large": 1, "malformed zip archive": 1}


def test_failure_mid_import_leaves_the_live_database_untouched(vulndata: Path, tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    import_sources(db, [Source(vulndata / REQUESTS, "requests")])
    before = digest(db)

    seen: list[str] = []

    def interrupt(name: str) -> None:
        seen.append(name)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_sources(db, [Source(vulndata / GHSA_2018, "ghsa")], progress=interrupt)
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".v.sqlite.lock", "v.sqlite"]


def test_one_builder_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    with building(db, fresh=True), pytest.raises(DatabaseError, match="another mamoru is updating"), building(db, True):
        pass


def test_unknown_schema_and_non_databases_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    Store.create(db).close()
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()
    with pytest.raises(DatabaseError, match="schema 99"):
        Store.open(db)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"definitely not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a mamoru vulnerability database"):
        Store.open(junk)
    with pytest.raises(DatabaseError, match="no vulnerability database"):
        Store.open(tmp_path / "missing.sqlite")


def test_cli_import_and_status(vulndata: Path, tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    run = mamoru("db", "import", str(vulndata / REQUESTS), str(vulndata / "vulsio/vuls-data-raw-alpine-secdb/3.21"),
                 "--db", str(db))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "imported" in run.stderr
    status = mamoru("db", "status", "--db", str(db), "-f", "json")
    document = json.loads(status.stdout)
    assert {s["name"] for s in document["sources"]} == {"pypa", "alpine-secdb"}
    assert document["namespaces"]["alpine:3.21"] > 0 and document["imports"][0]["documents"] >= 3
    table = mamoru("db", "status", "--db", str(db))
    assert table.returncode == 0 and "alpine-secdb" in table.stdout
    missing = mamoru("db", "status", "--db", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no vulnerability database" in missing.stderr
    bad = mamoru("db", "import", str(tmp_path / "nothing-here"), "--db", str(db))
    assert bad.returncode == 2
