"""A curated table of container-escape and runtime CVEs of the container platform, with their sources.

Upstream ranges come from the Go vulnerability database (``golang/vulndb`` OSV records, named by
their ``GO-`` ids; a test checks the table against those records) and, where that database has no
record or is coarser than the vendor (runc CVE-2019-5736, Docker CVE-2019-14271), from the vendor
advisories named in ``references``. Debian fixed versions come from Debian's DSA/DLA announcements
(named in ``debian``): they decide for a binary that a Debian package installed, so a backported fix
counts even when the upstream version looks vulnerable. Severities are mamoru's rating of the class:
HIGH for an escape to the host, CRITICAL where the vendor rated the issue critical.

Ranges are ``(introduced, fixed)`` pairs; ``introduced`` "" means every earlier version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mamoru.model.finding import Severity

HIGH, CRITICAL, MEDIUM = Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM


@dataclass(frozen=True, slots=True, kw_only=True)
class EscapeCVE:
    """One vulnerability of one platform component."""

    id: str
    component: str  # runc, containerd, docker, buildkit, crio, kube-apiserver, kubelet
    title: str
    severity: Severity
    ranges: tuple[tuple[str, str], ...]
    aliases: tuple[str, ...] = ()  # GHSA and GO ids
    references: tuple[str, ...] = ()
    # Debian release (major version) → (binary package, first fixed version, announcement)
    debian: dict[str, tuple[str, str, str]] = field(default_factory=dict, hash=False)

    @property
    def go_id(self) -> str:
        return next((a for a in self.aliases if a.startswith("GO-")), "")


_RUNC_2025 = (("", "1.2.8"), ("1.3.0-rc.1", "1.3.3"), ("1.4.0-rc.1", "1.4.0-rc.3"))

ESCAPE_CVES: tuple[EscapeCVE, ...] = (
    EscapeCVE(id="CVE-2019-5736", component="runc", severity=HIGH,
              title="a container overwrites the host runc binary through /proc/self/exe (host root)",
              ranges=(("", "1.0.0-rc7"),),
              references=("https://kubernetes.io/blog/2019/02/11/runc-and-cve-2019-5736/",
                          "https://www.openwall.com/lists/oss-security/2019/02/11/2")),
    EscapeCVE(id="CVE-2019-5736", component="docker", severity=HIGH,
              title="the runc bundled with Docker lets a container overwrite the host runc binary (host root)",
              ranges=(("", "18.06.3"), ("18.09.0", "18.09.2")),
              references=("https://kubernetes.io/blog/2019/02/11/runc-and-cve-2019-5736/",)),
    EscapeCVE(id="CVE-2021-30465", component="runc", severity=HIGH,
              title="symlink-exchange race in mount: a host path is bind-mounted into the container",
              ranges=(("", "1.0.0-rc95"),), aliases=("GHSA-c3xm-pvg7-gh7r", "GO-2022-0914"),
              debian={"10": ("runc", "1.0.0~rc6+dfsg1-3+deb10u2", "DLA-3369-1")}),
    EscapeCVE(id="CVE-2024-21626", component="runc", severity=HIGH,
              title="leaked host file descriptor: WORKDIR /proc/self/fd/N or runc exec runs on the host filesystem",
              ranges=(("1.0.0-rc93", "1.1.12"),), aliases=("GHSA-xr7r-f8xq-vfvv", "GO-2024-2491"),
              references=("https://github.com/opencontainers/runc/security/advisories/GHSA-xr7r-f8xq-vfvv",),
              debian={"11": ("runc", "1.0.0~rc93+ds1-5+deb11u3", "DSA-5615-1"),
                      "12": ("runc", "1.1.5+ds1-1+deb12u1", "DSA-5615-1")}),
    EscapeCVE(id="CVE-2019-16884", component="runc", severity=HIGH,
              title="AppArmor restrictions bypassed by an image that mounts over /proc",
              ranges=(("", "1.0.0-rc8.0.20190930145003-cad42f6e0932"),),
              aliases=("GHSA-fgv8-vj5c-2ppq", "GO-2021-0085"),
              debian={"10": ("runc", "1.0.0~rc6+dfsg1-3+deb10u2", "DLA-3369-1")}),
    EscapeCVE(id="CVE-2023-27561", component="runc", severity=HIGH,
              title="AppArmor restrictions bypassed by an image that mounts over /proc (regression of CVE-2019-16884)",
              ranges=(("1.0.0-rc95", "1.1.5"),), aliases=("GHSA-vpvm-3wq2-2wvm", "GO-2023-1627"),
              debian={"10": ("runc", "1.0.0~rc6+dfsg1-3+deb10u2", "DLA-3369-1")}),
    EscapeCVE(id="CVE-2025-31133", component="runc", severity=HIGH,
              title="masked-path race: a container writes host procfs files (escape)",
              ranges=_RUNC_2025, aliases=("GHSA-9493-h29p-rfm2", "GO-2025-4096")),
    EscapeCVE(id="CVE-2025-52565", component="runc", severity=HIGH,
              title="/dev/console mount race: a container writes host procfs files (escape)",
              ranges=(("1.0.0-rc3", "1.2.8"), *_RUNC_2025[1:]), aliases=("GHSA-qw9x-cqr3-wc7r", "GO-2025-4097")),
    EscapeCVE(id="CVE-2025-52881", component="runc", severity=HIGH,
              title="procfs write redirection: LSM labels and sysctl writes go to attacker-chosen host files",
              ranges=_RUNC_2025, aliases=("GHSA-cgrx-mc8f-2prm", "GO-2025-4098")),
    EscapeCVE(id="CVE-2020-15257", component="containerd", severity=HIGH,
              title="containerd-shim API on an abstract socket reachable from host-network containers (host root)",
              ranges=(("", "1.3.9"), ("1.4.0", "1.4.3")), aliases=("GHSA-36xw-fx78-c5r4", "GO-2022-0784"),
              references=("https://github.com/containerd/containerd/security/advisories/GHSA-36xw-fx78-c5r4",)),
    EscapeCVE(id="CVE-2022-23648", component="containerd", severity=HIGH,
              title="image volume path traversal: containers read arbitrary host files",
              ranges=(("", "1.4.13"), ("1.5.0", "1.5.10"), ("1.6.0", "1.6.1")),
              aliases=("GHSA-crp2-qrr5-8pq7", "GO-2022-0344"),
              debian={"11": ("containerd", "1.4.13~ds1-1~deb11u1", "DSA-5091-1")}),
    EscapeCVE(id="CVE-2019-14271", component="docker", severity=CRITICAL,
              title="docker cp loads the container's libnss into a host process (host code execution)",
              ranges=(("19.03.0", "19.03.1"),), aliases=("GHSA-v2cv-wwxq-qq97", "GO-2024-2521"),
              debian={"10": ("docker.io", "18.09.1+dfsg1-7.1+deb10u1", "DSA-4521-1")}),
    EscapeCVE(id="CVE-2022-24769", component="docker", severity=MEDIUM,
              title="containers start with non-empty inheritable capabilities",
              ranges=(("", "20.10.14"),), aliases=("GHSA-2mm7-x5h6-5pvq", "GO-2022-0390")),
    EscapeCVE(id="CVE-2021-41091", component="docker", severity=MEDIUM,
              title="/var/lib/docker subdirectories let unprivileged host users run setuid programs of containers",
              ranges=(("", "20.10.9"),), aliases=("GHSA-3fwx-pjgw-3558", "GO-2024-2500")),
    EscapeCVE(id="CVE-2024-23651", component="buildkit", severity=HIGH,
              title="cache-mount race lets a build read host files", ranges=(("", "0.12.5"),),
              aliases=("GHSA-m3r6-h7wv-7xxv", "GO-2024-2493")),
    EscapeCVE(id="CVE-2024-23652", component="buildkit", severity=HIGH,
              title="a build deletes host files when mount stubs are torn down", ranges=(("", "0.12.5"),),
              aliases=("GHSA-4v98-7qmw-rqr8", "GO-2024-2494")),
    EscapeCVE(id="CVE-2024-23653", component="buildkit", severity=HIGH,
              title="gateway privilege check bypass runs privileged build containers", ranges=(("", "0.12.5"),),
              aliases=("GHSA-wr6v-9f75-vh2g", "GO-2024-2497")),
    EscapeCVE(id="CVE-2022-0811", component="crio", severity=HIGH,
              title="sysctl injection sets kernel.core_pattern (host root)",
              ranges=(("1.19.0", "1.19.6"), ("1.20.0", "1.20.7"), ("1.21.0", "1.21.6"), ("1.22.0", "1.22.3"),
                      ("1.23.0", "1.23.2")), aliases=("GHSA-6x2m-w449-qwx7", "GO-2022-0354")),
    EscapeCVE(id="CVE-2018-1002105", component="kube-apiserver", severity=CRITICAL,
              title="upgraded connections escalate to the kubelet API with the API server's credentials",
              ranges=(("", "1.10.11"), ("1.11.0", "1.11.5"), ("1.12.0", "1.12.3")),
              aliases=("GHSA-579h-mv94-g4gp", "GO-2022-0792"),
              references=("https://github.com/kubernetes/kubernetes/issues/71411",)),
    EscapeCVE(id="CVE-2021-25741", component="kubelet", severity=HIGH,
              title="subPath symlink exchange gives containers access to host files",
              ranges=(("", "1.19.15"), ("1.20.0", "1.20.11"), ("1.21.0", "1.21.5"), ("1.22.0", "1.22.2")),
              aliases=("GHSA-f5f7-6478-qm6p", "GO-2022-0910")),
)  # fmt: skip
