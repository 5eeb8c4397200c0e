"""Shared helpers for the vulnerability tests: the real advisory data, and a database built from all of it.

The data is the team's snapshot of real public feeds in ``../shared/vulndata`` (``$MAMORU_VULNDATA``
overrides); it is read in place, never copied into the repository. The full database is built once
per code version and data snapshot into ``.cache/vulndb/`` (a lock serialises xdist workers).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "vulndb"
MAX_AGE = 86_400  # rebuild daily: scans add a note about a database older than a week


def vulndata_path() -> Path:
    path = Path(os.environ.get("MAMORU_VULNDATA", REPO.parent / "shared" / "vulndata"))
    if not (path / "_manifests" / "sources.json").is_file():
        pytest.fail(f"the shared advisory data is missing at {path} (set MAMORU_VULNDATA)")
    return path


def _code_and_data_key(data: Path) -> str:
    digest = hashlib.sha256(str(data.resolve()).encode())
    for package in ("vulndb", "versions"):
        for source in sorted((REPO / "src" / "mamoru" / package).rglob("*.py")):
            digest.update(source.read_bytes())
    digest.update((data / "_manifests" / "sources.json").read_bytes())
    return digest.hexdigest()[:16]


def full_database() -> Path:
    """A database of every advisory in the shared data (built once, then reused)."""
    from mamoru.vulndb.build import Source, import_sources

    data = vulndata_path()
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"shared-{_code_and_data_key(data)}.sqlite"
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists() or time.time() - target.stat().st_mtime > MAX_AGE:  # scans note databases > 7 days
            for old in CACHE.glob("shared-*.sqlite"):
                old.unlink()
            import_sources(target, [Source(data, str(data))], fresh=True)
    return target
