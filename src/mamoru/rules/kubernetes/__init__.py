"""Kubernetes rules (``MK8S-…``); importing the package registers them."""

from mamoru.rules.kubernetes import pod, rbac, workload

__all__ = ["pod", "rbac", "workload"]
