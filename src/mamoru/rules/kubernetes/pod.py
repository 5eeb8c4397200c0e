"""Kubernetes workload rules: the Pod Security Standards (baseline and restricted) and CIS §5.2/§5.7.

Each control follows the pod-security-admission implementation (``policy/check_*.go``): the same
fields, the same allowed values, container-level settings overriding pod-level ones; every container
kind is checked (containers, initContainers, ephemeralContainers).
"""

from __future__ import annotations

from collections.abc import Iterator

from mamoru.config.kubernetes import Container, KubernetesSet
from mamoru.config.yamldoc import YMap, YSeq
from mamoru.model.finding import Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.kubernetes.common import (
    K8S,
    MISCONFIG,
    PSS,
    SECURITY_CONTEXT,
    container_hit,
    falsy,
    line_in,
    mapping,
    nested,
    pod_hit,
    sequence,
    truthy,
)
from mamoru.rules.refs import cis_docker, cis_k8s, nist, pss_baseline, pss_restricted

BASELINE_CAPABILITIES = frozenset(
    {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
     "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
)  # fmt: skip
SAFE_SYSCTLS = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                          "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
                          "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
                          "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
                          "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})  # fmt: skip
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                                "projected", "secret", "image"})  # fmt: skip
RUNTIME_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/var/run/containerd/containerd.sock",
                   "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
                   "/var/run/cri-dockerd.sock", "/run/podman/podman.sock", "/var/run", "/run",
                   "/var/run/containerd", "/run/containerd", "/var/lib/docker")  # fmt: skip


def _containers(manifests: KubernetesSet) -> Iterator[Container]:
    for pod in manifests.workloads():
        yield from pod.containers


def _capabilities(container: Container, key: str) -> list[str]:
    values = sequence(nested(container.security_context, "capabilities", key))
    return [str(v).upper().removeprefix("CAP_") for v in values]


PRIVILEGED = Rule(
    id="MK8S-001", title="Privileged container", severity=Severity.CRITICAL, kind=MISCONFIG,
    description="`securityContext.privileged: true` disables nearly every isolation mechanism: the container "
                "gets all capabilities and host devices; root in it is root on the node.",
    remediation="Remove `privileged: true`; grant only the specific capabilities needed.",
    references=(PSS + "#baseline",),
    aliases=("KSV017", "AVD-KSV-0017", "CKV_K8S_16"),
    compliance=pss_baseline("privileged") + cis_k8s("5.2.2") + nist("4.4.3") + cis_docker("5.5"),
)  # fmt: skip


@check(PRIVILEGED, K8S)
def privileged(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        if truthy(container.security_context.get("privileged")):
            yield container_hit(container, line_in(container.data, "securityContext", "privileged"), "privileged")


def _host_namespace(rule: Rule, key: str) -> None:
    @check(rule, K8S)
    def host_namespace(manifests: KubernetesSet) -> Iterator[Hit]:
        for pod in manifests.workloads():
            if truthy(pod.spec.get(key)):
                yield pod_hit(pod, pod.spec.line_of(key), f"{key}: true")

    host_namespace.__name__ = host_namespace.__qualname__ = f"host_{key}"


HOST_PID = Rule(
    id="MK8S-002", title="Pod shares the host's PID namespace", severity=Severity.HIGH, kind=MISCONFIG,
    description="`hostPID: true` shows every process of the node to the pod; with enough privilege it can "
                "signal or inspect them (and read their environment).",
    remediation="Remove `hostPID`.",
    references=(PSS + "#baseline",),
    aliases=("KSV010", "AVD-KSV-0010", "CKV_K8S_17"),
    compliance=pss_baseline("hostNamespaces") + cis_k8s("5.2.3") + nist("4.4.3") + cis_docker("5.16"),
)  # fmt: skip
HOST_IPC = Rule(
    id="MK8S-003", title="Pod shares the host's IPC namespace", severity=Severity.HIGH, kind=MISCONFIG,
    description="`hostIPC: true` gives the pod the node's shared memory and semaphores.",
    remediation="Remove `hostIPC`.",
    references=(PSS + "#baseline",),
    aliases=("KSV008", "AVD-KSV-0008", "CKV_K8S_18"),
    compliance=pss_baseline("hostNamespaces") + cis_k8s("5.2.4") + nist("4.4.3") + cis_docker("5.17"),
)  # fmt: skip
HOST_NETWORK = Rule(
    id="MK8S-004", title="Pod uses the host's network", severity=Severity.HIGH, kind=MISCONFIG,
    description="`hostNetwork: true` puts the pod on the node's interfaces: it bypasses NetworkPolicies, can "
                "bind node ports and reach services that listen only on the node's localhost.",
    remediation="Remove `hostNetwork`; expose the pod through a Service.",
    references=(PSS + "#baseline",),
    aliases=("KSV009", "AVD-KSV-0009", "CKV_K8S_19"),
    compliance=pss_baseline("hostNamespaces") + cis_k8s("5.2.5") + nist("4.4.3") + cis_docker("5.10"),
)  # fmt: skip
_host_namespace(HOST_PID, "hostPID")
_host_namespace(HOST_IPC, "hostIPC")
_host_namespace(HOST_NETWORK, "hostNetwork")


ADDED_CAPABILITIES = Rule(
    id="MK8S-005", title="Capabilities added beyond the baseline set", severity=Severity.HIGH, kind=MISCONFIG,
    description="Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, NET_RAW or ALL give a "
                "container kernel powers that lead to the node.",
    remediation="Remove them from `securityContext.capabilities.add`.",
    references=(PSS + "#baseline",),
    aliases=("KSV022", "AVD-KSV-0022", "KSV005", "AVD-KSV-0005", "KSV119", "KSV120", "CKV_K8S_39", "CKV_K8S_25"),
    compliance=pss_baseline("capabilities_baseline") + cis_k8s("5.2.9", "5.2.8") + nist("4.4.3") + cis_docker("5.4"),
)  # fmt: skip


@check(ADDED_CAPABILITIES, K8S)
def added_capabilities(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        extra = [c for c in _capabilities(container, "add") if c not in BASELINE_CAPABILITIES]
        if extra:
            line = line_in(container.data, "securityContext", "capabilities", "add")
            yield container_hit(container, line, f"adds {', '.join(extra)}")


def _volume_source(volume: YMap) -> str:
    return next((key for key in volume if key != "name"), "")


HOST_PATH = Rule(
    id="MK8S-006", title="hostPath volume", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="A hostPath volume exposes a directory of the node to the pod; writable, it lets the pod "
                "change the node (and escape through symlinks).",
    remediation="Use persistent volumes, emptyDir or configMap/secret volumes instead.",
    references=(PSS + "#baseline",),
    aliases=("KSV023", "AVD-KSV-0023", "KSV121"),
    compliance=pss_baseline("hostPathVolumes") + cis_k8s("5.2.12") + nist("4.5.5"),
)  # fmt: skip


@check(HOST_PATH, K8S)
def host_path(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        for volume, line in pod.volumes:
            if "hostPath" in volume:
                path = nested(volume, "hostPath", "path") or ""
                yield pod_hit(pod, line, f"volume {volume.get('name', '')} mounts host path {path}")


RUNTIME_SOCKET = Rule(
    id="MK8S-007", title="Container runtime socket mounted from the node", severity=Severity.CRITICAL,
    kind=MISCONFIG,
    description="A hostPath volume with docker.sock (or containerd's, CRI-O's socket, or the directory holding "
                "it) lets the pod start privileged containers on the node: full control of the node.",
    remediation="Do not mount runtime sockets; build images with rootless tools (BuildKit rootless, kaniko) and "
                "query the API server instead of the runtime.",
    references=("https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",),
    aliases=("KSV006", "AVD-KSV-0006", "CKV_K8S_27"),
    compliance=pss_baseline("hostPathVolumes") + nist("4.5.5") + cis_docker("5.32"),
)  # fmt: skip


@check(RUNTIME_SOCKET, K8S)
def runtime_socket(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        for volume, line in pod.volumes:
            path = str(nested(volume, "hostPath", "path") or "").rstrip("/")
            if path in RUNTIME_SOCKETS:
                yield pod_hit(pod, line, f"volume {volume.get('name', '')} mounts {path}")


HOST_PORT = Rule(
    id="MK8S-008", title="Container uses a host port", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`hostPort` binds a port on the node itself, bypassing Services and NetworkPolicies and tying "
                "the pod to nodes where the port is free.",
    remediation="Remove `hostPort`; use a Service (NodePort or LoadBalancer if it must be reachable).",
    references=(PSS + "#baseline",),
    aliases=("KSV024", "AVD-KSV-0024", "CKV_K8S_26"),
    compliance=pss_baseline("hostPorts") + cis_k8s("5.2.13") + nist("4.4.3"),
)  # fmt: skip


@check(HOST_PORT, K8S)
def host_port(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        ports = container.data.get("ports")
        if not isinstance(ports, YSeq):
            continue
        for index, port in enumerate(ports):
            value = port.get("hostPort") if isinstance(port, YMap) else None
            if value not in (None, 0, "0"):
                yield container_hit(container, ports.line_of(index), f"hostPort {value}")


APPARMOR = Rule(
    id="MK8S-009", title="AppArmor profile set to unconfined", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="An unconfined AppArmor profile removes the mandatory access control that contains a "
                "compromised process.",
    remediation="Use `RuntimeDefault` (or a Localhost profile) in `securityContext.appArmorProfile`.",
    references=(PSS + "#baseline",),
    aliases=("KSV002", "AVD-KSV-0002"),
    compliance=pss_baseline("appArmorProfile") + nist("4.4.3") + cis_docker("5.2"),
)  # fmt: skip


@check(APPARMOR, K8S)
def apparmor(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        annotations = pod.annotations
        for key, value in annotations.items():
            profile = str(value)
            if key.startswith("container.apparmor.security.beta.kubernetes.io/") and not (
                profile == "runtime/default" or profile.startswith("localhost/")
            ):
                yield pod_hit(pod, annotations.line_of(key), f"annotation {key}: {profile}")
        contexts = [("pod", pod.security_context)] + [(c.describe(), c.security_context) for c in pod.containers]
        for who, context in contexts:
            kind = nested(context, "appArmorProfile", "type")
            if kind is not None and str(kind) not in ("RuntimeDefault", "Localhost"):
                yield pod_hit(pod, line_in(context, "appArmorProfile", "type"), f"{who}: appArmorProfile {kind}")


SELINUX = Rule(
    id="MK8S-010", title="Custom SELinux type, user or role", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Setting an SELinux type other than the container types, or any SELinux user or role, can "
                "lift the confinement of the container.",
    remediation="Leave `seLinuxOptions` unset, or use one of the container types (container_t …).",
    references=(PSS + "#baseline",),
    aliases=("KSV025", "AVD-KSV-0025"),
    compliance=pss_baseline("seLinuxOptions") + nist("4.4.3") + cis_docker("5.3"),
)  # fmt: skip
_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})


@check(SELINUX, K8S)
def selinux(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        contexts = [("pod", pod.security_context)] + [(c.describe(), c.security_context) for c in pod.containers]
        for who, context in contexts:
            options = context.get("seLinuxOptions")
            if not isinstance(options, YMap):
                continue
            kind = str(options.get("type") or "")
            if kind not in _SELINUX_TYPES:
                yield pod_hit(pod, options.line_of("type"), f"{who}: seLinuxOptions.type {kind}")
            for key in ("user", "role"):
                if options.get(key):
                    yield pod_hit(pod, options.line_of(key), f"{who}: seLinuxOptions.{key} {options[key]}")


PROC_MOUNT = Rule(
    id="MK8S-011", title="Unmasked /proc mount", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`procMount: Unmasked` exposes the parts of /proc the runtime normally hides.",
    remediation="Remove `procMount` (Default).",
    references=(PSS + "#baseline",),
    aliases=("KSV027", "AVD-KSV-0027"),
    compliance=pss_baseline("procMount") + nist("4.4.3"),
)  # fmt: skip


@check(PROC_MOUNT, K8S)
def proc_mount(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        value = container.security_context.get("procMount")
        if value is not None and str(value) != "Default":
            yield container_hit(
                container, line_in(container.data, "securityContext", "procMount"), f"procMount {value}"
            )


_SECCOMP_ANNOTATIONS = ("seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/")


SECCOMP_UNCONFINED = Rule(
    id="MK8S-012", title="Seccomp profile set to Unconfined", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="An Unconfined seccomp profile gives the container every system call, including the rarely "
                "used ones most kernel exploits need.",
    remediation="Use `seccompProfile: {type: RuntimeDefault}`.",
    references=(PSS + "#baseline",),
    aliases=("KSV104", "AVD-KSV-0104"),
    compliance=pss_baseline("seccompProfile_baseline") + cis_k8s("5.7.2") + nist("4.4.3") + cis_docker("5.22"),
)  # fmt: skip


@check(SECCOMP_UNCONFINED, K8S)
def seccomp_unconfined(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        contexts = [("pod", pod.security_context)] + [(c.describe(), c.security_context) for c in pod.containers]
        for who, context in contexts:
            kind = nested(context, "seccompProfile", "type")
            if kind is not None and str(kind) == "Unconfined":
                yield pod_hit(pod, line_in(context, "seccompProfile", "type"), f"{who}: seccompProfile Unconfined")
        for key, value in pod.annotations.items():
            if key.startswith(_SECCOMP_ANNOTATIONS) and str(value) == "unconfined":
                yield pod_hit(pod, pod.annotations.line_of(key), f"annotation {key}: unconfined")


SYSCTLS = Rule(
    id="MK8S-013", title="Unsafe sysctls set", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Sysctls outside the namespaced safe set change kernel settings for the whole node.",
    remediation="Use only the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, …).",
    references=(PSS + "#baseline", "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"),
    aliases=("KSV026", "AVD-KSV-0026"),
    compliance=pss_baseline("sysctls") + nist("4.4.3"),
)  # fmt: skip


@check(SYSCTLS, K8S)
def sysctls(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        items = pod.security_context.get("sysctls")
        if not isinstance(items, YSeq):
            continue
        for index, item in enumerate(items):
            name = str(item.get("name", "")) if isinstance(item, YMap) else ""
            if name and name not in SAFE_SYSCTLS:
                yield pod_hit(pod, items.line_of(index), f"sysctl {name}")


HOST_PROCESS = Rule(
    id="MK8S-014", title="Windows HostProcess container", severity=Severity.HIGH, kind=MISCONFIG,
    description="A Windows HostProcess container runs directly on the node with the node's privileges.",
    remediation="Remove `windowsOptions.hostProcess`.",
    references=(PSS + "#baseline",),
    aliases=("KSV103", "AVD-KSV-0103"),
    compliance=pss_baseline("windowsHostProcess") + cis_k8s("5.2.11") + nist("4.4.3"),
)  # fmt: skip


@check(HOST_PROCESS, K8S)
def host_process(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        contexts = [("pod", pod.security_context)] + [(c.describe(), c.security_context) for c in pod.containers]
        for who, context in contexts:
            if truthy(nested(context, "windowsOptions", "hostProcess")):
                yield pod_hit(pod, line_in(context, "windowsOptions", "hostProcess"), f"{who}: hostProcess")


HOST_PROBE = Rule(
    id="MK8S-015", title="Probe or lifecycle hook targets another host", severity=Severity.LOW, kind=MISCONFIG,
    description="A probe or lifecycle handler with `host:` makes the kubelet connect to an arbitrary address "
                "from the node (a server-side request forgery primitive).",
    remediation="Remove `host:` from httpGet/tcpSocket probes and lifecycle handlers.",
    references=(PSS + "#baseline",),
    compliance=pss_baseline("hostProbesAndHostLifecycle") + nist("4.4.3"),
)  # fmt: skip


@check(HOST_PROBE, K8S)
def host_probe(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        handlers = [(name, container.data.get(name)) for name in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = mapping(container.data.get("lifecycle"))
        handlers += [(f"lifecycle.{name}", lifecycle.get(name)) for name in ("postStart", "preStop")]
        for name, handler in handlers:
            for kind in ("httpGet", "tcpSocket"):
                host = nested(handler, kind, "host")
                if host:
                    yield container_hit(
                        container, line_in(mapping(handler), kind, "host"), f"{name}.{kind}.host {host}"
                    )


RESTRICTED_VOLUME_TYPES = Rule(
    id="MK8S-020", title="Volume type not allowed by the restricted profile", severity=Severity.LOW,
    kind=MISCONFIG,
    description="The restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, "
                "persistentVolumeClaim, projected, secret and image volumes; others (nfs, gitRepo, hostPath, "
                "cloud disks by name …) reach outside the pod's own storage.",
    remediation="Use a PersistentVolumeClaim instead of naming the storage in the pod.",
    references=(PSS + "#restricted",),
    aliases=("KSV028", "AVD-KSV-0028"),
    compliance=pss_restricted("restrictedVolumes") + nist("4.4.3"),
)  # fmt: skip


@check(RESTRICTED_VOLUME_TYPES, K8S)
def restricted_volume_types(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        for volume, line in pod.volumes:
            source = _volume_source(volume)
            if source and source not in RESTRICTED_VOLUMES:
                yield pod_hit(pod, line, f"volume {volume.get('name', '')} is of type {source}")


PRIVILEGE_ESCALATION = Rule(
    id="MK8S-021", title="allowPrivilegeEscalation not set to false", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Unless `allowPrivilegeEscalation: false`, a process can gain more privileges than its parent "
                "through setuid binaries or file capabilities.",
    remediation="Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    references=(PSS + "#restricted", SECURITY_CONTEXT),
    aliases=("KSV001", "AVD-KSV-0001", "CKV_K8S_20"),
    compliance=pss_restricted("allowPrivilegeEscalation") + cis_k8s("5.2.6") + nist("4.4.3") + cis_docker("5.26"),
)  # fmt: skip


@check(PRIVILEGE_ESCALATION, K8S)
def privilege_escalation(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        if not falsy(container.security_context.get("allowPrivilegeEscalation")):
            yield container_hit(container, None, "allowPrivilegeEscalation is not false")


RUN_AS_NON_ROOT = Rule(
    id="MK8S-022", title="Container may run as root (runAsNonRoot not true)", severity=Severity.MEDIUM,
    kind=MISCONFIG,
    description="Unless `runAsNonRoot: true` (on the container or the pod), the container runs as whatever "
                "user the image says, root for most images.",
    remediation="Set `securityContext.runAsNonRoot: true` (and a non-zero `runAsUser`) on the pod or container.",
    references=(PSS + "#restricted", SECURITY_CONTEXT),
    aliases=("KSV012", "AVD-KSV-0012", "CKV_K8S_23"),
    compliance=pss_restricted("runAsNonRoot") + cis_k8s("5.2.7") + nist("4.4.3"),
)  # fmt: skip


@check(RUN_AS_NON_ROOT, K8S)
def run_as_non_root(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        value, _ = container.effective("runAsNonRoot")
        user, _ = container.effective("runAsUser")
        if truthy(value):
            continue
        if isinstance(user, int) and user > 0 and value is None:
            continue  # a non-zero runAsUser is non-root too
        yield container_hit(container, None, "runAsNonRoot is not true")


RUN_AS_ROOT_UID = Rule(
    id="MK8S-023", title="runAsUser set to 0 (root)", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="`runAsUser: 0` runs the container as root explicitly.",
    remediation="Set a non-zero UID (`runAsUser: 10001`).",
    references=(PSS + "#restricted",),
    aliases=("KSV105", "AVD-KSV-0105"),
    compliance=pss_restricted("runAsUser") + cis_k8s("5.2.7") + nist("4.4.3"),
)  # fmt: skip


@check(RUN_AS_ROOT_UID, K8S)
def run_as_root_uid(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        if pod.security_context.get("runAsUser") == 0:
            yield pod_hit(pod, pod.security_context.line_of("runAsUser"), "pod securityContext.runAsUser: 0")
        for container in pod.containers:
            if container.security_context.get("runAsUser") == 0:
                line = line_in(container.data, "securityContext", "runAsUser")
                yield container_hit(container, line, "securityContext.runAsUser: 0")


SECCOMP_DEFAULT = Rule(
    id="MK8S-024", title="No RuntimeDefault seccomp profile", severity=Severity.LOW, kind=MISCONFIG,
    description="Without a seccomp profile (pod or container `seccompProfile.type: RuntimeDefault` or "
                "`Localhost`) containers may run unconfined, with every system call available.",
    remediation="Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
    references=(PSS + "#restricted",),
    aliases=("KSV030", "AVD-KSV-0030", "KSV104", "AVD-KSV-0104", "CKV_K8S_31"),
    compliance=pss_restricted("seccompProfile_restricted") + cis_k8s("5.7.2") + nist("4.4.3") + cis_docker("5.22"),
)  # fmt: skip


@check(SECCOMP_DEFAULT, K8S)
def seccomp_default(manifests: KubernetesSet) -> Iterator[Hit]:
    for pod in manifests.workloads():
        annotation = str(pod.annotations.get("seccomp.security.alpha.kubernetes.io/pod", ""))
        for container in pod.containers:
            value, _ = container.effective("seccompProfile")
            kind = str(value.get("type", "")) if isinstance(value, YMap) else ""
            if kind in ("RuntimeDefault", "Localhost"):
                continue
            by_annotation = annotation in ("runtime/default", "docker/default") or annotation.startswith("localhost/")
            if not kind and by_annotation:
                continue
            yield container_hit(container, None, f"seccompProfile is {kind or 'not set'}")


DROP_ALL = Rule(
    id="MK8S-025", title="Container does not drop all capabilities", severity=Severity.LOW, kind=MISCONFIG,
    description="Containers start with a default set of capabilities (CHOWN, DAC_OVERRIDE, NET_RAW, SETUID …) "
                "that most applications never need.",
    remediation="`securityContext.capabilities.drop: [ALL]` and add back only what is needed.",
    references=(PSS + "#restricted",),
    aliases=("KSV003", "AVD-KSV-0003", "KSV004", "KSV106", "AVD-KSV-0106", "CKV_K8S_28", "CKV_K8S_37"),
    compliance=pss_restricted("capabilities_restricted") + cis_k8s("5.2.10", "5.2.8") + nist("4.4.3"),
)  # fmt: skip


@check(DROP_ALL, K8S)
def drop_all(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        if "ALL" not in _capabilities(container, "drop"):
            yield container_hit(container, None, "capabilities.drop does not include ALL")


RESTRICTED_CAPABILITIES = Rule(
    id="MK8S-026", title="Capability added other than NET_BIND_SERVICE", severity=Severity.LOW, kind=MISCONFIG,
    description="The restricted profile allows adding only NET_BIND_SERVICE.",
    remediation="Remove the other entries of `capabilities.add`.",
    references=(PSS + "#restricted",),
    aliases=("KSV106", "AVD-KSV-0106", "KSV022", "CKV_K8S_25"),
    compliance=pss_restricted("capabilities_restricted") + cis_k8s("5.2.9") + nist("4.4.3"),
)  # fmt: skip


@check(RESTRICTED_CAPABILITIES, K8S)
def restricted_capabilities(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        extra = [c for c in _capabilities(container, "add") if c != "NET_BIND_SERVICE"]
        if extra:
            line = line_in(container.data, "securityContext", "capabilities", "add")
            yield container_hit(container, line, f"adds {', '.join(extra)}")


READ_ONLY_ROOT = Rule(
    id="MK8S-053", title="Root filesystem not read-only", severity=Severity.LOW, kind=MISCONFIG,
    description="A writable root filesystem lets an intruder drop tools and modify the application.",
    remediation="Set `securityContext.readOnlyRootFilesystem: true` and mount emptyDir volumes where the "
                "application writes.",
    references=(SECURITY_CONTEXT,),
    aliases=("KSV014", "AVD-KSV-0014", "CKV_K8S_22"),
    compliance=nist("4.4.4") + cis_docker("5.13"),
)  # fmt: skip


@check(READ_ONLY_ROOT, K8S)
def read_only_root(manifests: KubernetesSet) -> Iterator[Hit]:
    for container in _containers(manifests):
        if not truthy(container.security_context.get("readOnlyRootFilesystem")):
            yield container_hit(container, None, "readOnlyRootFilesystem is not true")
