"""Kubernetes rules: pod vs container security contexts, scan-wide lookups, RBAC."""

from __future__ import annotations

from pathlib import Path

from mamoru.config.scanner import scan_paths


def scan(tmp_path: Path, **files: str) -> dict[str, list[tuple[str, int]]]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found: dict[str, list[tuple[str, int]]] = {}
    for finding in scan_paths([str(tmp_path)]).findings:
        found.setdefault(finding.rule_id, []).append((finding.location.path, finding.location.line or 0))
    return found


def pod(spec: str, containers: str) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: app\nspec:\n{spec}  containers:\n{containers}"
    )


def test_pod_level_run_as_non_root_covers_containers_unless_overridden(tmp_path: Path) -> None:
    text = pod("  securityContext:\n    runAsNonRoot: true\n",
               "    - name: a\n      image: x:1\n    - name: b\n      image: y:1\n      securityContext:\n"
               "        runAsNonRoot: false\n")  # fmt: skip
    assert scan(tmp_path, **{"p.yaml": text})["MK8S-022"] == [("p.yaml", 12)]


def test_capabilities_are_normalised(tmp_path: Path) -> None:
    text = pod("", "    - name: a\n      image: x:1\n      securityContext:\n        capabilities:\n"
                   "          add: [cap_sys_admin, net_bind_service]\n          drop: [all]\n")  # fmt: skip
    found = scan(tmp_path, **{"p.yaml": text})
    assert "MK8S-005" in found and "MK8S-026" in found and "MK8S-025" not in found


def test_service_account_automount_is_looked_up_across_files(tmp_path: Path) -> None:
    workload = pod("  serviceAccountName: api\n", "    - name: a\n      image: x:1\n")
    account = (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: app\n"
        "automountServiceAccountToken: false\n"
    )
    (tmp_path / "alone").mkdir()
    assert "MK8S-051" in scan(tmp_path / "alone", **{"p.yaml": workload})
    (tmp_path / "with-account").mkdir()
    assert "MK8S-051" not in scan(tmp_path / "with-account", **{"p.yaml": workload, "sa.yaml": account})


def test_network_policy_anywhere_in_the_scan_covers_its_namespace(tmp_path: Path) -> None:
    workload = pod("", "    - name: a\n      image: x:1\n")
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: app\n"
              "spec:\n  podSelector: {}\n")  # fmt: skip
    (tmp_path / "one").mkdir()
    assert "MK8S-050" in scan(tmp_path / "one", **{"p.yaml": workload})
    (tmp_path / "two").mkdir()
    assert "MK8S-050" not in scan(tmp_path / "two", **{"p.yaml": workload, "netpol.yaml": policy})


def test_pod_security_standards_baseline_fields(tmp_path: Path) -> None:
    text = pod(
        "  hostPID: true\n  securityContext:\n    sysctls:\n      - {name: kernel.shm_rmid_forced, value: '1'}\n"
        "      - {name: vm.swappiness, value: '10'}\n",
        "    - name: a\n      image: x:1\n      ports:\n        - {containerPort: 80, hostPort: 0}\n"
        "        - {containerPort: 81, hostPort: 8081}\n      securityContext:\n        procMount: Default\n",
    )
    found = scan(tmp_path, **{"p.yaml": text})
    assert found["MK8S-002"] == [("p.yaml", 7)]
    assert found["MK8S-013"] == [("p.yaml", 11)]
    assert found["MK8S-008"] == [("p.yaml", 17)]
    assert "MK8S-011" not in found


def test_rbac(tmp_path: Path) -> None:
    roles = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n"
        "  - apiGroups: ['']\n    resources: [secrets]\n    resourceNames: [tls]\n    verbs: [get]\n"
        "  - apiGroups: ['']\n    resources: [pods/exec]\n    verbs: [create]\n"
        "  - apiGroups: [rbac.authorization.k8s.io]\n    resources: [roles]\n    verbs: ['*']\n"
    )
    found = scan(tmp_path, **{"r.yaml": roles})
    assert "MK8S-032" not in found  # access to one named Secret only
    assert found["MK8S-033"] == [("r.yaml", 9)]
    assert found["MK8S-034"] == [("r.yaml", 12)] and found["MK8S-030"] == [("r.yaml", 12)]


def test_configmap_credentials(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  DB_PASSWORD: ${DB_PASSWORD}\n"
        "  url: postgres://app:s3cr3t@db:5432/app\n  app.ini: |\n    [db]\n    password = Sup3rS3cret\n"
    )
    assert sorted(line for _, line in scan(tmp_path, **{"c.yaml": text})["MK8S-055"]) == [6, 9]
