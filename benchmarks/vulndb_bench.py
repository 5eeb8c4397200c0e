"""Vulnerability database benchmark: import time and size, lookup time per package, end-to-end scan time.

    .venv/bin/python benchmarks/vulndb_bench.py                     # 3 runs each, Markdown on stdout
    .venv/bin/python benchmarks/vulndb_bench.py --runs 5 --vulndata ../shared/vulndata

1. **Import**: the whole shared advisory snapshot (``../shared/vulndata``, ``$MAMORU_VULNDATA``) into a
   fresh database, as ``mamoru db import --fresh`` does (median wall time of ``--runs``; database size).
2. **Lookup**: for every package of the fixture images, the database query for its (namespace, name)
   and the full match (query + version evaluation + merging), per package: median and 95th percentile
   over all packages and ``--lookups`` repetitions, in-process, database warm.
3. **End to end**: ``mamoru image base-docker.tar`` (Debian bookworm) as a child process: inventory
   only (``--scanners misconfig``, a cheap scanner), with vulnerabilities (``--scanners vuln``), and
   with every scanner; median, min and max wall time of ``--runs`` after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("MAMORU_FIXTURES", REPO / ".cache" / "fixtures"))
IMAGES = ("base-docker.tar", "app-docker.tar", "alpine-docker.tar")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lookups", type=int, default=20)
    parser.add_argument(
        "--vulndata", type=Path, default=Path(os.environ.get("MAMORU_VULNDATA", REPO.parent / "shared" / "vulndata"))
    )
    args = parser.parse_args()
    for image in IMAGES:
        if not (FIXTURES / image).is_file():
            sys.exit(f"missing {FIXTURES / image}: run the test suite once (it builds the fixtures)")
    with tempfile.TemporaryDirectory(prefix="vulndb-bench-") as scratch:
        db = Path(scratch) / "vulndb.sqlite"
        lines = ["## Vulnerability database (benchmarks/vulndb_bench.py)", ""]
        lines += _import(args.vulndata, db, args.runs)
        lines += _lookups(db, args.lookups)
        lines += _end_to_end(db, args.runs, Path(scratch))
    print("\n".join(lines))


def _import(data: Path, db: Path, runs: int) -> list[str]:
    from mamoru.vulndb.build import Source, import_sources
    from mamoru.vulndb.store import Store

    times = []
    stats = None
    for _ in range(runs):
        db.unlink(missing_ok=True)
        start = time.perf_counter()
        stats = import_sources(db, [Source(data, str(data))], fresh=True)
        times.append(time.perf_counter() - start)
    assert stats is not None
    store = Store.open(db)
    advisories, entries = store.counts()
    namespaces = len(store.namespaces())
    store.close()
    sizes = [p.stat().st_size for p in data.rglob("*") if p.is_file()]
    median = statistics.median(times)
    return [
        f"Import of the shared snapshot ({len(sizes)} files, {_size(sum(sizes))}):",
        "",
        "| what | value |",
        "|---|---|",
        f"| import wall time (median of {runs}) | {median:.1f} s (min {min(times):.1f}, max {max(times):.1f}) |",
        f"| documents read / skipped items | {stats.documents} / {stats.skipped.total} |",
        f"| advisories (distinct source, id) / affected entries / namespaces | {advisories} / {entries} / "
        f"{namespaces} |",
        f"| database size | {_size(db.stat().st_size)} |",
        "",
    ]  # fmt: skip


def _lookups(db: Path, repeats: int) -> list[str]:
    from mamoru.detectors.vuln.drivers import os_namespace, query_for
    from mamoru.detectors.vuln.matcher import findings_for
    from mamoru.scan.pipeline import ScanOptions, scan_image
    from mamoru.vulndb.store import Store

    store = Store.open(db)
    query_times, match_times, packages = [], [], 0
    for image in IMAGES:
        inventory = scan_image(str(FIXTURES / image), ScanOptions())
        os_ns = os_namespace(inventory.os)
        for package in inventory.packages:
            query = query_for(package, os_ns)
            if query is None:
                continue
            packages += 1
            for _ in range(repeats):
                start = time.perf_counter()
                entries = store.lookup(query.namespace, [query.name])
                middle = time.perf_counter()
                findings_for(query, entries)
                end = time.perf_counter()
                query_times.append(middle - start)
                match_times.append(end - start)
    store.close()
    return [
        f"Lookup per package ({packages} packages of {', '.join(IMAGES)}, {repeats} repetitions, in-process):",
        "",
        "| step | median | p95 |",
        "|---|---|---|",
        f"| database query (namespace, name) | {_us(statistics.median(query_times))} | {_us(_p95(query_times))} |",
        f"| query + version evaluation + merging | {_us(statistics.median(match_times))} | {_us(_p95(match_times))} |",
        "",
    ]


def _end_to_end(db: Path, runs: int, scratch: Path) -> list[str]:
    image = FIXTURES / "base-docker.tar"
    variants = {"inventory only (`--scanners misconfig`)": ["--scanners", "misconfig"],
                "with vulnerabilities (`--scanners vuln`)": ["--scanners", "vuln"],
                "every scanner": []}  # fmt: skip
    rows = []
    for label, extra in variants.items():
        command = [sys.executable, "-m", "mamoru", "image", str(image), "--db", str(db), "-f", "json", "-o",
                   str(scratch / "out.json"), "-q", "--cache-dir", str(scratch / "cache"), *extra]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        rows.append(f"| {label} | {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s |")
    return [
        f"`mamoru image base-docker.tar` (Debian bookworm minbase, 88 packages), child process, {runs} runs after a "
        "warm-up:",
        "",
        "| scan | median | min | max |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def _size(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


if __name__ == "__main__":
    main()
