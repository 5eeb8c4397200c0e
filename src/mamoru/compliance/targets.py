"""Scan the targets of a compliance run with mamoru's own scanners, one ``TargetResult`` each.

A target is an image (archive, OCI layout, daemon image name), config files (a Dockerfile, Compose
file, Kubernetes manifest or a directory of them), ``runtime`` (every container of the Docker
Engine) or ``host`` (this host; ``host:/mnt/root`` for a mounted root). ``image:``, ``config:``,
``runtime:`` and ``host:`` prefixes say what a target is when the guess would be wrong.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mamoru.compliance.evaluate import TargetResult, evaluated_rules
from mamoru.errors import UsageError
from mamoru.model.finding import FindingKind
from mamoru.model.inventory import Inventory
from mamoru.policy.config import Settings
from mamoru.scan.pipeline import available_scanners

SCOPES = ("image", "config", "runtime", "host")
CONFIG_NAMES = ("dockerfile", "containerfile", "compose", "docker-compose")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".dockerfile", ".containerfile")
IMAGE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".oci")
VULN_NOT_CHECKED = "vulnerabilities were not checked"  # the vulnerability detector's note without a database


@dataclass(frozen=True, slots=True)
class Target:
    """A target as classified: its scope and the value to scan."""

    scope: str
    value: str
    given: str


def classify(given: str) -> Target:
    """What a target is: explicit ``scope:value``, the words ``runtime``/``host``, or guessed from the path."""
    scope, _, value = given.partition(":")
    if scope in SCOPES and _:
        if scope in ("image", "config") and not value:
            raise UsageError(f"target {given!r}: say what to scan after {scope}:")
        return Target(scope, value or ("/" if scope == "host" else ""), given)
    if given in ("runtime", "host"):
        return Target(given, "/" if given == "host" else "", given)
    if os.path.isdir(given):
        if os.path.exists(os.path.join(given, "oci-layout")):
            return Target("image", given, given)
        return Target("config", given, given)
    if os.path.isfile(given):
        name = os.path.basename(given).lower()
        if name.endswith(IMAGE_SUFFIXES):
            return Target("image", given, given)
        if name.startswith(CONFIG_NAMES) or name.endswith(CONFIG_SUFFIXES):
            return Target("config", given, given)
        return Target("image", given, given)
    return Target("image", given, given)  # an image name for the Docker daemon


def scan_target(target: Target, settings: Settings, progress: Any, docker_host: str | None) -> TargetResult:
    """Scan one target with the settings of the run and apply the policy to its findings."""
    from mamoru.policy.apply import apply_policy
    from mamoru.rules import all_rules

    rules = all_rules()
    controls: frozenset[tuple[str, str]] = frozenset()
    scanners = settings.scanners if settings.scanners is not None else available_scanners()
    if target.scope == "image":
        from mamoru.scan.pipeline import ScanOptions, scan_image

        options = ScanOptions(scanners=scanners, content=settings.content, db_path=settings.db_path,
                              docker_host=docker_host)  # fmt: skip
        inventory = scan_image(target.value, options, progress)
        evaluated = evaluated_rules(rules, {"image"}, scanners)
    elif target.scope == "config":
        inventory, types = _scan_config(target.value)
        evaluated = evaluated_rules(rules, {"config", *types}, None)
    elif target.scope == "runtime":
        from mamoru.runtime.audit import RuntimeOptions, audit_runtime
        from mamoru.scan.pipeline import ScanOptions

        scan = ScanOptions(scanners=scanners, content=settings.content, db_path=settings.db_path,
                           docker_host=target.value or docker_host)  # fmt: skip
        inventory = audit_runtime(RuntimeOptions(docker_host=target.value or docker_host, scan=scan), progress)
        evaluated = evaluated_rules(rules, {"runtime"}, None) | evaluated_rules(rules, {"image"}, scanners)
    else:
        from mamoru.host.audit import HostOptions, audit_host
        from mamoru.host.platform import COMPLIANCE as PLATFORM_CONTROLS
        from mamoru.scan.pipeline import ScanOptions

        scan = ScanOptions(scanners=scanners & {FindingKind.VULNERABILITY}, db_path=settings.db_path)
        inventory = audit_host(HostOptions(root=target.value, docker_host=docker_host, scan=scan), progress)
        evaluated = evaluated_rules(rules, {"host"}, None)
        # runc, containerd and dockerd versions are always checked against the escape-CVE table
        controls = frozenset((ref.framework, ref.control) for ref in PLATFORM_CONTROLS)
    apply_policy(inventory, replace(settings.policy, show_suppressed=True))
    checked = FindingKind.VULNERABILITY in scanners and target.scope in ("image", "runtime", "host")
    checked = checked and not any(note.message.startswith(VULN_NOT_CHECKED) for note in inventory.notes)
    return TargetResult(
        target=target.given,
        scope=target.scope,
        findings=list(inventory.findings),
        evaluated=evaluated,
        vulnerabilities_checked=checked,
        controls_checked=controls,
        notes=list(inventory.notes),
    )


def scan_targets(
    targets: Sequence[str], settings: Settings, progress: Any = None, docker_host: str | None = None
) -> list[TargetResult]:
    """Every target, in order."""
    return [scan_target(classify(given), settings, progress, docker_host) for given in targets]


def _scan_config(path: str) -> tuple[Inventory, set[str]]:
    from mamoru.config.scanner import scan_paths
    from mamoru.model.artifact import Artifact, ArtifactKind

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or directory")
    result = scan_paths([path])
    artifact = Artifact(name=path, kind=ArtifactKind.CONFIG, source="config-files")
    types = {config_type.value for _, config_type in result.files}
    return Inventory(artifact=artifact, findings=result.findings, notes=result.notes), types
