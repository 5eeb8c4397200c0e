"""Compliance references used by the built-in rules (framework names are stable report values)."""

from __future__ import annotations

from mamoru.model.finding import ComplianceRef

NIST = "nist-sp-800-190"
CIS_DOCKER = "cis-docker-1.6.0"
CIS_KUBERNETES = "cis-kubernetes-1.11"
PSS_BASELINE = "pss-baseline"
PSS_RESTRICTED = "pss-restricted"

FRAMEWORKS = {
    NIST: "NIST SP 800-190, Application Container Security Guide (countermeasures, §4)",
    CIS_DOCKER: "CIS Docker Benchmark v1.6.0",
    CIS_KUBERNETES: "CIS Kubernetes Benchmark v1.11 (§5 Policies)",
    PSS_BASELINE: "Kubernetes Pod Security Standards, Baseline profile (control = pod-security-admission check)",
    PSS_RESTRICTED: "Kubernetes Pod Security Standards, Restricted profile (control = pod-security-admission check)",
}


def nist(*controls: str) -> tuple[ComplianceRef, ...]:
    return tuple(ComplianceRef(NIST, c) for c in controls)


def cis_docker(*controls: str) -> tuple[ComplianceRef, ...]:
    return tuple(ComplianceRef(CIS_DOCKER, c) for c in controls)


def cis_k8s(*controls: str) -> tuple[ComplianceRef, ...]:
    return tuple(ComplianceRef(CIS_KUBERNETES, c) for c in controls)


def pss_baseline(*controls: str) -> tuple[ComplianceRef, ...]:
    return tuple(ComplianceRef(PSS_BASELINE, c) for c in controls)


def pss_restricted(*controls: str) -> tuple[ComplianceRef, ...]:
    return tuple(ComplianceRef(PSS_RESTRICTED, c) for c in controls)
