"""Application packages per ecosystem: mamoru against Trivy 0.59.1 on the same images, and the scan
time the language analyzers add to the OS-only inventory.

1. **Counts.** ``mamoru sbom IMAGE -f json`` and ``trivy image --input IMAGE --format cyclonedx
   --list-all-pkgs --offline-scan --skip-java-db-update`` (SBOM mode needs no vulnerability database;
   run inside ``unshare -n`` when available: no network at all); ecosystems from the purl types.
   Trivy cannot read Java archives offline (it insists on its 400+ MiB Java DB even with
   ``--offline-scan``), so ``--trivy-skip`` globs (default: the lang image's jars) are passed as
   ``--skip-files``. Packages are counted per ecosystem; mamoru's declared-only packages (lock
   files) are counted apart, since Trivy does not read lock
   files in image scans. Every (ecosystem, name, version) found by only one tool is listed.
2. **Time.** The walk + resolve of each image, in-process, with the OS analyzers only and with the
   OS and language analyzers (median of ``--runs``).

usage: python benchmarks/lang_vs_trivy.py [--images lang-docker.tar app-docker.tar base-docker.tar]
       [--fixtures .cache/fixtures] [--trivy PATH] [--runs 7] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# the foundation's inventory analyzers (the baseline of the time comparison)
OS_ANALYZERS = {"os-release", "dpkg", "dpkg-copyright", "apk", "rpm", "python-dist-info"}


def mamoru_packages(image: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(installed, declared-only) as (type, name, version), OS packages left out."""
    out = subprocess.run([sys.executable, "-m", "mamoru", "sbom", str(image), "-f", "json", "-q"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    installed, declared = set(), set()
    for package in json.loads(out.stdout)["packages"]:
        if package["type"] in ("deb", "apk", "rpm"):
            continue
        key = (package["type"], package["name"], package["version"])
        (declared if package["declared"] else installed).add(key)
    return installed, declared


def trivy_packages(trivy: Path, image: Path, skip: list[str]) -> set[tuple[str, str, str]]:
    """Trivy's SBOM mode (it needs no vulnerability database, so it runs fully offline)."""
    from packageurl import PackageURL

    with tempfile.TemporaryDirectory() as cache:
        command = [str(trivy), "image", "--input", str(image), "--format", "cyclonedx", "--list-all-pkgs",
                   "--quiet", "--offline-scan", "--cache-backend", "memory", "--cache-dir", cache]  # fmt: skip
        for glob in skip:
            command += ["--skip-files", glob]
        if shutil.which("unshare"):
            command = ["unshare", "-n", *command]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"trivy failed on {image.name}: {out.stderr.strip()[-500:]}")
    found = set()
    for component in json.loads(out.stdout).get("components") or []:
        purl = component.get("purl")
        if not purl:
            continue
        parsed = PackageURL.from_string(purl)
        if parsed.type in ("deb", "apk", "rpm"):
            continue
        kind = parsed.type
        name = component["name"]
        if kind == "maven" and parsed.namespace:
            name = f"{parsed.namespace}:{parsed.name}"
        elif kind == "npm" and parsed.namespace:
            name = f"{parsed.namespace}/{parsed.name}"
        found.add((kind, name, component.get("version", "")))
    return found


def walk_seconds(image: Path, names: set[str] | None, runs: int) -> float:
    from mamoru.analyzers.registry import load_analyzers
    from mamoru.scan.resolve import resolve_inventory
    from mamoru.targets.detect import open_image
    from mamoru.walk.limits import DEFAULT_LIMITS
    from mamoru.walk.walker import Walker

    analyzers = [a for a in load_analyzers(with_plugins=False) if getattr(a, "kind", None) is None]
    if names is not None:
        analyzers = [a for a in analyzers if a.name in names]
    times = []
    for _ in range(runs + 1):
        source = open_image(str(image), DEFAULT_LIMITS, None, None)
        start = time.perf_counter()
        walked = Walker(analyzers, DEFAULT_LIMITS).walk(source)
        resolve_inventory(source.artifact, walked, source.notes)
        times.append(time.perf_counter() - start)
        source.close()
    return statistics.median(times[1:])


def report(images: list[Path], trivy: Path, runs: int, skip: list[str]) -> str:
    from mamoru.analyzers.registry import load_analyzers

    lang = {
        a.name for a in load_analyzers(with_plugins=False) if type(a).__module__.startswith("mamoru.analyzers.lang")
    }
    lines = ["## Application packages: mamoru vs Trivy 0.59.1", ""]
    lines += ["| image | ecosystem | mamoru installed | mamoru declared only | trivy | only mamoru | only trivy |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    details = []
    for image in images:
        ours, declared = mamoru_packages(image)
        theirs = trivy_packages(trivy, image, skip)
        kinds = sorted({k for k, _, _ in ours | declared | theirs})
        for kind in kinds:
            mine = {p for p in ours if p[0] == kind}
            other = {p for p in theirs if p[0] == kind}
            only_ours, only_theirs = sorted(mine - other), sorted(other - mine)
            lines.append(f"| {image.name} | {kind} | {len(mine)} | {sum(p[0] == kind for p in declared)} | "
                         f"{len(other)} | {len(only_ours)} | {len(only_theirs)} |")  # fmt: skip
            for label, items in (("only mamoru", only_ours), ("only trivy", only_theirs)):
                if items:
                    shown = ", ".join(f"{n}@{v or '?'}" for _, n, v in items[:25])
                    more = f" … (+{len(items) - 25})" if len(items) > 25 else ""
                    details.append(f"- {image.name} / {kind} / {label} ({len(items)}): {shown}{more}")
    lines += ["", "### Differences", "", *details, "", "## Added scan time (walk + resolve, in-process)", ""]
    lines += ["| image | OS analyzers s | OS + language analyzers s | added |", "|---|---|---|---|"]
    for image in images:
        base = walk_seconds(image, OS_ANALYZERS, runs)
        full = walk_seconds(image, OS_ANALYZERS | lang, runs)  # dpkg/apk/rpm file lists are in both
        lines.append(f"| {image.name} | {base:.3f} | {full:.3f} | +{full - base:.3f} s ({full / base - 1:+.0%}) |")
    counts = Counter(a.name for a in load_analyzers(with_plugins=False))
    lines += ["", f"Language analyzers: {', '.join(sorted(lang))} ({sum(counts.values())} analyzers in all)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=REPO / ".cache" / "fixtures")
    parser.add_argument("--images", nargs="+", default=["lang-docker.tar", "app-docker.tar", "base-docker.tar"])
    parser.add_argument("--trivy", type=Path, default=REPO / ".cache" / "tools" / "trivy")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--trivy-skip", nargs="*", default=["app/lib/*.jar", "app/*.war"])
    args = parser.parse_args()
    os.environ.setdefault("MAMORU_CACHE_DIR", tempfile.mkdtemp(prefix="mamoru-bench-"))
    text = report([args.fixtures / name for name in args.images], args.trivy, args.runs, args.trivy_skip)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
