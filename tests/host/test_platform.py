"""Platform components and their escape CVEs: version order, the table against the Go vulnerability database,
Debian backports (a Debian-patched runc is not reported), a real Go-built runc, and `docker version`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import docker
import pytest
from tests.conftest import mamoru
from tests.host.trees import apply, good_host

from mamoru.host.audit import HostOptions, audit_host
from mamoru.host.escapes import ESCAPE_CVES
from mamoru.host.platform import engine_components, in_ranges, match_components, upstream_of, version_key
from mamoru.model.finding import FindingKind

REPO = Path(__file__).resolve().parents[2]
VULNDATA = Path(os.environ.get("MAMORU_VULNDATA", REPO.parent / "shared" / "vulndata"))  # as tests/vulndb/support.py
GO_VULNDB = VULNDATA / "golang" / "vulndb" / "data" / "osv"
# where the table deliberately follows the vendor instead of the Go database's coarser module range
VENDOR_RANGES = {"CVE-2019-14271"}
GO_MODULES = {"runc": "github.com/opencontainers/runc", "containerd": "github.com/containerd/containerd",
              "docker": "github.com/docker/docker", "buildkit": "github.com/moby/buildkit",
              "crio": "github.com/cri-o/cri-o", "kube-apiserver": "github.com/kubernetes/kubernetes",
              "kubelet": "k8s.io/kubernetes"}  # fmt: skip


@pytest.mark.parametrize(("smaller", "larger"), [
    ("1.0.0-rc92", "1.0.0-rc93"), ("1.0.0-rc93", "1.0.0"), ("v1.1.11", "1.1.12"), ("1.3.0-rc.1", "1.3.0-rc.2"),
    ("1.0.0-rc8", "1.0.0-rc8.0.20190930145003-cad42f6e0932"), ("18.06.1-ce", "18.06.3"), ("20.10.9", "20.10.14"),
    ("1.4.0-rc.2", "1.4.0"), ("0.12.4", "0.12.5"),
])  # fmt: skip
def test_version_order(smaller: str, larger: str) -> None:
    assert version_key(smaller) < version_key(larger)


@pytest.mark.parametrize(("package", "upstream"), [
    ("1.1.5+ds1-1+deb12u1", "1.1.5"), ("1.0.0~rc93+ds1-5+deb11u3", "1.0.0-rc93"),
    ("20.10.24+dfsg1-1+deb12u1+b6", "20.10.24"),
    ("5:24.0.7-1~debian.12~bookworm", "24.0.7"), ("1.6.20~ds1-1+deb12u3", "1.6.20"), ("1.1.12-r3", "1.1.12"),
    ("1.0.0-rc93", "1.0.0-rc93"),
])  # fmt: skip
def test_upstream_version_of_a_package(package: str, upstream: str) -> None:
    assert upstream_of(package) == upstream


def test_table_matches_the_go_vulnerability_database() -> None:
    """Every entry with a GO id has the same fixed versions as that OSV record (shared/vulndata snapshot)."""
    checked = 0
    for cve in ESCAPE_CVES:
        if not cve.go_id or cve.id in VENDOR_RANGES:
            continue
        record = json.loads((GO_VULNDB / f"{cve.go_id}.json").read_text())
        assert cve.id in record["aliases"]
        module = GO_MODULES[cve.component]
        events = [e for a in record["affected"] if a["package"]["name"] == module for r in a["ranges"]
                  for e in r["events"]]  # fmt: skip
        fixed = {e["fixed"].removesuffix("+incompatible") for e in events if "fixed" in e}
        introduced = {e["introduced"] for e in events if "introduced" in e} - {"0"}
        assert fixed == {f for _i, f in cve.ranges}, cve.id
        assert introduced == {i for i, _f in cve.ranges if i}, cve.id
        checked += 1
    assert checked >= 15


def _platform_findings(root: Path) -> dict[str, set[str]]:
    inventory = audit_host(HostOptions(root=str(root), packages=True))
    found: dict[str, set[str]] = {}
    for finding in inventory.findings:
        if finding.kind is FindingKind.VULNERABILITY and finding.package is not None:
            found.setdefault(finding.package.name, set()).add(finding.rule_id)
    return found


def test_debian_backport_decides_for_a_debian_runc(tmp_path: Path) -> None:
    """runc 1.1.5 is upstream-vulnerable to CVE-2024-21626; Debian fixed it in 1.1.5+ds1-1+deb12u1 (DSA-5615-1)."""
    patched = good_host(tmp_path / "patched")
    assert "CVE-2024-21626" not in _platform_findings(patched).get("runc", set())
    unpatched = good_host(tmp_path / "unpatched")
    apply(unpatched, {"replace": {"var/lib/dpkg/status": ["Version: 1.1.5+ds1-1+deb12u1", "Version: 1.1.5+ds1-1"]}})
    inventory = audit_host(HostOptions(root=str(unpatched), packages=True))
    finding = next(f for f in inventory.findings if f.rule_id == "CVE-2024-21626")
    assert finding.vulnerability is not None and finding.vulnerability.fixed_version == "1.1.5+ds1-1+deb12u1"
    assert "DSA-5615-1" in finding.vulnerability.source and finding.location is not None
    assert finding.location.path == "usr/sbin/runc"
    refs = {(c.framework, c.control) for c in finding.compliance}
    assert ("nist-sp-800-190", "4.4.1") in refs and ("cis-docker-1.6.0", "1.2.2") in refs


@pytest.fixture(scope="session")
def go_runc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runc-like Go binary: module github.com/opencontainers/runc, version set the way runc's Makefile sets
    it, ``-ldflags "-X main.version=1.1.11"`` (without -trimpath, Go records the flags in the build information)."""
    go = shutil.which("go")
    assert go is not None, "golang-go is not installed; .ci/run installs it"
    source = tmp_path_factory.mktemp("runc-src")
    (source / "go.mod").write_text("module github.com/opencontainers/runc\n\ngo 1.19\n")
    (source / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nvar version = ""\n\nfunc main() { fmt.Println(version) }\n'
    )
    out = source / "runc"
    env = {**os.environ, "GOCACHE": str(source / ".cache"), "GOPATH": str(source / ".gopath"), "GOFLAGS": "-mod=mod",
           "GOPROXY": "off", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}  # fmt: skip
    subprocess.run([go, "build", "-ldflags", "-X main.version=1.1.11", "-o", str(out), "."], cwd=source,
                   env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
    return out


def test_static_runc_is_matched_by_its_upstream_version(tmp_path: Path, go_runc: Path) -> None:
    root = good_host(tmp_path / "root")
    (root / "usr/local/bin").mkdir(parents=True)
    shutil.copy(go_runc, root / "usr/local/bin/runc")
    inventory = audit_host(HostOptions(root=str(root), packages=True))
    mine = {f.rule_id for f in inventory.findings if f.kind is FindingKind.VULNERABILITY and f.location is not None
            and f.location.path == "usr/local/bin/runc"}  # fmt: skip
    assert mine == {"CVE-2024-21626", "CVE-2025-31133", "CVE-2025-52565", "CVE-2025-52881"}
    assert any(p.name == "runc" and p.version == "1.1.11" for p in inventory.packages)


def test_engine_components_of_a_real_daemon(runtime_engine: str) -> None:
    """Debian's docker.io reports its package versions in GitCommit: they are judged as Debian packages."""
    client = docker.DockerClient(base_url=runtime_engine)
    version = client.version()
    client.close()
    components = {c.name: c for c in engine_components(version, ("debian", "12"))}
    assert {"docker", "containerd", "runc"} <= set(components)
    runc = components["runc"]
    assert runc.distro == "debian:12" and runc.package_version.startswith(runc.version.split("-")[0])
    findings, _notes = match_components(list(components.values()))
    if runc.package_version == "1.1.5+ds1-1+deb12u1":  # this machine's Debian-patched runc
        assert not [f for f in findings if f.rule_id == "CVE-2024-21626"]


def test_upstream_ranges_without_distribution() -> None:
    assert in_ranges("1.1.11", (("1.0.0-rc93", "1.1.12"),)) == "1.1.12"
    assert in_ranges("1.0.0-rc92", (("1.0.0-rc93", "1.1.12"),)) is None
    assert in_ranges("1.4.2", (("", "1.3.9"), ("1.4.0", "1.4.3"))) == "1.4.3"


def test_the_advisory_database_and_the_table_agree_without_duplicates(tmp_path: Path) -> None:
    """With Debian's DSA-5615-1 in the vulnerability database, the unpatched runc is reported once (by the
    database's match of the host package), the patched one not at all."""
    db = tmp_path / "vulndb.sqlite"
    dsa = VULNDATA / "vulsio/vuls-data-raw-debian-osv/DSA/2024/DSA-5615-1.json"
    imported = mamoru("db", "import", "--db", str(db), "-q", str(dsa), str(GO_VULNDB / "GO-2024-2491.json"))
    assert imported.returncode == 0, imported.stderr
    unpatched = good_host(tmp_path / "unpatched")
    apply(unpatched, {"replace": {"var/lib/dpkg/status": ["Version: 1.1.5+ds1-1+deb12u1", "Version: 1.1.5+ds1-1"]}})
    patched = good_host(tmp_path / "patched")
    for root, expected in ((unpatched, 1), (patched, 0)):
        result = mamoru("host", "--root", str(root), "--db", str(db), "-f", "json", "-q")
        assert result.returncode == 0, result.stderr
        found = [f for f in json.loads(result.stdout)["findings"] if f["ruleId"] == "CVE-2024-21626"]
        assert len(found) == expected, found
        assert all(f["package"]["name"] == "runc" for f in found)
