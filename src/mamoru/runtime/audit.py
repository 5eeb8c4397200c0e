"""``mamoru runtime``: audit the containers of a Docker Engine.

For each container (all of them, running and created, or the ones named): the CIS Docker §5 checks on
its inspect document, clear-text secrets in its environment, sshd among its processes, privileged exec
sessions, and drift of its writable layer (:mod:`mamoru.runtime.drift`). Once per daemon: swarm mode
and the platform components of ``docker version`` against the escape-CVE table. Once per image in
use: the image pipeline on the image exported from the daemon (packages, vulnerabilities, secrets,
malware, misconfigurations), its findings tagged with the containers that run it.

A container that disappears during the audit, or a daemon call that fails, becomes a note; the other
containers and checks go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mamoru.errors import MamoruError, TargetError
from mamoru.model.artifact import Artifact, ArtifactKind
from mamoru.model.finding import Finding
from mamoru.model.inventory import Inventory, Note, NoteKind
from mamoru.model.package import Package
from mamoru.runtime.checks import ContainerFacts, DaemonFacts, check_container, swarm_finding
from mamoru.runtime.drift import ContainerGone, DriftReader
from mamoru.runtime.engine import connect, display_host, explain
from mamoru.runtime.environment import env_findings
from mamoru.scan.pipeline import ScanOptions, finding_order
from mamoru.walk.walker import Progress

if TYPE_CHECKING:
    from docker import DockerClient

MAX_CONTAINERS = 10_000
MAX_EXECS = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeOptions:
    """What to audit and how."""

    docker_host: str | None = None
    containers: tuple[str, ...] = ()  # names or ids; empty: every container
    drift: bool = True
    image_scan: bool = True
    scan: ScanOptions = field(default_factory=ScanOptions)  # for the image scans (scanners, content settings)
    list_packages: bool = False  # keep the images' packages in the report


def audit_runtime(options: RuntimeOptions, progress: Progress | None = None) -> Inventory:
    """Findings and notes for the chosen containers of one daemon."""
    client = connect(options.docker_host)
    try:
        return _Audit(client, options, progress).run()
    finally:
        client.close()


class _Audit:
    def __init__(self, client: DockerClient, options: RuntimeOptions, progress: Progress | None) -> None:
        self.client = client
        self.options = options
        self.progress = progress
        self.where = display_host(client, options.docker_host)
        self.findings: list[Finding] = []
        self.notes: list[Note] = []
        self.packages: list[Package] = []
        self.images: dict[str, list[str]] = {}  # image id → container names

    def note(self, message: str, kind: NoteKind = NoteKind.WARNING) -> None:
        self.notes.append(Note(kind=kind, message=message, source="runtime"))

    def run(self) -> Inventory:
        from docker.errors import DockerException

        try:
            info = self.client.info()
        except DockerException as exc:
            raise TargetError(f"Docker daemon at {self.where}: docker info failed: {explain(exc)}") from None
        daemon = DaemonFacts.from_info(info)
        self.findings += swarm_finding(daemon, self.where)
        self._platform(info)
        ids = self._container_ids()
        malware = self._malware_engine() if self.options.drift else None
        names = []
        for container_id in ids:
            name = self._audit_container(container_id, daemon, malware)
            if name:
                names.append(name)
        if self.options.image_scan:
            for image_id, users in self.images.items():
                self._scan_image(image_id, users)
        name = names[0] if len(names) == 1 else f"docker engine {self.where}"
        artifact = Artifact(name=name, kind=ArtifactKind.CONTAINER, source="docker-engine")
        unique: dict[str, Finding] = {}
        for finding in self.findings:
            unique.setdefault(finding.fingerprint() + finding.message, finding)
        findings = sorted(unique.values(), key=finding_order)
        return Inventory(artifact=artifact, findings=findings, notes=self.notes, packages=self.packages)

    def _platform(self, info: dict[str, Any]) -> None:
        from docker.errors import DockerException

        from mamoru.host.platform import engine_components, match_components

        try:
            version = self.client.version()
        except DockerException as exc:
            self.note(f"docker version failed: {explain(exc)}; platform components not checked")
            return
        system = str(info.get("OperatingSystem", ""))
        match = re.match(r"(Debian|Ubuntu|Alpine)\D*(\d+)", system)
        release = (match.group(1).lower(), match.group(2)) if match else ("", "")
        findings, notes = match_components(engine_components(version, release))
        self.findings += findings
        self.notes += notes

    def _container_ids(self) -> list[str]:
        from docker.errors import DockerException, NotFound

        if not self.options.containers:
            try:
                listed = self.client.api.containers(all=True)
            except DockerException as exc:
                raise TargetError(f"Docker daemon at {self.where}: cannot list containers: {explain(exc)}") from None
            if len(listed) > MAX_CONTAINERS:
                self.note(f"{len(listed)} containers: only the first {MAX_CONTAINERS} are audited", NoteKind.LIMIT)
            return [str(c["Id"]) for c in listed[:MAX_CONTAINERS]]
        ids = []
        for name in self.options.containers:
            try:
                ids.append(str(self.client.api.inspect_container(name)["Id"]))
            except NotFound:
                self.note(f"no such container: {name}")
            except DockerException as exc:
                self.note(f"container {name}: {explain(exc)}")
        if not ids:
            raise TargetError(f"none of the containers {', '.join(self.options.containers)} exists at {self.where}")
        return ids

    def _malware_engine(self) -> Any:
        from mamoru.content.malware.engine import MalwareEngine

        return MalwareEngine(self.options.scan.content)

    def _audit_container(self, container_id: str, daemon: DaemonFacts, malware: Any) -> str:
        """Audit one container; returns its name ("" when it vanished before it could be inspected)."""
        from docker.errors import DockerException, NotFound

        try:
            inspect = self.client.api.inspect_container(container_id)
        except NotFound:
            self.note(f"container {container_id[:12]} disappeared before it was inspected")
            return ""
        except DockerException as exc:
            self.note(f"container {container_id[:12]}: inspect failed: {explain(exc)}")
            return ""
        facts = ContainerFacts(inspect=inspect)
        name = facts.name
        running = bool((inspect.get("State") or {}).get("Running"))
        try:
            if running:
                facts.processes = self._processes(container_id)
                facts.privileged_execs = self._privileged_execs(inspect)
            else:
                self.note(f"container {name} is {(inspect.get('State') or {}).get('Status', 'not running')}: "
                          "process checks (sshd, exec sessions) skipped", NoteKind.SKIPPED)  # fmt: skip
            self.findings += check_container(facts, daemon)
            image_id = str(inspect.get("Image") or "")
            self.findings += env_findings(name, list((inspect.get("Config") or {}).get("Env") or []),
                                          self._image_env(image_id))  # fmt: skip
            if image_id:
                self.images.setdefault(image_id, []).append(name)
            if self.options.drift:
                mounts = tuple(
                    str(m.get("Destination", "")) for m in inspect.get("Mounts") or [] if isinstance(m, dict)
                )
                mounts += tuple(str(t) for t in ((inspect.get("HostConfig") or {}).get("Tmpfs") or {}))
                result = DriftReader(self.client, container_id, name, malware, mounts).run()
                self.findings += result.findings
                self.notes += result.notes
        except (NotFound, ContainerGone):
            self.note(f"container {name} disappeared during the audit: its results are partial")
        except DockerException as exc:
            self.note(f"container {name}: {explain(exc)}: its results are partial")
        return name

    def _processes(self, container_id: str) -> list[str] | None:
        from docker.errors import APIError

        try:
            top = self.client.api.top(container_id)
        except APIError as exc:
            if exc.status_code == 404:
                raise
            self.note(f"container {container_id[:12]}: process list unavailable: {explain(exc)}")
            return None
        titles = [str(t) for t in top.get("Titles") or []]
        column = next((i for i, t in enumerate(titles) if t in ("CMD", "COMMAND")), len(titles) - 1)
        return [str(row[column]) for row in top.get("Processes") or [] if len(row) > column]

    def _privileged_execs(self, inspect: dict[str, Any]) -> list[str]:
        from docker.errors import NotFound

        found = []
        for exec_id in (inspect.get("ExecIDs") or [])[:MAX_EXECS]:
            try:
                detail = self.client.api.exec_inspect(exec_id)
            except NotFound:
                continue  # ended meanwhile
            config = detail.get("ProcessConfig") or {}
            if detail.get("Running") and (config.get("privileged") or detail.get("Privileged")):
                found.append(" ".join([str(config.get("entrypoint", "")), *map(str, config.get("arguments") or [])]))
        return found

    def _image_env(self, image_id: str) -> list[str]:
        from docker.errors import DockerException

        if not image_id:
            return []
        try:
            attrs: dict[str, Any] = self.client.images.get(image_id).attrs
            return [str(e) for e in (attrs.get("Config") or {}).get("Env") or []]
        except DockerException:
            return []

    def _scan_image(self, image_id: str, users: list[str]) -> None:
        """The image pipeline on one image exported from the daemon; findings name the containers using it."""
        from mamoru.scan.pipeline import scan_source
        from mamoru.targets.daemon import open_daemon_image

        label = ", ".join(users[:5]) + (" …" if len(users) > 5 else "")
        try:
            source = open_daemon_image(image_id, self.options.scan.limits, self.options.docker_host)
        except MamoruError as exc:
            self.note(f"image {image_id[:19]} of {label}: not scanned: {exc}")
            return
        try:
            inventory = scan_source(source, self.options.scan, self.progress)
        except MamoruError as exc:
            self.note(f"image {image_id[:19]} of {label}: scan failed: {exc}")
            return
        finally:
            source.close()
        tags = inventory.artifact.image.repo_tags if inventory.artifact.image else ()
        image = tags[0] if tags else image_id[:19]
        suffix = f" (image {image} of container{'s' if len(users) > 1 else ''} {label})"
        self.findings += [replace(f, message=(f.message or f.title) + suffix) for f in inventory.findings]
        self.notes += [replace(n, message=f"image {image}: {n.message}") for n in inventory.notes]
        if self.options.list_packages:
            known = {p.identity for p in self.packages}
            self.packages += [p for p in inventory.packages if p.identity not in known]
