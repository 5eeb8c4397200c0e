"""Scanning commands: ``image``, ``fs``, ``sbom`` and ``demo``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click

from mamoru.cli import main, output_options, policy_options, run_report, take_policy
from mamoru.model.finding import FindingKind
from mamoru.model.inventory import Inventory

REPORT_FORMATS = ("table", "json", "sarif", "junit", "markdown", "html", "cyclonedx", "spdx-json")
SBOM_FORMATS = ("cyclonedx", "spdx-json", "json")
SCANNER_NAMES = tuple(kind.value for kind in FindingKind)

_platform = click.option(
    "--platform",
    help="Platform of a multi-arch image, e.g. linux/arm64 (default: this machine's); a single image must match it.",
)
_docker_host = click.option(
    "--docker-host", help="Docker daemon for image names that are not paths (default: $DOCKER_HOST)."
)
_list_pkgs = click.option("--list-all-pkgs", "list_packages", is_flag=True, help="Table format: list every package.")


def _content_options(command: Any) -> Any:
    """What image and filesystem scans add to the policy options: scanners, database, content rules."""
    options = [
        click.option("--scanners", help=f"Comma-separated detectors to run ({', '.join(SCANNER_NAMES)}; "
                                        "default: all available)."),
        click.option("--db", type=click.Path(dir_okay=False), help="Vulnerability database (default: in the cache)."),
        click.option("--yara-rules", multiple=True, type=click.Path(exists=True),
                     help="Your YARA rules: a .yar file or a directory of them (repeatable)."),
        click.option("--malware-hashes", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Known-bad hashes: a sha256 list or ClamAV .hdb/.hsb file (repeatable)."),
        click.option("--secret-allowlist", type=click.Path(exists=True, dir_okay=False),
                     help="YAML allow-list of secrets: entries with rule, path (glob) and/or hash (sha256:…)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return policy_options(command)


def _policy_values(values: dict[str, Any]) -> dict[str, Any]:
    """The settings-file-backed options of image/fs: policy plus scanners, db and content rules."""
    policy = take_policy(values)
    for key in ("scanners", "db", "yara_rules", "malware_hashes", "secret_allowlist"):
        policy[key] = values.pop(key, None)
    return policy


def _scanners(chosen: frozenset[FindingKind] | None) -> frozenset[FindingKind]:
    """The chosen scanners, or every kind some detector or finding analyzer provides."""
    from mamoru.scan.pipeline import available_scanners

    return chosen if chosen is not None else available_scanners()


def _options(settings: Any, **extra: Any) -> Any:
    from mamoru.scan.pipeline import ScanOptions

    return ScanOptions(scanners=_scanners(settings.scanners), content=settings.content, db_path=settings.db_path,
                       **extra)  # fmt: skip


@main.command()
@click.argument("target")
@output_options(REPORT_FORMATS, "table")
@_platform
@_docker_host
@_list_pkgs
@_content_options
def image(target: str, platform: str | None, docker_host: str | None, list_packages: bool, **values: Any) -> None:
    """Scan a container image: OS, layers, packages (with the layer that added each) and findings."""
    policy = _policy_values(values)

    def scan(progress: Any, settings: Any) -> Inventory:
        from mamoru.scan.pipeline import scan_image  # here, after the report writer is forked (sbom says why)

        return scan_image(target, _options(settings, platform=platform, docker_host=docker_host), progress)

    run_report("image", target, values, scan, list_packages=list_packages, policy=policy)


@main.command()
@click.argument("target")
@output_options(REPORT_FORMATS, "table")
@_list_pkgs
@_content_options
def fs(target: str, list_packages: bool, **values: Any) -> None:
    """Scan a root filesystem: a directory or a tarball (optionally gzip/zstd)."""
    policy = _policy_values(values)

    def scan(progress: Any, settings: Any) -> Inventory:
        from mamoru.scan.pipeline import scan_filesystem

        return scan_filesystem(target, _options(settings), progress)

    run_report("fs", target, values, scan, list_packages=list_packages, policy=policy)


@main.command()
@click.argument("target")
@output_options(SBOM_FORMATS, "cyclonedx")
@_platform
@_docker_host
def sbom(target: str, platform: str | None, docker_host: str | None, **common: Any) -> None:
    """Write an SBOM (CycloneDX 1.6 or SPDX 2.3 JSON) of an image or a root filesystem."""

    def scan(progress: Any) -> Inventory:
        # the scan pipeline is imported here, in run_report: while the forked report writer imports
        # the SBOM library (see mamoru.cli.report_writer), not before it is forked
        from mamoru.scan.pipeline import ScanOptions, scan_filesystem, scan_image
        from mamoru.targets.detect import is_image

        options = ScanOptions(platform=platform, docker_host=docker_host)
        return (scan_image if is_image(target) else scan_filesystem)(target, options, progress)

    run_report("sbom", target, common, scan)


@main.command()
@output_options(REPORT_FORMATS, "table")
def demo(**common: Any) -> None:
    """Build a small demo image in-process (no network, no Docker) and scan it."""
    from mamoru.demo import build_demo_image
    from mamoru.scan.pipeline import ScanOptions, scan_image

    def scan(progress: Any) -> Inventory:
        path = build_demo_image()
        inventory = scan_image(str(path), ScanOptions(scanners=_scanners(None)), progress)
        return replace(inventory, artifact=replace(inventory.artifact, name="mamoru-demo:latest"))

    run_report("demo", "mamoru-demo:latest", common, scan, list_packages=True)
