"""Kubernetes manifests: multi-document YAML, List objects, Helm sources and pod specs of every workload kind."""

from __future__ import annotations

import pytest

from mamoru.config.kubernetes import KubernetesError, KubernetesSet, parse_kubernetes, pod_spec

POD_TEMPLATE = (
    "  template:\n    metadata:\n      annotations: {a: b}\n    spec:\n      containers: [{name: c, image: x}]\n"
)


@pytest.mark.parametrize(
    "kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"]
)
def test_pod_template_kinds(kind: str) -> None:
    [resource] = parse_kubernetes(
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n{POD_TEMPLATE}", "w.yaml"
    )
    pod = pod_spec(resource)
    assert pod is not None and [c.name for c in pod.containers] == ["c"] and pod.annotations == {"a": "b"}


def test_cronjob_pod_and_containers_of_every_kind() -> None:
    text = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  jobTemplate:\n    spec:\n"
        "      template:\n        spec:\n          initContainers: [{name: i, image: x}]\n"
        "          containers: [{name: c, image: y}]\n          ephemeralContainers: [{name: e, image: z}]\n"
    )
    [resource] = parse_kubernetes(text, "cj.yaml")
    pod = pod_spec(resource)
    assert pod is not None
    assert [(c.field, c.name) for c in pod.containers] == [
        ("initContainers", "i"), ("containers", "c"), ("ephemeralContainers", "e")]  # fmt: skip


def test_helm_output_list_and_other_kinds() -> None:
    text = (
        "---\n# Source: chart/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\n"
        "metadata: {name: sa, namespace: ns}\n---\n# a plain comment\n---\napiVersion: v1\nkind: List\nitems:\n"
        "  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {}}\n"
        "  - {apiVersion: v1, kind: Service, metadata: {name: s}}\n---\nnot: kubernetes\n"
    )
    resources = parse_kubernetes(text, "all.yaml")
    assert [(r.ident, r.namespace, r.source, r.line) for r in resources] == [
        ("ServiceAccount/sa", "ns", "chart/templates/sa.yaml", 3),
        ("Pod/p", "", "", 12),
        ("Service/s", "", "", 13),
    ]
    manifests = KubernetesSet(resources=resources)
    assert [p.resource.ident for p in manifests.workloads()] == ["Pod/p"]


def test_effective_security_context() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  securityContext: {runAsNonRoot: true, runAsUser: 1000}\n"
        "  containers:\n    - name: c\n      image: x\n      securityContext: {runAsUser: 0}\n"
    )
    [resource] = parse_kubernetes(text, "p.yaml")
    pod = pod_spec(resource)
    assert pod is not None
    container = pod.containers[0]
    assert container.effective("runAsNonRoot") == (True, 5) and container.effective("runAsUser") == (0, 9)


def test_invalid_yaml() -> None:
    with pytest.raises(KubernetesError, match="invalid YAML"):
        parse_kubernetes("apiVersion: v1\nkind: [\n", "bad.yaml")
