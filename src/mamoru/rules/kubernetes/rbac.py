"""Kubernetes RBAC rules (CIS Kubernetes §5.1): wildcards, cluster-admin, secrets, pod exec, escalation."""

from __future__ import annotations

from collections.abc import Iterator

from mamoru.config.kubernetes import KubernetesSet, Resource
from mamoru.config.yamldoc import YMap
from mamoru.model.finding import Rule, Severity
from mamoru.rules.checks import Hit, check
from mamoru.rules.kubernetes.common import K8S, MISCONFIG, RBAC, nested, resource_hit, sequence
from mamoru.rules.refs import cis_k8s, nist


def _rules(role: Resource) -> Iterator[tuple[YMap, list[str], list[str], list[str]]]:
    """(rule, apiGroups, resources, verbs) of a Role or ClusterRole."""
    for rule in sequence(role.data.get("rules")):
        if isinstance(rule, YMap):
            yield (
                rule,
                [str(g) for g in sequence(rule.get("apiGroups"))],
                [str(r) for r in sequence(rule.get("resources"))],
                [str(v) for v in sequence(rule.get("verbs"))],
            )


def _roles(manifests: KubernetesSet) -> Iterator[Resource]:
    return manifests.of_kind("Role", "ClusterRole")


WILDCARD = Rule(
    id="MK8S-030", title="Role uses wildcards", severity=Severity.HIGH, kind=MISCONFIG,
    description="`*` in verbs, resources or apiGroups grants every present and future permission of that kind, "
                "including ones added by CRDs later.",
    remediation="List the verbs, resources and API groups the subject needs.",
    references=(RBAC,),
    aliases=("KSV044", "AVD-KSV-0044", "KSV045", "AVD-KSV-0045", "KSV046", "AVD-KSV-0046", "KSV112", "CKV_K8S_49"),
    compliance=cis_k8s("5.1.3") + nist("4.3.1"),
)  # fmt: skip


@check(WILDCARD, K8S)
def wildcard(manifests: KubernetesSet) -> Iterator[Hit]:
    for role in _roles(manifests):
        for rule, groups, resources, verbs in _rules(role):
            fields = [name for name, values in (("apiGroups", groups), ("resources", resources), ("verbs", verbs))
                      if "*" in values]  # fmt: skip
            if fields:
                yield resource_hit(role, rule.line, f"wildcard in {', '.join(fields)}")


CLUSTER_ADMIN = Rule(
    id="MK8S-031", title="Binding to cluster-admin (or admin/edit)", severity=Severity.HIGH, kind=MISCONFIG,
    description="cluster-admin can do anything in the cluster; admin and edit can read every Secret of a "
                "namespace and run any pod there.",
    remediation="Bind a role with only the permissions needed.",
    references=(RBAC,),
    aliases=("KSV111", "AVD-KSV-0111"),
    compliance=cis_k8s("5.1.1") + nist("4.3.1"),
)  # fmt: skip


@check(CLUSTER_ADMIN, K8S)
def cluster_admin(manifests: KubernetesSet) -> Iterator[Hit]:
    for binding in manifests.of_kind("RoleBinding", "ClusterRoleBinding"):
        role = str(nested(binding.data, "roleRef", "name") or "")
        if role in ("cluster-admin", "admin", "edit"):
            ref = binding.data.get("roleRef")
            yield resource_hit(binding, ref.line_of("name") if isinstance(ref, YMap) else None, f"binds {role}")


_READ = frozenset({"get", "list", "watch", "*"})
_CHANGE = frozenset({"create", "update", "patch", "delete", "deletecollection", "*"})


SECRETS_ACCESS = Rule(
    id="MK8S-032", title="Role can read Secrets", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="get/list/watch on secrets reveals every credential of the namespace (or cluster): service "
                "account tokens, TLS keys, database passwords.",
    remediation="Grant access to named Secrets only (`resourceNames`), or none.",
    references=(RBAC,),
    aliases=("KSV041", "AVD-KSV-0041", "KSV113", "AVD-KSV-0113", "KSV049"),
    compliance=cis_k8s("5.1.2") + nist("4.3.1", "4.1.4"),
)  # fmt: skip


@check(SECRETS_ACCESS, K8S)
def secrets_access(manifests: KubernetesSet) -> Iterator[Hit]:
    for role in _roles(manifests):
        for rule, groups, resources, verbs in _rules(role):
            if sequence(rule.get("resourceNames")):
                continue
            if (
                ("secrets" in resources or "*" in resources)
                and ("" in groups or "*" in groups or not groups)
                and (set(verbs) & (_READ | _CHANGE))
            ):
                yield resource_hit(role, rule.line, f"{', '.join(verbs)} on secrets")


POD_EXEC = Rule(
    id="MK8S-033", title="Role can create pods or exec into them", severity=Severity.MEDIUM, kind=MISCONFIG,
    description="Creating pods (or exec/attach into them) lets a subject run code with any service account of "
                "the namespace and mount its Secrets: an escalation path.",
    remediation="Limit pod creation and exec to the controllers and people that need them.",
    references=(RBAC,),
    aliases=("KSV053", "AVD-KSV-0053", "KSV054", "KSV048"),
    compliance=cis_k8s("5.1.4") + nist("4.3.1"),
)  # fmt: skip


@check(POD_EXEC, K8S)
def pod_exec(manifests: KubernetesSet) -> Iterator[Hit]:
    for role in _roles(manifests):
        for rule, _, resources, verbs in _rules(role):
            risky = [r for r in resources if r in ("pods/exec", "pods/attach")]
            if risky and set(verbs) & (_CHANGE | {"get"}):
                yield resource_hit(role, rule.line, f"{', '.join(verbs)} on {', '.join(risky)}")
            elif "pods" in resources and set(verbs) & {"create", "*"}:
                yield resource_hit(role, rule.line, "create on pods")


ESCALATION = Rule(
    id="MK8S-034", title="Role can bind, escalate or impersonate", severity=Severity.HIGH, kind=MISCONFIG,
    description="The bind, escalate and impersonate verbs let a subject grant itself (or act with) permissions "
                "it does not have.",
    remediation="Remove these verbs; only cluster administrators need them.",
    references=(RBAC,),
    aliases=("KSV043", "AVD-KSV-0043", "KSV050", "KSV051", "KSV052", "CKV_K8S_157", "CKV_K8S_158"),
    compliance=cis_k8s("5.1.8") + nist("4.3.1"),
)  # fmt: skip


_RBAC_RESOURCES = frozenset({"*", "roles", "clusterroles", "rolebindings", "clusterrolebindings"})


@check(ESCALATION, K8S)
def escalation(manifests: KubernetesSet) -> Iterator[Hit]:
    for role in _roles(manifests):
        for rule, groups, resources, verbs in _rules(role):
            risky = [v for v in verbs if v in ("bind", "escalate", "impersonate")]
            rbac_group = "*" in groups or "rbac.authorization.k8s.io" in groups
            if risky:
                yield resource_hit(role, rule.line, f"verbs {', '.join(risky)}")
            elif "*" in verbs and rbac_group and _RBAC_RESOURCES & set(resources):
                yield resource_hit(role, rule.line, "verbs * on RBAC resources include bind and escalate")


ANONYMOUS = Rule(
    id="MK8S-035", title="Binding grants permissions to anonymous or all authenticated users",
    severity=Severity.CRITICAL, kind=MISCONFIG,
    description="Subjects `system:anonymous`, `system:unauthenticated` or `system:authenticated` mean anyone "
                "who reaches the API server (or anyone with any account) gets the role.",
    remediation="Bind roles to specific users, groups or service accounts.",
    references=(RBAC,),
    compliance=cis_k8s("5.1.7", "5.1.1") + nist("4.3.2"),
)  # fmt: skip


@check(ANONYMOUS, K8S)
def anonymous(manifests: KubernetesSet) -> Iterator[Hit]:
    for binding in manifests.of_kind("RoleBinding", "ClusterRoleBinding"):
        for subject in sequence(binding.data.get("subjects")):
            name = str(subject.get("name", "")) if isinstance(subject, YMap) else ""
            if name in ("system:anonymous", "system:unauthenticated", "system:authenticated"):
                role = nested(binding.data, "roleRef", "name")
                yield resource_hit(binding, subject.line, f"binds {role} to {name}")
