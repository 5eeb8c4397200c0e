"""End-of-life distribution releases: an image on a release that no longer gets security fixes.

The dates are the end of the last *free* security support of each release, the one a container image
built from the public archives actually receives (paid extended support — Ubuntu Pro, RHEL ELS,
Oracle extended support — does not reach such images):

* Debian: the end of Debian LTS — https://wiki.debian.org/LTS (10 buster 2024-06-30, 11 bullseye
  2026-08-31, 12 bookworm 2028-06-30, 13 trixie 2030-06-30);
* Ubuntu: the end of standard support — https://ubuntu.com/about/release-cycle and
  https://wiki.ubuntu.com/Releases;
* Alpine: each branch's end of support — https://alpinelinux.org/releases/;
* RHEL, CentOS: end of Maintenance Support — https://access.redhat.com/support/policy/updates/errata,
  https://www.centos.org/centos-linux-eol/ and https://www.centos.org/centos-stream/;
* AlmaLinux https://wiki.almalinux.org/release-notes/, Rocky Linux
  https://wiki.rockylinux.org/rocky/version/, Oracle Linux Premier Support
  https://www.oracle.com/a/ocom/docs/elsp-lifetime-069338.pdf, Amazon Linux
  https://aws.amazon.com/amazon-linux-2/faqs/, Fedora https://docs.fedoraproject.org/en-US/releases/eol/;
  cross-checked with https://endoflife.date.

Releases missing from the table are not judged. Rule ``VULN-001`` is registered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.model.inventory import OSRelease
from mamoru.rules import register

EOL_RULE = Rule(
    id="VULN-001",
    title="End-of-life distribution release",
    severity=Severity.HIGH,
    kind=FindingKind.VULNERABILITY,
    description="The image's operating system release no longer receives security updates: vulnerabilities "
    "found in its packages from now on are never fixed, and advisory feeds stop tracking it.",
    remediation="Rebuild the image on a supported release of its distribution (or of another base image).",
    references=("https://endoflife.date/", "https://wiki.debian.org/LTS", "https://alpinelinux.org/releases/"),
    compliance=(
        ComplianceRef("nist-sp-800-190", "4.1.1"),
        ComplianceRef("cis-docker-1.6.0", "4.4"),
        ComplianceRef("cis-docker-1.6.0", "4.2"),
    ),
)
register(EOL_RULE)

# family -> release (as the OS version starts) -> end of free security support
END_OF_LIFE: dict[str, dict[str, str]] = {
    "debian": {"6": "2016-02-29", "7": "2018-05-31", "8": "2020-06-30", "9": "2022-06-30", "10": "2024-06-30",
               "11": "2026-08-31", "12": "2028-06-30", "13": "2030-06-30"},
    "ubuntu": {"12.04": "2017-04-28", "14.04": "2019-04-30", "16.04": "2021-04-30", "18.04": "2023-05-31",
               "20.04": "2025-05-31", "22.04": "2027-06-01", "24.04": "2029-05-31", "16.10": "2017-07-20",
               "17.04": "2018-01-13", "17.10": "2018-07-19", "18.10": "2019-07-18", "19.04": "2020-01-23",
               "19.10": "2020-07-17", "20.10": "2021-07-22", "21.04": "2022-01-20", "21.10": "2022-07-14",
               "22.10": "2023-07-20", "23.04": "2024-01-25", "23.10": "2024-07-11", "24.10": "2025-07-10",
               "25.04": "2026-01-15"},
    "alpine": {f"3.{minor}": day for minor, day in (
        (0, "2016-05-01"), (1, "2016-11-01"), (2, "2017-05-01"), (3, "2017-11-01"), (4, "2018-05-01"),
        (5, "2018-11-01"), (6, "2019-05-01"), (7, "2019-11-01"), (8, "2020-05-01"), (9, "2020-11-01"),
        (10, "2021-05-01"), (11, "2021-11-01"), (12, "2022-05-01"), (13, "2022-11-01"), (14, "2023-05-01"),
        (15, "2023-11-01"), (16, "2024-05-23"), (17, "2024-11-22"), (18, "2025-05-09"), (19, "2025-11-01"),
        (20, "2026-04-01"), (21, "2026-11-01"), (22, "2027-05-01"), (23, "2027-11-01"))},
    "rhel": {"5": "2017-03-31", "6": "2020-11-30", "7": "2024-06-30", "8": "2029-05-31", "9": "2032-05-31"},
    "centos": {"5": "2017-03-31", "6": "2020-11-30", "7": "2024-06-30", "8": "2021-12-31", "9": "2027-05-31"},
    "almalinux": {"8": "2029-03-01", "9": "2032-05-31"},
    "rocky": {"8": "2029-05-31", "9": "2032-05-31"},
    "oracle": {"6": "2021-03-01", "7": "2024-12-31", "8": "2029-07-31", "9": "2032-06-30"},
    "amazon": {"2018.03": "2023-12-31", "1": "2023-12-31", "2": "2026-06-30", "2023": "2029-06-30"},
    "fedora": {str(v): d for v, d in (
        (30, "2020-05-26"), (31, "2020-11-24"), (32, "2021-05-25"), (33, "2021-11-30"), (34, "2022-06-07"),
        (35, "2022-12-13"), (36, "2023-05-16"), (37, "2023-12-05"), (38, "2024-05-21"), (39, "2024-11-26"),
        (40, "2025-05-13"))},
}  # fmt: skip
NAMES = {"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine", "rhel": "RHEL", "centos": "CentOS",
         "almalinux": "AlmaLinux", "rocky": "Rocky Linux", "oracle": "Oracle Linux", "amazon": "Amazon Linux",
         "fedora": "Fedora"}  # fmt: skip
# releases whose version is a major number (the minor is a point release of it)
MAJOR_ONLY = {"debian", "rhel", "centos", "almalinux", "rocky", "oracle", "fedora"}


@dataclass(frozen=True, slots=True)
class EndOfLife:
    """A release that reached its end of life."""

    family: str
    release: str
    since: date

    @property
    def label(self) -> str:
        return f"{NAMES.get(self.family, self.family)} {self.release}"


def end_of_life(os: OSRelease | None, today: date) -> EndOfLife | None:
    """The release's end of life when it is on or before ``today`` (None: supported, or not in the table)."""
    if os is None or not os.version or os.family not in END_OF_LIFE:
        return None
    table = END_OF_LIFE[os.family]
    release = _release(os.family, os.version, table)
    if release is None:
        return None
    since = date.fromisoformat(table[release])
    return EndOfLife(os.family, release, since) if since <= today else None


def _release(family: str, version: str, table: dict[str, str]) -> str | None:
    version = version.strip().lower().removeprefix("v")
    if family in MAJOR_ONLY:
        major = version.split(".", 1)[0]
        return major if major in table else None
    parts = version.split(".")
    for length in (2, 1):
        candidate = ".".join(parts[:length])
        if candidate in table:
            return candidate
    return None
