"""The host operating system (NIST SP 800-190 §4.5.1, §4.5.3): is it a container-specific OS, does it run
services unrelated to containers, has its release reached its end of life.

Services are recognised by the packages that ship common servers (web, database, mail, directory,
file and print sharing, desktop sessions, remote shells) and by the systemd units enabled under
``/etc/systemd/system/*.wants``. End-of-life dates are those of the distributions' free security
support, shared with the Dockerfile base-image rule (:mod:`mamoru.rules.dockerfile.eol`).
"""

from __future__ import annotations

from datetime import date

from mamoru.host.hostroot import HostRoot
from mamoru.host.rules import make_finding
from mamoru.model.finding import Finding
from mamoru.model.inventory import OSRelease
from mamoru.model.package import Package

CONTAINER_OS = frozenset({"flatcar", "fedora-coreos", "rhcos", "bottlerocket", "talos", "cos", "rancheros", "k3os",
                          "coreos", "photon"})  # fmt: skip
# service → packages (exact names, or prefixes ending in "-" / digits stripped) and unit names that provide it
UNRELATED_SERVICES: dict[str, tuple[str, ...]] = {
    "web server": ("apache2", "httpd", "nginx", "nginx-core", "nginx-full", "lighttpd", "tomcat9", "tomcat10"),
    "database server": ("mysql-server", "mariadb-server", "postgresql", "mongodb-server", "mongod", "redis-server",
                        "memcached", "couchdb"),
    "mail server": ("postfix", "exim4-daemon-light", "exim4-daemon-heavy", "sendmail", "dovecot-core", "dovecot"),
    "DNS server": ("bind9", "named", "unbound", "pdns-server"),
    "file sharing": ("samba", "smbd", "nfs-kernel-server", "nfs-server", "vsftpd", "proftpd-basic", "proftpd",
                     "pure-ftpd"),
    "print server": ("cups", "cups-daemon", "cupsd"),
    "desktop session": ("xserver-xorg-core", "gdm3", "gdm", "lightdm", "sddm", "gnome-shell", "plasma-desktop",
                        "xfce4-session"),
    "legacy remote shell": ("telnetd", "inetutils-telnetd", "telnet-server", "rsh-server", "rsh-redone-server"),
    "directory or proxy server": ("slapd", "openldap-servers", "squid", "snmpd", "net-snmp"),
}  # fmt: skip
_PACKAGE_TO_SERVICE = {name: service for service, names in UNRELATED_SERVICES.items() for name in names}
MAX_UNITS = 2000


def unrelated_services(host: HostRoot, packages: list[Package]) -> list[str]:
    """``"web server: nginx (package)"``-style descriptions of what this host runs besides containers."""
    found: dict[str, str] = {}
    for package in packages:
        if not package.kind.is_os:
            continue
        name = package.name
        base = name.rstrip("0123456789.-") if name.startswith("postgresql-") else name
        service = _PACKAGE_TO_SERVICE.get(name) or _PACKAGE_TO_SERVICE.get(base)
        if service:
            found.setdefault(f"{name} (package)", service)
    for wants in host.listdir("etc/systemd/system", MAX_UNITS):
        if not wants.endswith(".wants"):
            continue
        for unit in host.listdir(f"etc/systemd/system/{wants}", MAX_UNITS):
            name = unit.removesuffix(".service")
            service = _PACKAGE_TO_SERVICE.get(name) or _PACKAGE_TO_SERVICE.get(name.split("@", 1)[0])
            if unit.endswith(".service") and service:
                found.setdefault(f"{unit} (enabled unit)", service)
    return [f"{service}: {what}" for what, service in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))]


def services_finding(host: HostRoot, os_release: OSRelease | None, packages: list[Package]) -> list[Finding]:
    """HOST-001: a general-purpose host that runs services unrelated to containers."""
    if os_release is not None and os_release.family in CONTAINER_OS:
        return []
    services = unrelated_services(host, packages)
    if not services:
        return []
    kind = f"{os_release} host" if os_release is not None else "host"
    kinds = sorted({s.split(":", 1)[0] for s in services})
    path = os_release.location.path if os_release is not None and os_release.location is not None else ""
    return [make_finding("HOST-001", f"general-purpose {kind} runs {', '.join(kinds)}", path,
                         tuple(services[:30]))]  # fmt: skip


def end_of_life(os_release: OSRelease | None, today: date) -> tuple[str, date] | None:
    """The release's name and end-of-life date when it has passed by ``today``."""
    if os_release is None:
        return None
    from mamoru.rules.dockerfile.eol import ALPINE, DEBIAN, RUNTIMES, UBUNTU

    family, version = os_release.family, os_release.version
    major = version.split(".", 1)[0]
    candidates: list[tuple[str, str]] = []
    if family == "debian":
        candidates = [(f"Debian {v} ({c})", d) for v, c, d in DEBIAN if v == major or c == os_release.codename]
    elif family == "ubuntu":
        candidates = [(f"Ubuntu {v} ({c})", d) for v, c, d in UBUNTU if version.startswith(v)]
    elif family == "alpine":
        candidates = [(f"Alpine {v}", d) for v, d in ALPINE if version == v or version.startswith(v + ".")]
    elif family == "centos":
        candidates = [(f"CentOS Linux {v}", d) for v, d in (("6", "2020-11-30"), ("7", "2024-06-30"),
                                                             ("8", "2021-12-31")) if v == major]  # fmt: skip
    elif family == "fedora":
        candidates = [(label, d) for v, d, label in RUNTIMES.get("fedora", ()) if v == major]
    for label, since in candidates:
        ended = date.fromisoformat(since)
        if ended <= today:
            return label, ended
    return None


def eol_finding(os_release: OSRelease | None, today: date) -> list[Finding]:
    """HOST-002: the host's release no longer gets security updates."""
    ended = end_of_life(os_release, today)
    if ended is None:
        return []
    label, since = ended
    path = os_release.location.path if os_release is not None and os_release.location is not None else ""
    return [make_finding("HOST-002", f"host OS {label} reached its end of life on {since.isoformat()}", path,
                         (f"end of life {since.isoformat()}",))]  # fmt: skip
