"""Kubernetes manifests: resources of multi-document YAML (plain, ``helm template``, ``kustomize build``).

Every workload kind that carries a pod template is unwrapped to its pod spec (Pod, Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, and OpenShift's
DeploymentConfig); ``kind: List`` documents (``kubectl get -o yaml``) are expanded into their items.
Helm's ``# Source: chart/templates/x.yaml`` comments are kept so findings can name the template.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mamoru.config.yamldoc import YamlError, YMap, YSeq, load_documents

POD_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                                "Job", "DeploymentConfig"})  # fmt: skip
WORKLOAD_KINDS = POD_TEMPLATE_KINDS | {"Pod", "CronJob"}
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")
MAX_LIST_ITEMS = 100_000


class KubernetesError(ValueError):
    """Not Kubernetes YAML mamoru can read."""


@dataclass(slots=True)
class Resource:
    """One Kubernetes object."""

    path: str
    data: YMap
    line: int
    source: str = ""  # Helm's "# Source:" template path

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion") or "")

    @property
    def metadata(self) -> YMap:
        value = self.data.get("metadata")
        return value if isinstance(value, YMap) else YMap(self.line)

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def namespace(self) -> str:
        """The namespace written in the manifest ("" when none: the one kubectl applies to)."""
        return str(self.metadata.get("namespace") or "")

    @property
    def ident(self) -> str:
        return f"{self.kind}/{self.name}" if self.name else self.kind


@dataclass(slots=True)
class Container:
    pod: PodSpec
    data: YMap
    field: str  # containers, initContainers, ephemeralContainers
    line: int

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def image(self) -> str:
        return str(self.data.get("image") or "")

    @property
    def security_context(self) -> YMap:
        value = self.data.get("securityContext")
        return value if isinstance(value, YMap) else YMap(self.line)

    def describe(self) -> str:
        kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}.get(
            self.field, "container"
        )
        return f"{kind} {self.name}" if self.name else kind

    def effective(self, key: str) -> tuple[Any, int]:
        """A security context field as it applies to this container (its own, else the pod's), with its line."""
        own = self.security_context
        if key in own:
            return own[key], own.line_of(key)
        pod = self.pod.security_context
        if key in pod:
            return pod[key], pod.line_of(key)
        return None, self.line


@dataclass(slots=True)
class PodSpec:
    """The pod spec of a workload, with the metadata of its template (annotations)."""

    resource: Resource
    spec: YMap
    metadata: YMap

    @property
    def line(self) -> int:
        return self.spec.line

    @property
    def security_context(self) -> YMap:
        value = self.spec.get("securityContext")
        return value if isinstance(value, YMap) else YMap(self.spec.line)

    @property
    def containers(self) -> list[Container]:
        found = []
        for name in CONTAINER_FIELDS:
            items = self.spec.get(name)
            if isinstance(items, YSeq):
                for index, item in enumerate(items):
                    if isinstance(item, YMap):
                        found.append(Container(self, item, name, items.line_of(index)))
        return found

    @property
    def volumes(self) -> list[tuple[YMap, int]]:
        items = self.spec.get("volumes")
        if not isinstance(items, YSeq):
            return []
        return [(item, items.line_of(i)) for i, item in enumerate(items) if isinstance(item, YMap)]

    @property
    def annotations(self) -> YMap:
        value = self.metadata.get("annotations")
        return value if isinstance(value, YMap) else YMap(self.metadata.line)


@dataclass(slots=True)
class KubernetesSet:
    """Every Kubernetes resource of a scan (rules such as "namespace without a NetworkPolicy" look across files)."""

    resources: list[Resource] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def workloads(self) -> Iterator[PodSpec]:
        for resource in self.resources:
            pod = pod_spec(resource)
            if pod is not None:
                yield pod

    def of_kind(self, *kinds: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.kind in kinds)


def pod_spec(resource: Resource) -> PodSpec | None:
    """The pod spec a workload runs (None for other kinds or a malformed one)."""
    data = resource.data
    kind = resource.kind
    if kind == "Pod":
        spec, metadata = data.get("spec"), resource.metadata
    elif kind in POD_TEMPLATE_KINDS:
        template = _get(data, "spec", "template")
        spec, metadata = _get(template, "spec"), _get(template, "metadata")
    elif kind == "CronJob":
        template = _get(data, "spec", "jobTemplate", "spec", "template")
        spec, metadata = _get(template, "spec"), _get(template, "metadata")
    else:
        return None
    if not isinstance(spec, YMap):
        return None
    return PodSpec(resource, spec, metadata if isinstance(metadata, YMap) else YMap(spec.line))


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, YMap):
            return None
        value = value.get(key)
    return value


def parse_kubernetes(text: str, path: str) -> list[Resource]:
    """The resources of a manifest file; raises :class:`KubernetesError` for invalid YAML."""
    try:
        documents = load_documents(text)
    except YamlError as exc:
        raise KubernetesError(f"invalid YAML: {exc}") from None
    lines = text.splitlines()
    resources: list[Resource] = []
    for document in documents:
        data = document.data
        if not isinstance(data, YMap) or "kind" not in data:
            continue
        source = _helm_source(lines, document.line)
        kind = str(data.get("kind") or "")
        items = data.get("items")
        if kind == "List" or (kind.endswith("List") and isinstance(items, YSeq)):
            for item in (items if isinstance(items, YSeq) else [])[:MAX_LIST_ITEMS]:
                if isinstance(item, YMap) and "kind" in item:
                    resources.append(Resource(path, item, item.line, source))
            continue
        resources.append(Resource(path, data, document.line, source))
    return resources


def _helm_source(lines: list[str], line: int) -> str:
    """The ``# Source:`` comment Helm writes just above a document."""
    for number in range(line - 1, max(0, line - 6), -1):
        text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        if text.startswith("# Source:"):
            return text.removeprefix("# Source:").strip()
        if text == "---":
            break
    return ""
