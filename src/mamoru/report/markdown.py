"""Markdown for pull-request and merge-request comments (GitHub-flavoured tables, collapsible details).

A summary line first, a table per kind of finding (most severe first), suppressed findings with their
reasons folded away, and notes at the end. Sections are cut at ``MAX_ROWS`` rows so the comment stays
below GitHub's 65,536-character limit; the cut says how many rows were left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TextIO

from mamoru.model.finding import Finding, FindingKind, Severity
from mamoru.model.report import ScanReport
from mamoru.report.findings import KIND_TITLES, headline, place, sorted_findings

MAX_ROWS = 100
MAX_CELL = 160
SEVERITY_ICONS = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.UNKNOWN: "⬜",
}


def render(report: ScanReport, stream: TextIO) -> None:
    inventory = report.inventory
    artifact = inventory.artifact
    active = [f for f in inventory.findings if f.suppression is None]
    suppressed = [f for f in inventory.findings if f.suppression is not None]
    lines = [f"## mamoru {report.command}: {_cell(report.target)}", ""]
    counts = Counter(f.severity for f in active)
    if active:
        summary = " · ".join(
            f"{SEVERITY_ICONS[s]} **{counts[s]}** {s.value}" for s in sorted(counts, key=lambda s: -s.rank)
        )
        lines.append(f"{len(active)} finding(s): {summary}")
    else:
        lines.append("✅ No findings.")
    facts = [f"{len(inventory.packages)} packages"]
    if inventory.os is not None:
        facts.insert(0, str(inventory.os))
    if artifact.image is not None:
        facts.append(f"{len(artifact.layers)} layers")
    if suppressed:
        facts.append(f"{len(suppressed)} suppressed")
    lines.extend(["", f"<sub>{_cell(artifact.name)} · {' · '.join(facts)} · mamoru {report.tool_version}</sub>", ""])
    grouped: dict[FindingKind, list[Finding]] = defaultdict(list)
    for finding in sorted_findings(active):
        grouped[finding.kind].append(finding)
    for kind in FindingKind:
        if kind in grouped:
            lines.extend(_section(KIND_TITLES[kind], grouped[kind], report, kind == FindingKind.VULNERABILITY))
    if suppressed:
        lines.extend(["<details><summary>Suppressed findings</summary>", ""])
        lines.extend(["| Rule | Where | Reason | Source |", "|---|---|---|---|"])
        for finding in sorted_findings(suppressed)[:MAX_ROWS]:
            assert finding.suppression is not None
            lines.append(
                f"| {finding.rule_id} | {_cell(place(finding, artifact))} | {_cell(finding.suppression.reason)} "
                f"| {_cell(finding.suppression.source)} |"
            )
        lines.extend(_cut(len(suppressed)))
        lines.extend(["", "</details>", ""])
    if inventory.notes:
        lines.extend([f"<details><summary>Notes ({len(inventory.notes)})</summary>", ""])
        lines.extend(f"- {_cell(str(note))}" for note in inventory.notes[:MAX_ROWS])
        lines.extend(_cut(len(inventory.notes)))
        lines.extend(["", "</details>", ""])
    stream.write("\n".join(lines).rstrip() + "\n")


def _section(title: str, findings: list[Finding], report: ScanReport, vulnerabilities: bool) -> list[str]:
    artifact = report.inventory.artifact
    lines = [f"### {title} ({len(findings)})", ""]
    if vulnerabilities:
        lines.extend(["| Severity | ID | Package | Installed | Fixed | Layer |", "|---|---|---|---|---|---|"])
    else:
        lines.extend(["| Severity | Rule | Finding | Where |", "|---|---|---|---|"])
    for finding in findings[:MAX_ROWS]:
        severity = f"{SEVERITY_ICONS[finding.severity]} {finding.severity.value}"
        if vulnerabilities:
            package = finding.package
            detail = finding.vulnerability
            layer = package.layer if package is not None else None
            lines.append(
                f"| {severity} | {finding.rule_id} | {_cell(package.name if package else '')} "
                f"| {_cell(detail.installed_version if detail else '')} "
                f"| {_cell((detail.fixed_version or detail.status.value) if detail else '')} "
                f"| {_cell(_layer(layer.index, layer.instruction) if layer else '')} |"
            )
        else:
            where = _cell(place(finding, artifact))
            lines.append(f"| {severity} | {finding.rule_id} | {_cell(headline(finding))} | {where} |")
    lines.extend(_cut(len(findings)))
    lines.append("")
    return lines


def _layer(index: int, instruction: str) -> str:
    from mamoru.report.redact import redact_command

    return f"{index}: {redact_command(instruction)}" if instruction else str(index)


def _cut(total: int) -> list[str]:
    return ["", f"… {total - MAX_ROWS} more (see `--format json`)."] if total > MAX_ROWS else []


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes and angle brackets escaped, length bounded."""
    text = " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
