"""mamoru's own JSON report (schema ``mamoru-report`` v1, see docs/json-report.md and schema/report-v1.json)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from mamoru.model.artifact import ArtifactKind, Layer
from mamoru.model.finding import Finding
from mamoru.model.inventory import Inventory
from mamoru.model.package import Package
from mamoru.model.report import ScanReport
from mamoru.report.findings import display_path
from mamoru.report.redact import redact_command
from mamoru.targets.stores import as_list

SCHEMA_NAME = "mamoru-report"
SCHEMA_VERSION = 1
# Image config fields copied to the report; Env is reduced to variable names (values may be secrets).
CONFIG_FIELDS = ("User", "ExposedPorts", "Entrypoint", "Cmd", "WorkingDir", "Volumes", "StopSignal", "Healthcheck")


def render(report: ScanReport, stream: TextIO) -> None:
    json.dump(to_document(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def to_document(report: ScanReport) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    inventory = report.inventory
    return {
        "schema": SCHEMA_NAME,
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "mamoru", "version": report.tool_version},
        "createdAt": report.created.isoformat(timespec="seconds"),
        "command": report.command,
        "target": report.target,
        "artifact": _artifact(inventory),
        "os": _os(inventory),
        "layers": _layers(inventory),
        "packages": [_package(p) for p in inventory.packages],
        "deletions": [
            {"layerIndex": d.layer_index, "path": "/" + d.path, "opaque": d.opaque} for d in inventory.deletions
        ],
        "notes": [
            {
                "kind": n.kind.value,
                "message": n.message,
                "path": n.shown_path or None,
                "layerIndex": n.layer.index if n.layer else None,
                "source": n.source or None,
            }
            for n in inventory.notes
        ],
        "findings": [finding_document(f, inventory.artifact.kind) for f in inventory.findings],
        "summary": _summary(inventory),
    }


def _artifact(inventory: Inventory) -> dict[str, Any]:
    artifact = inventory.artifact
    data: dict[str, Any] = {"name": artifact.name, "kind": artifact.kind.value, "source": artifact.source}
    image = artifact.image
    if image is not None:
        config = image.config
        env = as_list(config.get("Env"))
        data.update(
            {
                "imageId": image.image_id,
                "manifestDigest": image.manifest_digest or None,
                "repoTags": list(image.repo_tags),
                "platform": image.platform or None,
                "created": image.created or None,
                "config": {
                    **{key[0].lower() + key[1:]: config[key] for key in CONFIG_FIELDS if config.get(key) is not None},
                    "envNames": [str(e).split("=", 1)[0] for e in env],
                    "labels": image.labels,
                },
                "history": [
                    {
                        "createdBy": redact_command(h.created_by),
                        "instruction": redact_command(h.instruction) or None,
                        "created": h.created or None,
                        "emptyLayer": h.empty_layer,
                        "layerIndex": h.layer_index,
                    }
                    for h in image.history
                ],
            }
        )
    return data


def _os(inventory: Inventory) -> dict[str, Any] | None:
    os = inventory.os
    if os is None:
        return None
    return {
        "family": os.family,
        "version": os.version,
        "name": os.name or None,
        "codename": os.codename or None,
        "idLike": list(os.id_like),
        "distroless": os.distroless,
        "path": "/" + os.location.path if os.location else None,
    }


def layer_ref(layer: Layer | None) -> dict[str, Any] | None:
    """How packages and findings point at a layer."""
    if layer is None:
        return None
    return {
        "index": layer.index,
        "digest": layer.digest or None,
        "diffId": layer.diff_id or None,
        "instruction": redact_command(layer.instruction) or None,
    }


def _layers(inventory: Inventory) -> list[dict[str, Any]]:
    introduced = Counter(p.layer.index for p in inventory.packages if p.layer is not None)
    return [
        {
            "index": layer.index,
            "digest": layer.digest or None,
            "diffId": layer.diff_id or None,
            "size": layer.size,
            "mediaType": layer.media_type or None,
            "createdBy": redact_command(layer.created_by) or None,
            "instruction": redact_command(layer.instruction) or None,
            "entries": inventory.layer_file_counts.get(layer.index, 0),
            "packagesIntroduced": introduced.get(layer.index, 0),
        }
        for layer in inventory.artifact.layers
    ]


def _package(package: Package) -> dict[str, Any]:
    return {
        "name": package.name,
        "version": package.version,
        "type": package.kind.value,
        "purl": package.purl,
        "arch": package.arch or None,
        "epoch": package.epoch,
        "sourceName": package.source_name or None,
        "sourceVersion": package.source_version or None,
        "licenses": list(package.licenses),
        "maintainer": package.maintainer or None,
        "foundBy": package.found_by,
        "declared": package.declared,
        "layer": layer_ref(package.layer),
        "locations": [
            {"path": "/" + loc.path, "layerIndex": loc.layer.index if loc.layer else None, "visible": loc.visible}
            for loc in package.locations
        ],
    }


def finding_document(finding: Finding, kind: ArtifactKind = ArtifactKind.CONTAINER_IMAGE) -> dict[str, Any]:
    """One finding as JSON; ``kind`` is the scanned artifact's (config file paths stay as named)."""
    location = finding.location
    detail = finding.vulnerability
    return {
        "ruleId": finding.rule_id,
        "kind": finding.kind.value,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message or None,
        "location": None if location is None else {
            "path": display_path(location.path, kind) if location.path else None, "line": location.line,
            "layer": layer_ref(location.layer), "visible": location.visible},
        "package": None if finding.package is None else {
            "name": finding.package.name, "version": finding.package.version, "purl": finding.package.purl,
            "layer": layer_ref(finding.package.layer)},
        "vulnerability": None if detail is None else {
            "id": detail.id, "aliases": list(detail.aliases), "installedVersion": detail.installed_version,
            "fixedVersion": detail.fixed_version or None, "status": detail.status.value,
            "cvssScore": detail.cvss_score, "cvssVector": detail.cvss_vector or None, "source": detail.source or None,
            "references": list(detail.references)},
        "evidence": list(finding.evidence),
        "remediation": finding.remediation or None,
        "compliance": [{"framework": c.framework, "control": c.control} for c in finding.compliance],
        "suppression": None if finding.suppression is None else {
            "reason": finding.suppression.reason, "source": finding.suppression.source,
            "expires": finding.suppression.expires or None},
        "fingerprint": finding.fingerprint(),
    }  # fmt: skip


def _summary(inventory: Inventory) -> dict[str, Any]:
    by_type = Counter(p.kind.value for p in inventory.packages)
    return {
        "packages": len(inventory.packages),
        "packagesByType": dict(sorted(by_type.items())),
        "files": len(inventory.files),
        "filesTruncated": inventory.files_truncated,
        "notes": len(inventory.notes),
        "findings": len(inventory.findings),
        "findingsBySeverity": dict(sorted(Counter(f.severity.value for f in inventory.findings).items())),
    }
