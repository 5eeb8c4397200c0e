"""Helpers shared by the Kubernetes rules: where a finding is, and how fields are read."""

from __future__ import annotations

from typing import Any

from mamoru.config.detect import ConfigType
from mamoru.config.kubernetes import Container, PodSpec, Resource
from mamoru.config.yamldoc import YMap, YSeq
from mamoru.model.finding import FindingKind
from mamoru.rules.checks import Hit

K8S = ConfigType.KUBERNETES
MISCONFIG = FindingKind.MISCONFIGURATION
PSS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
SECURITY_CONTEXT = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
RBAC = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"


def resource_hit(resource: Resource, line: int | None, message: str, evidence: tuple[str, ...] = ()) -> Hit:
    where = f" ({resource.source})" if resource.source else ""
    return Hit(
        line=line if line is not None else resource.line,
        path=resource.path,
        message=f"{resource.ident}{where}: {message}",
        evidence=evidence,
        resource=resource.ident,
    )


def container_hit(container: Container, line: int | None, message: str, evidence: tuple[str, ...] = ()) -> Hit:
    return resource_hit(container.pod.resource, line or container.line, f"{container.describe()}: {message}", evidence)


def pod_hit(pod: PodSpec, line: int | None, message: str) -> Hit:
    return resource_hit(pod.resource, line or pod.line, message)


def truthy(value: Any) -> bool:
    """Kubernetes reads YAML 1.1 booleans: ``true``, ``yes``, ``on``."""
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "y"))


def falsy(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "n"))


def mapping(value: Any) -> YMap:
    return value if isinstance(value, YMap) else YMap(getattr(value, "line", 0))


def sequence(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (YSeq, list)) else []


def nested(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, YMap):
            return None
        value = value.get(key)
    return value


def line_in(container: YMap, *keys: str) -> int | None:
    """The line of the last key of a path (``securityContext``, ``privileged``) in a mapping."""
    current: Any = container
    line: int | None = None
    for key in keys:
        if not isinstance(current, YMap) or key not in current:
            return line
        line = current.line_of(key)
        current = current[key]
    return line
