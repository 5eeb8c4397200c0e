"""Kubernetes rules beyond the Pod Security Standards: resources, probes, images, secrets, tokens,
namespaces and network policies (CIS Kubernetes §5.1.5, §5.1.6, §5.3.2, §5.4.1, §5.7.4)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mamoru.config.image_ref import parse_image
from mamoru.config.kubernetes import Container, KubernetesSet, Resource
from mamoru.config.yamldoc import YMap, YSeq
from mamoru.model.finding import FindingKind, Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.kubernetes.common import (
    K8S,
    MISCONFIG,
    container_hit,
    falsy,
    mapping,
    nested,
    pod_hit,
    resource_hit,
    sequence,
)
from mamoru.rules.refs import cis_docker, cis_k8s, nist
from mamoru.rules.secret_names import is_secret_name, mask

RESOURCES = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
PROBES = "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/"


def _resource_rule(rule: Rule, section: str, key: str) -> None:
    @check(rule, K8S)
    def missing(manifests: KubernetesSet) -> Iterator[Hit]:
        for pod in manifests.workloads():
            for container in pod.containers:
                if container.field == "ephemeralContainers":
                    continue
                if nested(container.data, "resources", section, key) in (None, ""):
                    yield container_hit(container, None, f"resources.{section}.{key} is not set")

    missing.__name__ = missing.__qualname__ = f"no_{section}_{key}"


MEMORY_LIMIT = Rule(
    id="MK8S-040", title="Container without a memory limit", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a memory limit one container can exhaust the node's memory and get other pods "
                "evicted (a denial of service, accidental or not).",
    remediation="Set `resources.limits.memory`.",
    references=(RESOURCES,),
    aliases=("KSV018", "AVD-KSV-0018", "CKV_K8S_13"),
    compliance=nist("4.4.3") + cis_docker("5.11"),
)  # fmt: skip
CPU_LIMIT = Rule(
    id="MK8S-041", title="Container without a CPU limit", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a CPU limit one container can starve the others on its node.",
    remediation="Set `resources.limits.cpu`.",
    references=(RESOURCES,),
    aliases=("KSV011", "AVD-KSV-0011", "CKV_K8S_11"),
    compliance=nist("4.4.3") + cis_docker("5.12"),
)  # fmt: skip
MEMORY_REQUEST = Rule(
    id="MK8S-042", title="Container without a memory request", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a memory request the scheduler cannot place the pod sensibly and it is among the first "
                "evicted under pressure.",
    remediation="Set `resources.requests.memory`.",
    references=(RESOURCES,),
    aliases=("KSV016", "AVD-KSV-0016", "CKV_K8S_12"),
    compliance=nist("4.4.3") + cis_docker("5.11"),
)  # fmt: skip
CPU_REQUEST = Rule(
    id="MK8S-043", title="Container without a CPU request", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a CPU request the scheduler cannot reserve CPU time for the container.",
    remediation="Set `resources.requests.cpu`.",
    references=(RESOURCES,),
    aliases=("KSV015", "AVD-KSV-0015", "CKV_K8S_10"),
    compliance=nist("4.4.3") + cis_docker("5.12"),
)  # fmt: skip
_resource_rule(MEMORY_LIMIT, "limits", "memory")
_resource_rule(CPU_LIMIT, "limits", "cpu")
_resource_rule(MEMORY_REQUEST, "requests", "memory")
_resource_rule(CPU_REQUEST, "requests", "cpu")


def _probe_rule(rule: Rule, key: str) -> None:
    @check(rule, K8S)
    def missing(manifests: KubernetesSet) -> Iterator[Hit]:
        for pod in manifests.workloads():
            if pod.resource.kind in ("Job", "CronJob"):
                continue  # run-to-completion pods are not probed for health
            for container in pod.containers:
                if container.field == "containers" and not isinstance(container.data.get(key), YMap):
                    yield container_hit(container, None, f"no {key}")

    missing.__name__ = missing.__qualname__ = f"no_{key}"


LIVENESS = Rule(
    id="MK8S-044", title="Container without a liveness probe", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a liveness probe a hung process keeps its pod Running and is never restarted.",
    remediation="Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec).",
    references=(PROBES,),
    aliases=("CKV_K8S_8",),
    compliance=nist("4.4.3") + cis_docker("5.27"),
)  # fmt: skip
READINESS = Rule(
    id="MK8S-045", title="Container without a readiness probe", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a readiness probe traffic is sent to the pod before it can serve it, and while it is "
                "broken.",
    remediation="Add a `readinessProbe`.",
    references=(PROBES,),
    aliases=("CKV_K8S_9",),
    compliance=nist("4.4.3") + cis_docker("5.27"),
)  # fmt: skip
_probe_rule(LIVENESS, "livenessProbe")
_probe_rule(READINESS, "readinessProbe")


def _containers(manifests: KubernetesSet) -> Iterator[Container]:
    for pod in manifests.workloads():
        yield from pod.containers


LATEST_IMAGE = Rule(
    id="MK8S-046", title="Container image uses the latest tag or no tag", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`image: nginx` or `nginx:latest` runs whatever was pushed last; nodes may even run different "
                "versions of the same pod.",
    remediation="Use a version tag, better a digest.",
    references=("https://kubernetes.io/docs/concepts/containers/images/#image-names",),
    aliases=("KSV013", "AVD-KSV-0013", "CKV_K8S_14"),
    compliance=nist("4.2.2", "4.1.5"),
)  # fmt: skip


@check(LATEST_IMAGE, K8S)
def latest_image(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        image = parse_image(container.image)
        if image is not None and (image.is_latest or image.untagged):
            line = container.data.line_of("image")
            yield container_hit(
                container, line, f"image {container.image} has {'the latest tag' if image.tag else 'no tag'}"
            )


IMAGE_DIGEST = Rule(
    id="MK8S-047", title="Container image not pinned by digest", severity=Severity.LOW, kind=MISCONFIG,
    description="A tag can be moved to other content; only a digest names exactly the image that was scanned "
                "and approved.",
    remediation="Reference images by digest (`image: registry/app:1.4.2@sha256:…`).",
    references=("https://kubernetes.io/docs/concepts/containers/images/#image-names",),
    aliases=("CKV_K8S_43",),
    compliance=nist("4.1.5"),
)  # fmt: skip


@check(IMAGE_DIGEST, K8S)
def image_digest(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        image = parse_image(container.image)
        if image is not None and not image.digest:
            yield container_hit(container, container.data.line_of("image"), f"image {container.image} has no digest")


def _env(container: Container) -> Iterator[tuple[YMap, int]]:
    env = container.data.get("env")
    if isinstance(env, YSeq):
        for index, item in enumerate(env):
            if isinstance(item, YMap):
                yield item, env.line_of(index)


SECRET_ENV = Rule(
    id="MK8S-036", title="Secret exposed as an environment variable", severity=Severity.LOW, kind=MISCONFIG,
    description="Environment variables end up in crash dumps, debug endpoints, `kubectl describe` and child "
                "processes; secrets mounted as files do not, and are updated when the Secret changes.",
    remediation="Mount the Secret as a volume and read the file.",
    references=("https://kubernetes.io/docs/concepts/security/secrets-good-practices/",),
    aliases=("CKV_K8S_35",),
    compliance=cis_k8s("5.4.1") + nist("4.1.4"),
)  # fmt: skip


@check(SECRET_ENV, K8S)
def secret_env(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        for item, line in _env(container):
            ref = nested(item, "valueFrom", "secretKeyRef")
            if isinstance(ref, YMap):
                yield container_hit(container, line, f"env {item.get('name', '')} from secret {ref.get('name', '')}")
        env_from = container.data.get("envFrom")
        if not isinstance(env_from, YSeq):
            continue
        for index, source in enumerate(env_from):
            ref = source.get("secretRef") if isinstance(source, YMap) else None
            if isinstance(ref, YMap):
                yield container_hit(container, env_from.line_of(index), f"envFrom secret {ref.get('name', '')}")


CLEAR_ENV = Rule(
    id="MK8S-037", title="Clear-text credential in a container's environment", severity=Severity.HIGH,
    kind=FindingKind.SECRET,
    description="A password or token written as an `env` value is stored in the manifest's repository and in "
                "the cluster's object store in clear, readable by anyone who can read the workload.",
    remediation="Put it in a Secret (or an external secret manager) and mount it; rotate the exposed one.",
    references=("https://kubernetes.io/docs/concepts/configuration/secret/",),
    compliance=nist("4.1.4") + cis_k8s("5.4.1", "5.4.2"),
)  # fmt: skip


@check(CLEAR_ENV, K8S)
def clear_env(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        for item, line in _env(container):
            name = str(item.get("name", ""))
            value = item.get("value")
            if value in (None, "") or not is_secret_name(name):
                continue
            text = str(value)
            if re.fullmatch(r"\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|\{\{.*\}\}", text.strip()):
                continue
            yield container_hit(container, line, f"env {name}={mask(text)}", evidence=(f"{name}={mask(text)}",))


def _service_accounts(manifests: KubernetesSet) -> dict[tuple[str, str], Resource]:
    return {(r.namespace, r.name): r for r in manifests.of_kind("ServiceAccount")}


TOKEN_AUTOMOUNT = Rule(
    id="MK8S-051", title="Service account token mounted automatically", severity=Severity.LOW, kind=MISCONFIG,
    description="Every pod gets an API token for its service account unless told otherwise; an intruder in the "
                "pod can use it against the API server with all the permissions bound to the account.",
    remediation="Set `automountServiceAccountToken: false` on the pod (or its ServiceAccount) unless it talks to "
                "the API server.",
    references=("https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",),
    aliases=("KSV036", "AVD-KSV-0036", "CKV_K8S_38"),
    compliance=cis_k8s("5.1.6") + nist("4.3.1"),
)  # fmt: skip


@check(TOKEN_AUTOMOUNT, K8S)
def token_automount(manifests: KubernetesSet) -> Iterator[Hit]:
    accounts = _service_accounts(manifests)
    for pod in manifests.workloads():
        value = pod.spec.get("automountServiceAccountToken")
        if falsy(value):
            continue
        name = str(pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount") or "default")
        account = accounts.get((pod.resource.namespace, name))
        if value is None and account is not None and falsy(account.data.get("automountServiceAccountToken")):
            continue
        line = pod.spec.line_of("automountServiceAccountToken") if value is not None else None
        yield pod_hit(pod, line, f"the token of service account {name} is mounted")


DEFAULT_ACCOUNT = Rule(
    id="MK8S-052", title="Default service account used", severity=Severity.LOW, kind=MISCONFIG,
    description="Pods that use the namespace's `default` service account share one identity (and whatever roles "
                "were bound to it) with every other such pod.",
    remediation="Create a service account per workload (`serviceAccountName:`), and keep `default` without "
                "bindings and with `automountServiceAccountToken: false`.",
    references=("https://kubernetes.io/docs/concepts/security/service-accounts/",),
    aliases=("CKV_K8S_41", "CKV_K8S_42"),
    compliance=cis_k8s("5.1.5") + nist("4.3.1"),
)  # fmt: skip


@check(DEFAULT_ACCOUNT, K8S)
def default_account(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        name = pod.spec.get("serviceAccountName") or pod.spec.get("serviceAccount")
        if name in (None, "", "default") and not falsy(pod.spec.get("automountServiceAccountToken")):
            yield pod_hit(
                pod, pod.spec.line_of("serviceAccountName") if name else None, "runs as the default service account"
            )
    for account in manifests.of_kind("ServiceAccount"):
        if account.name == "default" and not falsy(account.data.get("automountServiceAccountToken")):
            yield resource_hit(account, None, "the default service account mounts its token")
    for binding in manifests.of_kind("RoleBinding", "ClusterRoleBinding"):
        for subject in sequence(binding.data.get("subjects")):
            if (
                isinstance(subject, YMap)
                and subject.get("kind") == "ServiceAccount"
                and subject.get("name") == "default"
            ):
                yield resource_hit(
                    binding,
                    subject.line,
                    f"binds {nested(binding.data, 'roleRef', 'name')} to the default service account",
                )


WORKLOAD_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                  "CronJob", "DeploymentConfig")  # fmt: skip


DEFAULT_NAMESPACE = Rule(
    id="MK8S-054", title="Workload in the default namespace", severity=Severity.LOW, kind=MISCONFIG,
    description="The default namespace mixes unrelated workloads under one set of policies, quotas and "
                "permissions; a manifest without a namespace lands wherever the client points, often there.",
    remediation="Set `metadata.namespace` to a namespace of the application.",
    references=("https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",),
    aliases=("KSV110", "AVD-KSV-0110", "CKV_K8S_21"),
    compliance=cis_k8s("5.7.4", "5.7.1") + nist("4.3.3"),
)  # fmt: skip


@check(DEFAULT_NAMESPACE, K8S)
def default_namespace(manifests: KubernetesSet) -> Iterator[Hit]:
    for resource in manifests.of_kind(*WORKLOAD_KINDS):
        namespace = resource.namespace
        if namespace == "default":
            yield resource_hit(resource, resource.metadata.line_of("namespace"), "namespace: default")
        elif not namespace:
            yield resource_hit(resource, resource.metadata.line, "no namespace (applied to the client's current one)")


NETWORK_POLICY = Rule(
    id="MK8S-050", title="Namespace without a NetworkPolicy", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Without a NetworkPolicy every pod of the namespace accepts traffic from every pod of the "
                "cluster, and may connect anywhere: one compromised pod reaches all the others.",
    remediation="Add a default-deny NetworkPolicy to the namespace and allow the flows the application needs.",
    references=("https://kubernetes.io/docs/concepts/services-networking/network-policies/",),
    compliance=cis_k8s("5.3.2") + nist("4.3.3", "4.4.2"),
)  # fmt: skip


@check(NETWORK_POLICY, K8S)
def network_policy(manifests: KubernetesSet) -> Iterator[Hit]:
    covered = {r.namespace or "" for r in manifests.of_kind("NetworkPolicy")}
    reported: set[str] = set()
    for namespace in manifests.of_kind("Namespace"):
        if namespace.name not in covered and namespace.name not in reported:
            reported.add(namespace.name)
            yield resource_hit(namespace, None, f"namespace {namespace.name} has no NetworkPolicy")
    for resource in manifests.of_kind(*WORKLOAD_KINDS):
        if resource.namespace not in covered:
            shown = resource.namespace or "(none given)"
            yield resource_hit(resource, None, f"no NetworkPolicy in the workload's namespace {shown}")


CONFIGMAP_SECRET = Rule(
    id="MK8S-055", title="Credential stored in a ConfigMap", severity=Severity.HIGH, kind=FindingKind.SECRET,
    description="ConfigMaps are not meant for secrets: they are readable by far more roles than Secrets, never "
                "encrypted at rest, and shown in clear by every tool.",
    remediation="Move the value to a Secret (or an external secret manager) and rotate it.",
    references=("https://kubernetes.io/docs/concepts/configuration/configmap/",),
    aliases=("KSV0109", "AVD-KSV-0109"),
    compliance=nist("4.1.4") + cis_k8s("5.4.2"),
)  # fmt: skip
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*[:=]\s*[\"']?([^\"'\s#]+)")
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s/]+)@")


@check(CONFIGMAP_SECRET, K8S)
def configmap_secret(manifests: KubernetesSet) -> Iterator[Hit]:
    for configmap in manifests.of_kind("ConfigMap"):
        data = mapping(configmap.data.get("data"))
        for key, value in data.items():
            text = "" if value is None else str(value)
            if is_secret_name(key) and text.strip() and not text.strip().startswith(("$", "{{")):
                yield resource_hit(configmap, data.line_of(key), f"data.{key}={mask(text)}", (f"{key}={mask(text)}",))
                continue
            url = _URL_PASSWORD.search(text)
            if url and not url.group(1).startswith(("$", "{{", "<")):
                yield resource_hit(configmap, data.line_of(key), f"data.{key}: a URL with user:password@", (key,))
                continue
            for offset, line in enumerate(text.splitlines()):
                match = _ASSIGNMENT.match(line)
                if match and is_secret_name(match.group(1)) and not match.group(2).startswith(("$", "{{", "<")):
                    where = data.line_of(key) + (offset + 1 if "\n" in text else 0)
                    shown = f"{match.group(1)}={mask(match.group(2))}"
                    yield resource_hit(configmap, where, f"data.{key}: {shown}", (shown,))


SECRET_MANIFEST = Rule(
    id="MK8S-056", title="Secret values committed in a manifest", severity=Severity.MEDIUM, kind=FindingKind.SECRET,
    description="A Secret manifest with `data`/`stringData` values keeps the credentials (base64 is not "
                "encryption) in the repository and in every copy of it.",
    remediation="Keep secrets out of manifests: use SealedSecrets, SOPS, External Secrets or the CSI secret "
                "store, and rotate the exposed values.",
    references=("https://kubernetes.io/docs/concepts/security/secrets-good-practices/",),
    compliance=nist("4.1.4") + cis_k8s("5.4.2"),
)  # fmt: skip


@check(SECRET_MANIFEST, K8S)
def secret_manifest(manifests: KubernetesSet) -> Iterator[Hit]:
    for secret in manifests.of_kind("Secret"):
        if str(secret.data.get("type", "")) == "kubernetes.io/service-account-token":
            continue
        for section in ("data", "stringData"):
            values = mapping(secret.data.get(section))
            filled = [k for k, v in values.items() if v not in (None, "") and not str(v).startswith(("{{", "$"))]
            if filled:
                yield resource_hit(secret, secret.data.line_of(section), f"{section} holds {', '.join(filled)[:100]}")
