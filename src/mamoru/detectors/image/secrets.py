"""Secrets in the image config: ENV values, labels, and build arguments or commands in the history."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from mamoru.analyzers.content.secrets import large_files_note, scanner, secret_finding
from mamoru.content.secrets.engine import looks_like_placeholder, redact, value_hash
from mamoru.content.secrets.names import is_credential_name
from mamoru.content.secrets.rules import CONFIG_SECRET_RULES, SECRET_COMPLIANCE
from mamoru.detectors.base import DetectContext
from mamoru.model.artifact import HistoryEntry, Layer
from mamoru.model.finding import Finding, FindingKind, Rule
from mamoru.model.inventory import Inventory
from mamoru.model.package import Location

ENV_RULE, BUILD_ARG_RULE, LABEL_RULE = CONFIG_SECRET_RULES
_BUILD_ARGS = re.compile(r"^\|\d+((?:\s+[A-Za-z_][A-Za-z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S*))+)\s")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)")
# the test for variable names shared with .env files and container environments (``content/secrets/names.py``)
is_secret_name = is_credential_name


class ImageConfigSecretDetector:
    """ENV, labels and history lines, checked for secret formats and for credentials held by name; also the
    note on files the secret analyzer skipped for their size."""

    name: ClassVar[str] = "image-config-secrets"
    kind: ClassVar[FindingKind] = FindingKind.SECRET

    def detect(self, inventory: Inventory, context: DetectContext) -> Sequence[Finding]:
        note = large_files_note(inventory.files)  # once per scan, after the walk: images and file systems
        if note is not None:
            context.notes.append(note)
        image = inventory.artifact.image
        if image is None:
            return []
        findings: list[Finding] = []
        seen: set[str] = set()
        env = image.config.get("Env")
        for item in env if isinstance(env, list) else []:
            name, _, value = str(item).partition("=")
            findings.extend(self._value(name, value, f"image config ENV {name}", ENV_RULE, None, seen))
        labels = image.labels
        for name, value in labels.items():
            findings.extend(self._value(name, value, f"image label {name}", LABEL_RULE, None, seen))
        layers = {layer.index: layer for layer in inventory.artifact.layers}
        for entry in image.history:
            layer = layers.get(entry.layer_index) if entry.layer_index is not None else None
            findings.extend(self._history(entry, layer, seen))
        return findings

    def _history(self, entry: HistoryEntry, layer: Layer | None, seen: set[str]) -> list[Finding]:
        line = entry.created_by
        where = f"image history ({entry.instruction or line})"[:200]
        findings: list[Finding] = []
        build_args = _BUILD_ARGS.match(line)
        if build_args:
            for name, raw in _ASSIGNMENT.findall(build_args.group(1)):
                findings.extend(self._value(name, raw.strip("\"'"), f"build argument {name}", BUILD_ARG_RULE,
                                            layer, seen))  # fmt: skip
        if entry.instruction.startswith(("ENV ", "LABEL ")):
            return findings  # the config itself is checked above
        for match in scanner().scan(line).matches:
            if match.hash not in seen:
                seen.add(match.hash)
                findings.append(_locate(secret_finding(match, "", where), layer))
        return findings

    def _value(self, name: str, value: str, where: str, rule: Rule, layer: Layer | None,
               seen: set[str]) -> list[Finding]:  # fmt: skip
        findings = []
        for match in scanner().scan(f"{name}={value}").matches:
            if match.pattern.generic:
                continue  # a credential held by name is reported below, with this place's own rule
            if match.hash not in seen:
                seen.add(match.hash)
                findings.append(_locate(secret_finding(match, "", where), layer))
        hash_ = value_hash(value)
        if is_secret_name(name) and len(value) >= 4 and not looks_like_placeholder(value) and hash_ not in seen:
            seen.add(hash_)
            findings.append(Finding(
                rule_id=rule.id, kind=FindingKind.SECRET, severity=rule.severity, title=rule.title,
                message=f"{rule.title}: {where}", evidence=(redact(value), hash_), remediation=rule.remediation,
                compliance=SECRET_COMPLIANCE, location=Location(path="", layer=layer) if layer else None,
            ))  # fmt: skip
        return findings


def _locate(finding: Finding, layer: Layer | None) -> Finding:
    return finding if layer is None else replace(finding, location=Location(path="", layer=layer))
