"""Image config and history checks: user, HEALTHCHECK, exposed SSH, build steps, tags, volumes, age, labels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import ClassVar

from mamoru.detectors.base import DetectContext
from mamoru.detectors.image.rules import RULES
from mamoru.model.artifact import HistoryEntry, ImageMetadata, Layer
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import Inventory
from mamoru.model.package import Location
from mamoru.targets.stores import as_dict

MAX_AGE_DAYS = 180
SENSITIVE_VOLUMES = ("/dev", "/proc", "/sys", "/etc", "/boot", "/var/run", "/run", "/")
PROVENANCE_LABELS = ("org.opencontainers.image.source", "org.opencontainers.image.revision", "org.label-schema.vcs-url")
_SEGMENTS = re.compile(r"&&|\|\||;|\n")
_UPDATE = re.compile(r"\b(?:apt-get|apt|aptitude)\s+(?:-\S+\s+)*update\b|\bapk\s+(?:-\S+\s+)*update\b|"
                     r"\b(?:yum|dnf|microdnf)\s+(?:-\S+\s+)*makecache\b")  # fmt: skip
_INSTALL = re.compile(r"\b(?:apt-get|apt|aptitude|apk|yum|dnf|microdnf|zypper)\s+(?:-\S+\s+)*"
                      r"(?:install|add|upgrade|dist-upgrade|update\s+\w)")  # fmt: skip
_UPGRADE = re.compile(r"\b(?:apt-get|apt)\s+(?:-\S+\s+)*(?:dist-)?upgrade\b|\b(?:yum|dnf)\s+(?:-\S+\s+)*"
                      r"(?:upgrade|update)\s*(?:-y\s*)?(?:$|&&|;)|\bapk\s+(?:-\S+\s+)*upgrade\b")  # fmt: skip
_APK_ADD = re.compile(r"\bapk\s+(?:-\S+\s+)*add\b")
_APT_INSTALL = re.compile(r"\b(?:apt-get|apt)\s+(?:-\S+\s+)*install\b")
_APT_LISTS_REMOVED = re.compile(r"rm\s+(?:-\S+\s+)*/var/lib/apt/lists")
_SUDO = re.compile(r"(?:^|[\s;&|(])sudo\s")
_ADD_URL = re.compile(r"^ADD\s+(?:--\S+\s+)*['\"]?(?:https?|ftp)://", re.IGNORECASE)


class ImageHardeningDetector:
    """Dockle's and CIS Docker §4's image checks, on the config and history of the image."""

    name: ClassVar[str] = "image-hardening"
    kind: ClassVar[FindingKind] = FindingKind.MISCONFIGURATION

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    def detect(self, inventory: Inventory, context: DetectContext) -> Sequence[Finding]:
        image = inventory.artifact.image
        if image is None:
            return []
        findings = list(self._config(image, inventory))
        layers = {layer.index: layer for layer in inventory.artifact.layers}
        first_add = True
        for entry in image.history:
            layer = layers.get(entry.layer_index) if entry.layer_index is not None else None
            instruction = entry.instruction
            if instruction.startswith("RUN "):
                findings.extend(self._run(instruction[4:], entry, layer))
            elif instruction.upper().startswith("ADD "):
                findings.extend(
                    self._add(instruction, entry, layer, excused=first_add and " in / " in f"{instruction} ")
                )
                first_add = False
        return findings

    def _config(self, image: ImageMetadata, inventory: Inventory) -> list[Finding]:
        config = image.config
        found = []
        user = str(config.get("User") or "").strip()
        if user.split(":")[0] in ("", "root", "0"):
            found.append(_finding("IMG-001", f"the image runs as {user or 'root (no USER)'}"))
        healthcheck = config.get("Healthcheck")
        if not isinstance(healthcheck, dict) or not healthcheck.get("Test"):
            found.append(_finding("IMG-002", "the image config has no HEALTHCHECK"))
        ports = as_dict(config.get("ExposedPorts"))
        if any(str(port).split("/")[0] == "22" for port in ports):
            found.append(_finding("IMG-003", "EXPOSE 22"))
        volumes = as_dict(config.get("Volumes"))
        for volume in volumes:
            clean = "/" + str(volume).strip("/")
            if any(clean == v or (v != "/" and clean.startswith(v + "/")) for v in SENSITIVE_VOLUMES):
                found.append(_finding("IMG-012", f"VOLUME {volume}"))
        tags = image.repo_tags or ((inventory.artifact.name,) if ":" in inventory.artifact.name else ())
        if tags and all(tag.rsplit(":", 1)[-1] == "latest" for tag in tags if ":" in tag):
            found.append(_finding("IMG-011", f"the image is tagged {', '.join(tags)}"))
        age = self._age_days(image.created)
        if age is not None and age > MAX_AGE_DAYS:
            found.append(_finding("IMG-013", f"built {age} days ago ({image.created[:10]})"))
        if not any(label in image.labels for label in PROVENANCE_LABELS):
            found.append(_finding("IMG-014", "no org.opencontainers.image.source or .revision label"))
        return found

    def _run(self, command: str, entry: HistoryEntry, layer: Layer | None) -> list[Finding]:
        found = []
        segments = [s.strip() for s in _SEGMENTS.split(command)]
        if any(_UPDATE.search(s) for s in segments) and not _INSTALL.search(command):
            found.append(_finding("IMG-004", _quote(entry), layer))
        if _SUDO.search(command):
            found.append(_finding("IMG-007", _quote(entry), layer))
        if _UPGRADE.search(command):
            found.append(_finding("IMG-008", _quote(entry), layer))
        if _APK_ADD.search(command) and "--no-cache" not in command:
            found.append(_finding("IMG-009", _quote(entry), layer))
        if _APT_INSTALL.search(command) and not _APT_LISTS_REMOVED.search(command):
            found.append(_finding("IMG-010", _quote(entry), layer))
        return found

    def _add(self, instruction: str, entry: HistoryEntry, layer: Layer | None, excused: bool) -> list[Finding]:
        if _ADD_URL.search(instruction):
            return [_finding("IMG-006", _quote(entry), layer)]
        if excused:
            return []
        return [_finding("IMG-005", _quote(entry), layer)]

    def _age_days(self, created: str) -> int | None:
        if not created:
            return None
        try:
            when = datetime.fromisoformat(created.replace("Z", "+00:00")[:32])
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        now = self._now or datetime.now(UTC)
        return (now - when).days


def _quote(entry: HistoryEntry) -> str:
    from mamoru.report.redact import redact_command

    text = redact_command(entry.instruction or entry.created_by)
    return text if len(text) <= 160 else text[:159] + "…"


def _finding(rule_id: str, detail: str, layer: Layer | None = None) -> Finding:
    rule = RULES[rule_id]
    return Finding(rule_id=rule.id, kind=rule.kind, severity=rule.severity, title=rule.title,
                   message=f"{rule.title}: {detail}", remediation=rule.remediation, compliance=rule.compliance,
                   location=Location(path="", layer=layer) if layer is not None else None)  # fmt: skip
