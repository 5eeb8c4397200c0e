"""SARIF 2.1.0 (OASIS), the format of GitHub code scanning and most CI security dashboards.

Every rule carries its metadata: title, description, remediation as help, its severity both as a
SARIF level and as GitHub's numeric ``security-severity``, the ids other tools use for the same
check (hadolint DL…, Trivy DS/KSV/AVD, Dockle, Checkov) and the NIST SP 800-190 / CIS controls it
evidences, as properties and as tags. Suppressed findings (ignore file, VEX, inline pragmas) are
results with a SARIF ``suppressions`` entry that carries the reason, so dashboards show them as
dismissed. ``partialFingerprints`` keep an alert the same alert across runs.

The document is written with the standard library: no SARIF library on PyPI is kept up well
enough to be worth the dependency for a format this small.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from mamoru.model.artifact import Artifact, ArtifactKind
from mamoru.model.finding import Finding, Rule, Severity
from mamoru.model.inventory import NoteKind
from mamoru.model.report import ScanReport
from mamoru.report.findings import SECURITY_SEVERITY, headline, rules_of, sorted_findings
from mamoru.report.redact import redact_command

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "note",
}
IMAGE_ROOT = "IMAGEROOT"  # uriBaseId of paths inside an image or root filesystem


def render(report: ScanReport, stream: TextIO) -> None:
    json.dump(to_document(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def to_document(report: ScanReport) -> dict[str, Any]:
    """The SARIF log of one scan: one run, its rules and its results."""
    inventory = report.inventory
    findings = sorted_findings(inventory.findings)
    rules = rules_of(findings)
    index = {rule.id: position for position, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "mamoru",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "results": [_result(finding, index[finding.rule_id], inventory.artifact) for finding in findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "endTimeUtc": report.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "toolExecutionNotifications": [
                    {"level": "note" if note.kind == NoteKind.SKIPPED else "warning", "message": {"text": str(note)}}
                    for note in inventory.notes
                ],
            }
        ],
        "properties": {"target": report.target, "command": report.command, **_artifact(inventory.artifact)},
    }
    if inventory.artifact.kind != ArtifactKind.CONFIG:
        run["originalUriBaseIds"] = {
            IMAGE_ROOT: {"description": {"text": f"The root of the filesystem of {inventory.artifact.name}"}}
        }
    return {"version": "2.1.0", "$schema": SCHEMA, "runs": [run]}


def _rule(rule: Rule) -> dict[str, Any]:
    compliance = [str(ref) for ref in rule.compliance]
    help_text = rule.remediation or rule.description or rule.title
    help_markdown = f"**{rule.title}**\n\n{rule.description}\n\n**Fix:** {rule.remediation}".strip()
    if rule.references:
        help_markdown += "\n\n" + "\n".join(f"- <{ref}>" for ref in rule.references)
    document: dict[str, Any] = {
        "id": rule.id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.value,
            "kind": rule.kind.value,
            "aliases": list(rule.aliases),
            "compliance": compliance,
            "tags": ["security", rule.kind.value, *rule.aliases, *compliance],
        },
    }
    if rule.references:
        document["helpUri"] = rule.references[0]
    return document


def _result(finding: Finding, rule_index: int, artifact: Artifact) -> dict[str, Any]:
    message = headline(finding)
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [_location(finding, artifact)],
        "partialFingerprints": {"mamoru/v1": finding.fingerprint()},
        "properties": _properties(finding),
    }
    if finding.vulnerability is not None and finding.vulnerability.cvss_score is not None:
        result["properties"]["security-severity"] = f"{finding.vulnerability.cvss_score:.1f}"
    if finding.suppression is not None:
        suppression = finding.suppression
        justification = suppression.reason + (f" (expires {suppression.expires})" if suppression.expires else "")
        path = finding.location.path if finding.location is not None else ""
        in_source = bool(path) and suppression.source.startswith(f"{path}:")
        result["suppressions"] = [
            {
                "kind": "inSource" if in_source else "external",
                "status": "accepted",
                "justification": justification,
                "properties": {"source": suppression.source},
            }
        ]
    return result


def _location(finding: Finding, artifact: Artifact) -> dict[str, Any]:
    location = finding.location
    path = location.path if location is not None and location.path else ""
    if not path and finding.package is not None and finding.package.locations:
        path = finding.package.locations[0].path
    if artifact.kind == ArtifactKind.CONFIG:
        artifact_location: dict[str, Any] = {"uri": path or artifact.name}
    else:
        artifact_location = {"uri": path.lstrip("/") or ".", "uriBaseId": IMAGE_ROOT}
    physical: dict[str, Any] = {"artifactLocation": artifact_location}
    if location is not None and location.line is not None:
        physical["region"] = {"startLine": max(1, location.line)}
    document: dict[str, Any] = {"physicalLocation": physical}
    layer = location.layer if location is not None else None
    if layer is None and finding.package is not None:
        layer = finding.package.layer
    if layer is not None:
        document["message"] = {"text": f"layer {layer.index}: {redact_command(layer.instruction) or layer.short_id}"}
    return document


def _properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {"severity": finding.severity.value, "kind": finding.kind.value}
    if finding.evidence:
        properties["evidence"] = list(finding.evidence)
    if finding.remediation:
        properties["remediation"] = finding.remediation
    if finding.package is not None:
        properties["package"] = {
            "name": finding.package.name,
            "version": finding.package.version,
            "purl": finding.package.purl,
        }
    detail = finding.vulnerability
    if detail is not None:
        properties["vulnerability"] = {
            "installedVersion": detail.installed_version,
            "fixedVersion": detail.fixed_version,
            "status": detail.status.value,
            "source": detail.source,
        }
    layer = finding.location.layer if finding.location is not None else None
    if layer is None and finding.package is not None:
        layer = finding.package.layer
    if layer is not None:
        properties["layer"] = {
            "index": layer.index,
            "digest": layer.digest,
            "diffId": layer.diff_id,
            "instruction": redact_command(layer.instruction),
        }
    if finding.compliance:
        properties["compliance"] = [str(ref) for ref in finding.compliance]
    return properties


def _artifact(artifact: Artifact) -> dict[str, Any]:
    properties: dict[str, Any] = {"artifact": {"name": artifact.name, "kind": artifact.kind.value}}
    if artifact.image is not None:
        properties["artifact"]["imageId"] = artifact.image.image_id
        properties["artifact"]["repoTags"] = list(artifact.image.repo_tags)
    return properties


def _pascal(title: str) -> str:
    """``Image runs as root`` → ``ImageRunsAsRoot`` (SARIF's rule ``name`` is an identifier)."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title)) or "Rule"
