"""Drift: what changed in a container's writable layer since it was created, and what the changes hold.

The change list is the Engine's ``docker diff`` (``GET /containers/{id}/changes``). Each added or
changed path is first stat'ed (``HEAD /containers/{id}/archive``: directories and special files are
never streamed), then the file is streamed (``GET …/archive``, a one-member tar) through mamoru's own
bounded tar reader — nothing is extracted to disk — and handed to the malware engine (YARA rules and
hash lists) and the secret scanner, like image layers are. Counts, file sizes and total bytes are
bounded; whatever a bound or a vanished container cuts short becomes a note.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mamoru.analyzers.content.secrets import BINARY_SNIFF, MAX_SECRET_FILE, in_scope, scanner, secret_finding
from mamoru.content.malware.engine import MalwareEngine
from mamoru.content.malware.rules import MALWARE_COMPLIANCE, MALWARE_RULES, REMEDIATION
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import FileKind, Note, NoteKind
from mamoru.model.package import Location
from mamoru.runtime.engine import explain
from mamoru.runtime.rules import RULES, container_path, make_finding
from mamoru.walk.limits import Limits, MiB
from mamoru.walk.tar_layer import TarLayerReader

if TYPE_CHECKING:
    from docker import DockerClient

MAX_CHANGES = 100_000  # entries of the change list looked at
MAX_FILES_READ = 2_000  # files streamed per container
MAX_FILE_BYTES = 64 * MiB  # larger files are noted as skipped (as the malware analyzer does)
MAX_TOTAL_BYTES = 1024 * MiB  # per container
SHOWN_PATHS = 20
ADDED, CHANGED, DELETED = "A", "C", "D"
_KINDS = {0: CHANGED, 1: ADDED, 2: DELETED}
# where services legitimately write at run time
EPHEMERAL = ("tmp/", "var/tmp/", "run/", "var/run/", "var/log/", "var/cache/", "var/lock/", "dev/", "proc/", "sys/",
             "root/.cache/", "root/.ash_history", "root/.bash_history", "root/.viminfo", "root/.lesshst",
             "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab", ".dockerenv")  # fmt: skip
PACKAGE_DATABASES = ("var/lib/dpkg/status", "lib/apk/db/installed", "var/lib/rpm/", "usr/lib/sysimage/rpm/",
                     "var/lib/dpkg/info/")  # fmt: skip
EXECUTABLE_DIRS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/local/bin/", "usr/local/sbin/", "lib/", "lib64/",
                   "usr/lib/", "usr/lib64/", "usr/local/lib/", "usr/libexec/")  # fmt: skip
_GO_MODE_TYPE = (1 << 31) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19)  # Go fs.ModeType
_GO_MODE_DIR = 1 << 31
MALWARE = {rule.id: rule for rule in MALWARE_RULES}


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of ``docker diff``: a path (relative, no leading slash) and A, C or D."""

    path: str
    kind: str


@dataclass(slots=True)
class DriftResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


class ContainerGone(Exception):
    """The container disappeared while it was being read."""


def parse_changes(raw: Any) -> list[Change]:
    """The Engine's change list (``[{"Path": "/x", "Kind": 1}]``), bounded and normalised."""
    changes = []
    for item in (raw or [])[:MAX_CHANGES] if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("Path"), str) and item.get("Kind") in _KINDS:
            path = item["Path"].strip("/")
            if path and ".." not in path.split("/"):
                changes.append(Change(path, _KINDS[item["Kind"]]))
    return changes


def leaves(changes: list[Change]) -> list[Change]:
    """Changes that are not merely parents of other changes (``C /usr`` above ``A /usr/bin/x``)."""
    parents: set[str] = set()
    for change in changes:
        parts = change.path.split("/")
        parents.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return [c for c in changes if not (c.kind == CHANGED and c.path in parents)]


class _StreamSource:
    """A tar stream from an HTTP response, read forward with a byte budget (the tar reader's source)."""

    def __init__(self, raw: Any, budget: int) -> None:
        self._raw = raw
        self.budget = budget
        self.consumed = 0

    def read(self, size: int = -1, /) -> bytes:
        want = self.budget - self.consumed if size < 0 else min(size, self.budget - self.consumed)
        chunks = []
        while want > 0:
            chunk = self._raw.read(min(want, 1 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
            self.consumed += len(chunk)
        return b"".join(chunks)

    def skip(self, size: int) -> int:
        return len(self.read(size))


class DriftReader:
    """Reads one container's changes and the content of its changed files through the Engine API."""

    def __init__(self, client: DockerClient, container_id: str, name: str, engine: MalwareEngine | None,
                 mount_points: tuple[str, ...] = ()) -> None:  # fmt: skip
        self._client = client
        self._mounts = tuple(p.strip("/") for p in mount_points if p.strip("/"))
        self._id = container_id
        self._name = name
        self._engine = engine
        self._url = f"{client.api.base_url}/v{client.api.api_version}/containers/{container_id}/archive"
        self._timeout = 120

    def run(self) -> DriftResult:
        from docker.errors import APIError, NotFound

        result = DriftResult()
        try:
            result.changes = parse_changes(self._client.api.diff(self._id))
        except NotFound:
            raise ContainerGone(self._name) from None
        except APIError as exc:
            result.notes.append(self._note(f"docker diff failed: {explain(exc)}", NoteKind.WARNING))
            return result
        if len(result.changes) >= MAX_CHANGES:
            result.notes.append(self._note(f"more than {MAX_CHANGES} changed paths: the rest is not checked",
                                           NoteKind.LIMIT))  # fmt: skip
        self._classify(result)
        return result

    def _classify(self, result: DriftResult) -> None:
        # the Engine creates mount points (volumes, binds, tmpfs) in the writable layer: not drift
        changed = [c for c in leaves(result.changes)
                   if not any(c.path == m or c.path.startswith(m + "/") for m in self._mounts)]  # fmt: skip
        lasting = [c for c in changed if not c.path.startswith(EPHEMERAL) and c.path + "/" not in EPHEMERAL]
        if lasting:
            counts = {k: sum(1 for c in lasting if c.kind == k) for k in (ADDED, CHANGED, DELETED)}
            shown = tuple(f"{c.kind} /{c.path}" for c in lasting[:SHOWN_PATHS])
            message = (f"container {self._name}: {counts[ADDED]} added, {counts[CHANGED]} changed, "
                       f"{counts[DELETED]} deleted outside temporary directories")  # fmt: skip
            result.findings.append(make_finding(RULES["RUN-012"], message, container_path(self._name), shown))
        databases = [c for c in changed if c.kind != DELETED and c.path.startswith(PACKAGE_DATABASES)]
        if databases:
            result.findings.append(make_finding(
                RULES["RUN-013"], f"container {self._name}: package database changed (/{databases[0].path})",
                container_path(self._name, databases[0].path), tuple(f"{c.kind} /{c.path}" for c in databases[:5]),
            ))  # fmt: skip
        budget = MAX_TOTAL_BYTES
        readable = [c for c in changed if c.kind != DELETED]
        if len(readable) > MAX_FILES_READ:
            result.notes.append(self._note(f"{len(readable)} added or changed files: only the first "
                                           f"{MAX_FILES_READ} are read", NoteKind.LIMIT))  # fmt: skip
        import requests

        for change in readable[:MAX_FILES_READ]:
            if budget <= 0:
                result.notes.append(self._note(f"read {MAX_TOTAL_BYTES} bytes of changed files: the rest is not "
                                               "checked", NoteKind.LIMIT))  # fmt: skip
                break
            try:
                budget -= self._check_file(change, result)
            except requests.RequestException as exc:
                result.notes.append(self._note(f"cannot read from the Engine: {explain(exc)}", NoteKind.SKIPPED,
                                               change.path))  # fmt: skip

    def _check_file(self, change: Change, result: DriftResult) -> int:
        """Stat, stream and check one changed path; returns the bytes read."""
        stat = self._stat(change.path, result)
        if stat is None or int(stat.get("mode", 0)) & _GO_MODE_TYPE:
            return 0  # gone, a directory, a link or a special file
        size = int(stat.get("size", 0))
        if size > MAX_FILE_BYTES:
            result.notes.append(self._note(f"larger than {MAX_FILE_BYTES} bytes: not read", NoteKind.SKIPPED,
                                           change.path))  # fmt: skip
            return 0
        content = self._read(change.path, result)
        if content is None:
            return 0
        data, mode = content
        executable = data[:4] == b"\x7fELF" or bool(mode & 0o111)
        where = container_path(self._name, change.path)
        if change.kind == ADDED and executable:
            kind = "ELF binary" if data[:4] == b"\x7fELF" else "script" if data[:2] == b"#!" else "executable file"
            result.findings.append(make_finding(
                RULES["RUN-010"], f"container {self._name}: {kind} /{change.path} added after the container started",
                where, (f"mode {mode:04o}", f"{len(data)} bytes"),
            ))  # fmt: skip
        elif change.kind == CHANGED and (executable or change.path.startswith(EXECUTABLE_DIRS)):
            result.findings.append(make_finding(
                RULES["RUN-011"], f"container {self._name}: /{change.path} from the image was modified",
                where, (f"mode {mode:04o}", f"{len(data)} bytes"),
            ))  # fmt: skip
        result.findings.extend(self._content(change.path, data, where))
        return len(data)

    def _content(self, path: str, data: bytes, where: str) -> list[Finding]:
        findings = []
        if self._engine is not None and data:
            matches, _timed_out = self._engine.scan(data, path)
            for match in matches:
                rule = MALWARE[match.rule_id]
                findings.append(Finding(
                    rule_id=rule.id, kind=FindingKind.MALWARE, severity=rule.severity, title=rule.title,
                    message=f"{match.description}: /{path} in container {self._name} (written after it started)",
                    location=Location(path=where), evidence=(match.signature,), remediation=REMEDIATION,
                    compliance=MALWARE_COMPLIANCE,
                ))  # fmt: skip
        if 0 < len(data) <= MAX_SECRET_FILE and b"\x00" not in data[:BINARY_SNIFF] and in_scope(path):
            findings.extend(secret_finding(secret, where) for secret in scanner().scan_bytes(data, path).matches)
        return findings

    def _stat(self, path: str, result: DriftResult) -> dict[str, Any] | None:
        response = self._client.api.head(self._url, params={"path": "/" + path}, timeout=self._timeout)
        if response.status_code == 404:
            if self._container_gone():
                raise ContainerGone(self._name)
            return None  # the file went away since the diff
        if response.status_code >= 400:
            result.notes.append(self._note(f"cannot stat: HTTP {response.status_code}", NoteKind.SKIPPED, path))
            return None
        header = response.headers.get("X-Docker-Container-Path-Stat", "")
        try:
            stat = json.loads(base64.b64decode(header))
        except (ValueError, TypeError):
            result.notes.append(self._note("the Engine sent no file information", NoteKind.SKIPPED, path))
            return None
        return stat if isinstance(stat, dict) else None

    def _read(self, path: str, result: DriftResult) -> tuple[bytes, int] | None:
        params = {"path": "/" + path}
        headers = {"Accept-Encoding": "identity"}
        with self._client.api.get(self._url, params=params, headers=headers, stream=True,
                                  timeout=self._timeout) as response:  # fmt: skip
            if response.status_code == 404:
                if self._container_gone():
                    raise ContainerGone(self._name)
                return None
            if response.status_code >= 400:
                result.notes.append(self._note(f"cannot read: HTTP {response.status_code}", NoteKind.SKIPPED, path))
                return None
            source = _StreamSource(response.raw, MAX_FILE_BYTES + 64 * 1024)
            reader = TarLayerReader(source, Limits(max_members=16), f"/{path} of container {self._name}")
            for entry in _first(reader.entries()):
                if entry.kind is not FileKind.FILE:
                    return None
                try:
                    with entry.open() as stream:
                        data = stream.read(MAX_FILE_BYTES)
                except OSError as exc:
                    result.notes.append(self._note(f"cannot read: {exc}", NoteKind.SKIPPED, path))
                    return None
                return data, entry.mode
            for note in reader.notes:
                result.notes.append(self._note(note.message, NoteKind.UNKNOWN, path))
        return None

    def _container_gone(self) -> bool:
        from docker.errors import NotFound

        try:
            self._client.api.inspect_container(self._id)
        except NotFound:
            return True
        return False

    def _note(self, message: str, kind: NoteKind, path: str = "") -> Note:
        return Note(kind=kind, message=f"container {self._name}: {message}", path=path, source="drift")


def _first(entries: Iterator[Any]) -> Iterator[Any]:
    for entry in entries:
        yield entry
        return
