"""Scanning commands: ``image``, ``fs``, ``sbom`` and ``demo``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from mamoru.cli import main, output_options, run_report
from mamoru.model.finding import FindingKind, Severity
from mamoru.model.inventory import Inventory
from mamoru.model.report import ScanReport

REPORT_FORMATS = ("table", "json", "cyclonedx", "spdx-json")
SBOM_FORMATS = ("cyclonedx", "spdx-json", "json")
SCANNER_NAMES = tuple(kind.value for kind in FindingKind)
SEVERITY_NAMES = tuple(s.value for s in Severity)


def _comma_list(choices: tuple[str, ...], normalize: Any) -> Any:
    """A click callback for ``a,b,c`` values, each one of ``choices`` after ``normalize``."""

    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = tuple(normalize(item.strip()) for item in value.split(",") if item.strip())
        unknown = [item for item in items if item not in choices]
        if unknown:
            raise click.BadParameter(f"unknown value(s) {', '.join(unknown)}; choose from {', '.join(choices)}")
        return items

    return convert


_platform = click.option(
    "--platform", help="Platform of a multi-arch image, e.g. linux/arm64 (default: this machine's)."
)
_docker_host = click.option(
    "--docker-host", help="Docker daemon for image names that are not paths (default: $DOCKER_HOST)."
)
_list_pkgs = click.option("--list-all-pkgs", "list_packages", is_flag=True, help="Table format: list every package.")


def _finding_options(command: Any) -> Any:
    """``--scanners``, ``--severity``, ``--ignore-unfixed`` and ``--exit-code``."""
    options = [
        click.option("--scanners", callback=_comma_list(SCANNER_NAMES, str.lower),
                     help=f"Comma-separated detectors to run ({', '.join(SCANNER_NAMES)}; default: all available)."),
        click.option("--severity", callback=_comma_list(SEVERITY_NAMES, str.upper),
                     help=f"Report only these severities ({','.join(SEVERITY_NAMES)})."),
        click.option("--ignore-unfixed", is_flag=True, help="Leave out vulnerabilities without a fixed version."),
        click.option("--exit-code", type=click.IntRange(0, 255), default=0, show_default=True,
                     help="Exit with this code when any finding remains after the filters (a CI gate)."),
        click.option("--yara-rules", multiple=True, type=click.Path(exists=True),
                     help="Your YARA rules: a .yar file or a directory of them (repeatable)."),
        click.option("--malware-hashes", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Known-bad hashes: a sha256 list or ClamAV .hdb/.hsb file (repeatable)."),
        click.option("--secret-allowlist", type=click.Path(exists=True, dir_okay=False),
                     help="YAML allow-list of secrets: entries with rule, path (glob) and/or hash (sha256:…)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _content(yara_rules: tuple[str, ...], malware_hashes: tuple[str, ...], secret_allowlist: str | None) -> Any:
    """The user's content-scanning settings from the command line."""
    from mamoru.content.settings import ContentSettings, load_secret_allowlist

    allow = load_secret_allowlist(Path(secret_allowlist)) if secret_allowlist else ()
    return ContentSettings(yara_paths=tuple(Path(p) for p in yara_rules),
                           hash_lists=tuple(Path(p) for p in malware_hashes), secret_allowlist=allow)  # fmt: skip


def _scanners(names: tuple[str, ...] | None) -> frozenset[FindingKind]:
    """The chosen scanners, or every kind some detector or finding analyzer provides."""
    if names is not None:
        return frozenset(FindingKind(name) for name in names)
    from mamoru.analyzers.registry import load_analyzers
    from mamoru.detectors.registry import load_detectors

    kinds = {d.kind for d in load_detectors()}
    kinds.update(kind for a in load_analyzers() if (kind := getattr(a, "kind", None)) is not None)
    return frozenset(kinds)


def _filtered(inventory: Inventory, severity: tuple[str, ...] | None, ignore_unfixed: bool) -> Inventory:
    from mamoru.policy.gate import filter_findings

    severities = frozenset(Severity.parse(s) for s in severity) if severity else None
    inventory.findings = filter_findings(inventory.findings, severities, ignore_unfixed)
    return inventory


def _gate(exit_code: int) -> Any:
    def gate(report: ScanReport) -> int:
        from mamoru.policy.gate import gate_exit_code

        return gate_exit_code(report.inventory.findings, exit_code)

    return gate


@main.command()
@click.argument("target")
@output_options(REPORT_FORMATS, "table")
@_platform
@_docker_host
@_list_pkgs
@_finding_options
def image(target: str, platform: str | None, docker_host: str | None, list_packages: bool, scanners: Any,
          severity: Any, ignore_unfixed: bool, exit_code: int, yara_rules: tuple[str, ...],
          malware_hashes: tuple[str, ...], secret_allowlist: str | None, **common: Any) -> None:  # fmt: skip
    """Scan a container image: OS, layers, packages (with the layer that added each) and findings."""
    from mamoru.scan.pipeline import ScanOptions, scan_image

    def scan(progress: Any) -> Inventory:
        content = _content(yara_rules, malware_hashes, secret_allowlist)
        options = ScanOptions(platform=platform, docker_host=docker_host, scanners=_scanners(scanners), content=content)
        return _filtered(scan_image(target, options, progress), severity, ignore_unfixed)

    run_report("image", target, common, scan, list_packages=list_packages, gate=_gate(exit_code))


@main.command()
@click.argument("target")
@output_options(REPORT_FORMATS, "table")
@_list_pkgs
@_finding_options
def fs(target: str, list_packages: bool, scanners: Any, severity: Any, ignore_unfixed: bool, exit_code: int,
       yara_rules: tuple[str, ...], malware_hashes: tuple[str, ...], secret_allowlist: str | None,
       **common: Any) -> None:  # fmt: skip
    """Scan a root filesystem: a directory or a tarball (optionally gzip/zstd)."""
    from mamoru.scan.pipeline import ScanOptions, scan_filesystem

    def scan(progress: Any) -> Inventory:
        options = ScanOptions(
            scanners=_scanners(scanners), content=_content(yara_rules, malware_hashes, secret_allowlist)
        )
        return _filtered(scan_filesystem(target, options, progress), severity, ignore_unfixed)

    run_report("fs", target, common, scan, list_packages=list_packages, gate=_gate(exit_code))


@main.command()
@click.argument("target")
@output_options(SBOM_FORMATS, "cyclonedx")
@_platform
@_docker_host
def sbom(target: str, platform: str | None, docker_host: str | None, **common: Any) -> None:
    """Write an SBOM (CycloneDX 1.6 or SPDX 2.3 JSON) of an image or a root filesystem."""
    from mamoru.scan.pipeline import ScanOptions, scan_filesystem, scan_image
    from mamoru.targets.detect import is_image

    options = ScanOptions(platform=platform, docker_host=docker_host)
    scan = scan_image if is_image(target) else scan_filesystem
    run_report("sbom", target, common, lambda progress: scan(target, options, progress))


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
