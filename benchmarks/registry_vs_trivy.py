"""Benchmark ``mamoru sbom registry://…`` against Trivy's remote image source, both reading a registry.

A registry (Debian's ``docker-registry``, the CNCF distribution server) is started on a free
127.0.0.1 port with its store under ``benchmarks/.work/registry``; each image tar is pushed to it
with skopeo as ``bench/<name>:1``. Then, exactly as ``sbom_vs_trivy.py`` measures (one warm-up,
``--runs`` interleaved timed runs, one child process each, wall time around Popen + ``wait4``, CPU
time and peak RSS from that child's rusage), the two tools read the image from the registry:

    mamoru sbom registry://127.0.0.1:PORT/bench/NAME:1 -f cyclonedx -o OUT -q
    trivy image --image-src remote --insecure --format cyclonedx --cache-backend memory -q -o OUT \
        127.0.0.1:PORT/bench/NAME:1

and the package sets of their SBOMs are compared. Nothing leaves the machine: the registry listens
on loopback only. Needs ``docker-registry`` and ``skopeo`` (``apt-get install docker-registry skopeo``).

usage: python benchmarks/registry_vs_trivy.py [--runs 7] [--images base-docker.tar …] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sbom_vs_trivy as sbom  # the sibling benchmark: measuring, Trivy download, machine facts

STORE = sbom.WORK / "registry"


@dataclass
class RegistryTool(sbom.Tool):
    """A scanner reading ``bench/<image stem>:1`` from the registry at ``host``."""

    host: str = ""

    def command(self, image: Path, output: Path) -> list[str]:
        reference = f"{self.host}/bench/{image.stem.lower()}:1"
        if self.name == "mamoru":
            return [str(self.exe), "sbom", f"registry://{reference}", "-f", "cyclonedx", "-o", str(output), "-q"]
        options = ["--image-src", "remote", "--insecure", "--format", "cyclonedx", "--cache-backend", "memory", "-q"]
        return [str(self.exe), "image", *options, "-o", str(output), reference]


@contextmanager
def registry() -> Iterator[str]:
    """``127.0.0.1:PORT`` of a fresh registry, stopped on exit."""
    program = shutil.which("docker-registry")
    if program is None:
        raise SystemExit("docker-registry not found: apt-get install docker-registry")
    shutil.rmtree(STORE, ignore_errors=True)
    STORE.mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = STORE / "config.yml"
    config.write_text(
        f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {STORE / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\nlog:\n  level: warn\n"
    )
    process = subprocess.Popen([program, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    host = f"127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{host}/v2/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield host
    finally:
        process.terminate()
        process.wait(timeout=10)


def push(image: Path, host: str) -> None:
    transport = "oci-archive" if "oci-archive" in image.name else "docker-archive"
    destination = f"docker://{host}/bench/{image.stem.lower()}:1"
    subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"{transport}:{image}", destination], check=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool and image (default 7)")
    parser.add_argument("--fixtures", type=Path, default=sbom.REPO / ".cache" / "fixtures")
    parser.add_argument("--images", nargs="+", default=["base-docker.tar", "app-docker.tar", "alpine-docker.tar"])
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    parser.add_argument("--mamoru", type=Path, help="mamoru executable (default: the one beside this Python)")
    parser.add_argument("--trivy", type=Path, help="trivy executable (default: benchmarks/.work/trivy, fetched)")
    args = parser.parse_args(argv)
    args.fixtures = args.fixtures.resolve()
    args.images = [p if p.is_absolute() or p.exists() else args.fixtures / p for p in map(Path, args.images)]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sbom.WORK.mkdir(parents=True, exist_ok=True)
    sbom.ensure_fixtures(args.fixtures, args.images)
    mamoru, trivy = sbom.find_mamoru(args.mamoru), sbom.ensure_trivy(args.trivy)
    facts = sbom.machine_facts(mamoru, trivy)
    results: sbom.Results = []
    with registry() as host:
        tools = [RegistryTool("mamoru", mamoru, host), RegistryTool("trivy", trivy, host)]
        for image in args.images:
            push(image, host)
            sbom.log(f"{image.name} from the registry: 1 warm-up + {args.runs} runs per tool")
            outdir = sbom.WORK / "out-registry" / image.name
            stats = sbom.bench(tools, image, args.runs, outdir)
            both_ok = all(st.error is None for st in stats.values())
            parity = sbom.compare(outdir / "mamoru.cdx.json", outdir / "trivy.cdx.json") if both_ok else None
            results.append((image, stats, parity))
    sample = [shlex.join(t.command(Path("NAME.tar"), Path("OUT.json"))).replace(host, "127.0.0.1:PORT") for t in tools]
    lines = [
        "# mamoru sbom vs trivy, both reading a registry on 127.0.0.1", "", "## Machine", "",
        *sbom.table(["", ""], facts), "", "## Command", "", "```sh", shlex.join(sys.orig_argv), "```", "",
        "Per scan:", "", "```sh", *sample, "```", "", *sbom.speed_section(args.runs, results),
        "## Package parity", "",
    ]  # fmt: skip
    lines += [line for path, _, parity in results for line in sbom.parity_section(path.name, parity)]
    report = "\n".join(lines)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    return 1 if any(st.error for _, stats, _ in results for st in stats.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
