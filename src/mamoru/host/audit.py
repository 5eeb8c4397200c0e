"""``mamoru host``: CIS Docker §1-3, the host OS and the platform components of ``/`` or a host root.

Every family of checks runs on its own; a missing or unreadable file, a daemon that does not answer
or a malformed configuration becomes a note and the other checks still run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mamoru.errors import TargetError
from mamoru.host.checks import (
    audit_findings,
    daemon_findings,
    docker_present,
    file_findings,
    group_findings,
    note,
    partition_findings,
    read_accounts,
    read_audit_rules,
)
from mamoru.host.daemon import discover
from mamoru.host.hostroot import HostRoot
from mamoru.host.packages import scan_host_software
from mamoru.host.platform import find_components, match_components
from mamoru.host.system import eol_finding, services_finding
from mamoru.model.artifact import Artifact, ArtifactKind, Layer
from mamoru.model.inventory import Inventory, Note, NoteKind, OSRelease
from mamoru.model.package import Location
from mamoru.scan.pipeline import ScanOptions, finding_order
from mamoru.walk.walker import Progress


@dataclass(frozen=True, slots=True, kw_only=True)
class HostOptions:
    """What to audit and how."""

    root: str = "/"
    dockerd_args: str | None = None  # the daemon's command line, for a host root that is not running
    docker_host: str | None = None  # ask this daemon for ``docker version``/``info`` (default: live root only)
    packages: bool = True  # scan the host's software through the image pipeline
    scan: ScanOptions = field(default_factory=ScanOptions)
    today: date | None = None


def audit_host(options: HostOptions, progress: Progress | None = None) -> Inventory:
    """Findings, notes and the software inventory of one host root."""
    if not os.path.isdir(options.root):
        raise TargetError(f"{options.root}: not a directory (give the host's root directory)")
    host = HostRoot(options.root)
    daemons, notes = discover(host, options.dockerd_args)
    engine_info, engine_version = _engine(host, options, notes)
    findings = []
    if docker_present(host, daemons):
        driver = str(engine_info.get("Driver", "")) if engine_info else ""
        for daemon in daemons:
            findings += daemon_findings(daemon, driver)
        accounts = read_accounts(host)
        findings += file_findings(host, daemons, accounts)
        findings += partition_findings(host, daemons)
        findings += group_findings(accounts)
        findings += audit_findings(host, daemons, read_audit_rules(host))
    else:
        notes.append(note("no Docker installation found under the root: the CIS Docker §1.1, §2 and §3 checks "
                          "do not apply"))  # fmt: skip
    artifact = Artifact(name=options.root, kind=ArtifactKind.HOST, source="host-root", layers=(Layer(index=0),))
    if options.packages:
        inventory = scan_host_software(host.root, [d.data_root for d in daemons], options.scan, progress)
        inventory.artifact = artifact
    else:
        inventory = Inventory(artifact=artifact, os=_os_release(host))
    findings += services_finding(host, inventory.os, inventory.packages)
    findings += eol_finding(inventory.os, options.today or date.today())
    release = (inventory.os.family, inventory.os.major_version) if inventory.os else ("", "")
    components, component_notes = find_components(host, inventory.packages, release, engine_version)
    platform_findings, match_notes = match_components(components)
    # the advisory database (vuln scanner on the host packages) already said it: keep one finding
    reported = {(f.rule_id, f.package.name, f.package.version) for f in inventory.findings if f.package is not None}
    platform_findings = [
        f
        for f in platform_findings
        if f.package is None or (f.rule_id, f.package.name, f.package.version) not in reported
    ]
    known = {(p.name, p.version) for p in inventory.packages}
    inventory.packages += [c.as_package() for c in components
                           if (c.package or c.name, c.package_version or c.version) not in known]  # fmt: skip
    inventory.findings += findings + platform_findings
    inventory.findings.sort(key=finding_order)
    inventory.notes += notes + component_notes + match_notes + host.notes
    return inventory


def _engine(host: HostRoot, options: HostOptions, notes: list[Note]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``docker info`` and ``docker version`` of the host's daemon, when it is this machine and answers."""
    if not host.live and options.docker_host is None:
        return {}, {}
    from docker.errors import DockerException

    from mamoru.runtime.engine import connect, explain

    try:
        client = connect(options.docker_host)
    except TargetError as exc:
        notes.append(Note(kind=NoteKind.WARNING, source="host", message=f"{exc}; daemon facts come from its "
                          "configuration only"))  # fmt: skip
        return {}, {}
    try:
        return client.info(), client.version()
    except DockerException as exc:
        notes.append(Note(kind=NoteKind.WARNING, source="host", message=f"docker info failed: {explain(exc)}"))
        return {}, {}
    finally:
        client.close()


def _os_release(host: HostRoot) -> OSRelease | None:
    from mamoru.analyzers.base import AnalyzerParseError
    from mamoru.analyzers.os.release import parse_os_release

    for path in ("etc/os-release", "usr/lib/os-release"):
        text = host.text(path, 64 * 1024)
        if text is None:
            continue
        try:
            fact = parse_os_release(text)
        except AnalyzerParseError as exc:
            host.note(path, f"cannot parse: {exc}")
            continue
        return OSRelease(family=fact.family, version=fact.version, name=fact.name, codename=fact.codename,
                         id_like=fact.id_like, location=Location(path=path))  # fmt: skip
    return None
