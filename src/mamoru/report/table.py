"""Human-readable tables (rich); colour only on a terminal."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from mamoru.model.artifact import ArtifactKind
from mamoru.model.inventory import Inventory
from mamoru.model.report import ScanReport
from mamoru.report.console import ReportConsole
from mamoru.report.findings import headline, place
from mamoru.report.redact import redact_command

MAX_INSTRUCTION = 200


def render(report: ScanReport, stream: TextIO) -> None:
    console = ReportConsole(
        file=stream,
        width=max(100, _width(stream)),
        soft_wrap=False,
        force_terminal=None if stream.isatty() else False,
        highlight=False,
    )
    inventory = report.inventory
    _header(console, report)
    if inventory.artifact.layers and inventory.artifact.image is not None:
        console.print(_layers_table(inventory))
    wants_list = report.list_packages or report.command in ("fs", "demo") or not inventory.artifact.image
    if wants_list and inventory.packages:
        console.print(_packages_table(inventory))
    counts = Counter(p.kind.value for p in inventory.packages)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "none"
    if inventory.artifact.kind is not ArtifactKind.CONFIG:
        console.print(f"Packages: {len(inventory.packages)} ({summary})")
    if inventory.findings:
        console.print(_findings_table(inventory))
    by_severity = Counter(f.severity for f in inventory.findings)
    severity_summary = ", ".join(f"{by_severity[s]} {s.value}" for s in sorted(by_severity, key=lambda s: -s.rank))
    console.print(f"Findings: {len(inventory.findings)}" + (f" ({severity_summary})" if severity_summary else ""))
    if inventory.notes:
        console.print(f"Notes: {len(inventory.notes)}")
        for note in inventory.notes[:50]:
            console.print(Text(f"  {note}"))
        if len(inventory.notes) > 50:
            console.print(f"  … {len(inventory.notes) - 50} more (see --format json)")


def _width(stream: TextIO) -> int:
    return Console(file=stream).width if stream.isatty() else 140


def _header(console: Console, report: ScanReport) -> None:
    inventory = report.inventory
    artifact = inventory.artifact
    console.print(Text(f"{artifact.name} ({artifact.source})", style="bold"))
    if artifact.kind is ArtifactKind.CONFIG:
        return
    details = [f"OS: {inventory.os}" if inventory.os else "OS: unknown"]
    image = artifact.image
    if image is not None:
        details.append(f"Platform: {image.platform or 'unknown'}")
        details.append(f"Image ID: {image.image_id[:19]}")
        if image.repo_tags:
            details.append(f"Tags: {', '.join(image.repo_tags)}")
    console.print("  ".join(details))


def _layers_table(inventory: Inventory) -> Table:
    introduced = Counter(p.layer.index for p in inventory.packages if p.layer is not None)
    deleted = Counter(d.layer_index for d in inventory.deletions)
    table = Table(title="Layers", title_justify="left", show_lines=False)
    for column, justify in (
        ("#", "right"),
        ("Layer", "left"),
        ("Size", "right"),
        ("Entries", "right"),
        ("Deletes", "right"),
        ("Packages", "right"),
        ("Instruction", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for layer in inventory.artifact.layers:
        instruction = redact_command(layer.instruction or layer.created_by or "")
        if len(instruction) > MAX_INSTRUCTION:
            instruction = instruction[: MAX_INSTRUCTION - 1] + "…"
        table.add_row(
            str(layer.index),
            layer.short_id,
            _size(layer.size),
            str(inventory.layer_file_counts.get(layer.index, 0)),
            str(deleted.get(layer.index, 0)),
            str(introduced.get(layer.index, 0)),
            Text(instruction),
        )
    return table


def _packages_table(inventory: Inventory) -> Table:
    table = Table(title="Packages", title_justify="left")
    for column in ("Name", "Version", "Type", "Source", "Layer"):
        table.add_column(column)
    for package in inventory.packages:
        source = ""
        if package.source_name and (package.source_name, package.source_version) != (package.name, package.version):
            source = f"{package.source_name} {package.source_version}".strip()
        layer = str(package.layer.index) if package.layer is not None else ""
        table.add_row(Text(package.name), Text(package.version), package.kind.value, Text(source), layer)
    return table


SEVERITY_STYLES = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan", "UNKNOWN": "dim"}


def _findings_table(inventory: Inventory) -> Table:
    table = Table(title="Findings", title_justify="left")
    for column in ("Severity", "ID", "Where", "Installed", "Fixed", "Layer", "Finding"):
        table.add_column(column)
    for finding in inventory.findings:
        layer = finding.package.layer if finding.package is not None else (
            finding.location.layer if finding.location is not None else None)  # fmt: skip
        detail = finding.vulnerability
        text = headline(finding)
        text += " (deleted in a later layer)" if finding.location and not finding.location.visible else ""
        text += f" [suppressed: {finding.suppression.reason}]" if finding.suppression else ""
        table.add_row(
            Text(finding.severity.value, style=SEVERITY_STYLES.get(finding.severity.value, "")),
            Text(finding.rule_id),
            Text(place(finding, inventory.artifact)),
            Text(detail.installed_version if detail else ""),
            Text(detail.fixed_version if detail else ""),
            str(layer.index) if layer is not None else "",
            Text(text),
        )
    return table


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover
