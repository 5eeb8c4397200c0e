"""Risky files and packages: setuid/setgid, world-writable, credential and development files, caches, daemons."""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from typing import ClassVar

from mamoru.detectors.base import DetectContext
from mamoru.detectors.image.rules import RULES
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import FileKind, FileRecord, Inventory
from mamoru.model.package import Location, Package

CREDENTIAL_NAMES = frozenset({
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", "credentials.json", "credentials.xml", "credential",
    "credentials", "password.txt", "secret_token.rb", ".netrc", ".pgpass", ".git-credentials", ".htpasswd",
    "kubeconfig",
})  # fmt: skip
CREDENTIAL_PATHS = re.compile(r"(?:^|/)(?:\.aws/credentials|\.docker/config\.json|\.kube/config|\.npmrc|\.pypirc|"
                              r"\.env\.[A-Za-z0-9_-]+)$")  # fmt: skip
CREDENTIAL_SUFFIXES = (".ovpn", ".jks", ".keystore", ".p12", ".pfx", ".kdbx", ".psafe3", ".agilekeychain")
DEV_DIRS = frozenset({".git", ".svn", ".hg", ".vscode", ".idea"})
DEV_FILES = frozenset({".DS_Store", "Dockerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yaml"})
VENDORED = re.compile(r"(?:^|/)(?:node_modules|vendor|site-packages|dist-packages)/")
CACHES = (
    ("var/lib/apt/lists/", ("lock", "partial", "auxfiles")), ("var/cache/apt/", ()), ("var/cache/apk/", ()),
    ("var/cache/yum/", ()), ("var/cache/dnf/", ()), ("root/.cache/pip/", ()), ("root/.npm/_cacache/", ()),
)  # fmt: skip
REMOTE_ADMIN_PACKAGES = re.compile(r"^(?:openssh-server|openssh-sshd|dropbear(?:-bin)?|telnetd|inetutils-telnetd|"
                                   r"telnet-server|tigervnc-(?:standalone-|scraping-)?server|x11vnc|xrdp|vnc4server|"
                                   r"tightvncserver|rsh-server|rsh-redone-server)$")  # fmt: skip


class RiskyFilesDetector:
    """Checks the squashed filesystem (and, for credential files, every layer) and the installed packages."""

    name: ClassVar[str] = "risky-files"
    kind: ClassVar[FindingKind] = FindingKind.FILE

    def detect(self, inventory: Inventory, context: DetectContext) -> Sequence[Finding]:
        layers = {layer.index: layer for layer in inventory.artifact.layers}
        findings: list[Finding] = []
        dev_dirs_seen: set[str] = set()
        caches_seen: set[str] = set()
        for record in inventory.files:
            layer = layers.get(record.layer_index)
            location = Location(path=record.path, layer=layer, visible=record.visible)
            findings.extend(self._credential_file(record, location))
            if not record.visible:
                continue
            findings.extend(self._permissions(record, location))
            findings.extend(self._dev_file(record, location, dev_dirs_seen))
            findings.extend(self._cache(record, location, caches_seen))
        findings.extend(self._remote_admin(p) for p in inventory.packages if REMOTE_ADMIN_PACKAGES.match(p.name))
        return findings

    def _permissions(self, record: FileRecord, location: Location) -> list[Finding]:
        mode = record.mode
        if record.kind is FileKind.FILE:
            found = []
            if mode & (stat.S_ISUID | stat.S_ISGID):
                bits = " and ".join(
                    b for b, on in (("setuid", mode & stat.S_ISUID), ("setgid", mode & stat.S_ISGID)) if on
                )
                found.append(_finding("FILE-001", f"{bits} /{record.path} (mode {mode:04o})", location))
            if mode & stat.S_IWOTH:
                found.append(_finding("FILE-002", f"/{record.path} (mode {mode:04o})", location))
            return found
        if record.kind is FileKind.DIR and mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
            return [_finding("FILE-003", f"/{record.path}/ (mode {mode:04o})", location)]
        return []

    def _credential_file(self, record: FileRecord, location: Location) -> list[Finding]:
        if record.kind is not FileKind.FILE or VENDORED.search(record.path) or record.path.startswith("usr/share/doc/"):
            return []
        name = record.path.rpartition("/")[2]
        if name in CREDENTIAL_NAMES or CREDENTIAL_PATHS.search(record.path) or name.endswith(CREDENTIAL_SUFFIXES):
            # a deleted one is still in its layer; its location says so (not visible), as for every finding
            return [_finding("FILE-004", f"/{record.path}", location)]
        return []

    def _dev_file(self, record: FileRecord, location: Location, seen: set[str]) -> list[Finding]:
        if VENDORED.search(record.path):
            return []
        parts = record.path.split("/")
        for depth, part in enumerate(parts):
            if part in DEV_DIRS:
                top = "/".join(parts[: depth + 1])
                if top in seen:
                    return []
                seen.add(top)
                return [_finding("FILE-005", f"/{top}/", Location(path=top, layer=location.layer))]
        if record.kind is FileKind.FILE and parts[-1] in DEV_FILES:
            return [_finding("FILE-005", f"/{record.path}", location)]
        return []

    def _cache(self, record: FileRecord, location: Location, seen: set[str]) -> list[Finding]:
        if record.kind is not FileKind.FILE or record.size == 0 or record.path.endswith("/lock"):
            return []
        for prefix, ignored in CACHES:
            if record.path.startswith(prefix) and prefix not in seen:
                rest = record.path[len(prefix) :].split("/", 1)[0]
                if rest in ignored:
                    return []
                seen.add(prefix)
                return [_finding("FILE-006", f"/{prefix}", Location(path=prefix.rstrip("/"), layer=location.layer))]
        return []

    def _remote_admin(self, package: Package) -> Finding:
        rule = RULES["PKG-001"]
        return Finding(rule_id=rule.id, kind=rule.kind, severity=rule.severity, title=rule.title,
                       message=f"{rule.title}: {package.name} {package.version}", package=package,
                       remediation=rule.remediation, compliance=rule.compliance)  # fmt: skip


def _finding(rule_id: str, detail: str, location: Location) -> Finding:
    rule = RULES[rule_id]
    return Finding(rule_id=rule.id, kind=rule.kind, severity=rule.severity, title=rule.title,
                   message=f"{rule.title}: {detail}", location=location, remediation=rule.remediation,
                   compliance=rule.compliance)  # fmt: skip
