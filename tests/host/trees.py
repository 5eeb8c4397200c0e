"""Prepared host trees for `mamoru host --root`: a hardened Debian 12 Docker host, and changes on top of it.

The good tree has everything CIS Docker §1-3 asks for: daemon.json with every recommended setting,
TLS on TCP with client verification, unit files, certificates, keys and sockets (real unix sockets)
with the recommended owners and modes, audit rules for every Docker path, an empty docker group, a
separate partition for the data root in fstab, and the platform packages at Debian-fixed versions.
A fixture's `host.json` changes it:

- ``daemon``: keys merged into daemon.json (``null`` removes a key);
- ``files``: path → ``{"text": …, "mode": "0644", "owner": "0:0"}`` (created or replaced);
- ``sockets``: path → ``{"mode": …, "owner": …}`` (a real unix socket);
- ``chmod`` / ``chown``: path → mode / ``uid:gid``;
- ``append``: path → text; ``replace``: path → [old, new]; ``remove``: paths;
- ``dockerd_args``: the daemon's command line (as ``--dockerd-args``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

DOCKER_GID = 998
STATUS_ENTRY = """Package: {name}
Status: install ok installed
Priority: optional
Section: admin
Installed-Size: 100
Maintainer: Debian Go Packaging Team <team+pkg-go@tracker.debian.org>
Architecture: amd64
Source: {source}
Version: {version}
Description: {name}
"""
PLATFORM_PACKAGES = {  # name → (source, version, files)
    "docker.io": ("docker.io", "20.10.24+dfsg1-1+deb12u1+b6", ("/usr/sbin/dockerd",)),
    "containerd": ("containerd", "1.6.20~ds1-1+deb12u3", ("/usr/bin/containerd", "/usr/bin/containerd-shim",
                                                          "/usr/bin/containerd-shim-runc-v1",
                                                          "/usr/bin/containerd-shim-runc-v2")),
    "runc": ("runc", "1.1.5+ds1-1+deb12u1", ("/usr/sbin/runc",)),
}  # fmt: skip
BASE_PACKAGES = {"base-files": "12.4+deb12u12", "bash": "5.2.15-2+b9", "libc6": "2.36-9+deb12u13"}
AUDITED = ("/usr/sbin/dockerd", "/run/containerd", "/var/lib/docker", "/etc/docker",
           "/lib/systemd/system/docker.service", "/run/containerd/containerd.sock",
           "/lib/systemd/system/docker.socket", "/etc/default/docker",
           "/etc/docker/daemon.json", "/etc/containerd/config.toml", "/etc/sysconfig/docker", "/usr/bin/containerd",
           "/usr/bin/containerd-shim", "/usr/bin/containerd-shim-runc-v1", "/usr/bin/containerd-shim-runc-v2",
           "/usr/sbin/runc")  # fmt: skip
GOOD_DAEMON = {
    "icc": False, "log-level": "info", "iptables": True, "userns-remap": "default",
    "authorization-plugins": ["authz-broker"], "log-driver": "syslog", "log-opts": {"syslog-address": "udp://127.0.0.1:514"},
    "no-new-privileges": True, "live-restore": True, "userland-proxy": False, "storage-driver": "overlay2",
    "hosts": ["fd://", "tcp://0.0.0.0:2376"], "tlsverify": True, "tlscacert": "/etc/docker/tls/ca.pem",
    "tlscert": "/etc/docker/tls/server-cert.pem", "tlskey": "/etc/docker/tls/server-key.pem",
}  # fmt: skip


def write(root: Path, path: str, text: str, mode: int = 0o644, owner: tuple[int, int] = (0, 0)) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    target.write_text(text)
    os.chmod(target, mode)
    os.chown(target, *owner)


def make_socket(root: Path, path: str, mode: int, owner: tuple[int, int]) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        target.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.getcwd()
    try:
        os.chdir(target.parent)  # bind by a short relative name: socket paths are limited to 108 bytes
        server.bind(target.name)
    finally:
        os.chdir(previous)
        server.close()
    os.chmod(target, mode)
    os.chown(target, *owner)


def good_host(root: Path) -> Path:
    """The hardened Debian 12 Docker host."""
    root.mkdir(parents=True, exist_ok=True)
    for directory in ("run", "var/lib/docker", "etc/systemd/system/multi-user.target.wants", "tmp"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "var/run").symlink_to("../run")
    write(root, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
          'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')  # fmt: skip
    write(root, "etc/debian_version", "12.12\n")
    write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000:Admin:/home/admin:/bin/bash\n"
          "alice:x:1001:1001:Alice:/home/alice:/bin/bash\n")  # fmt: skip
    write(root, "etc/group", f"root:x:0:\nadmin:x:1000:\nalice:x:1001:\ndocker:x:{DOCKER_GID}:\n")
    write(root, "etc/fstab", "/dev/vda1 / ext4 errors=remount-ro 0 1\n/dev/vdb1 /var/lib/docker ext4 defaults 0 2\n")
    stanzas = [STATUS_ENTRY.format(name=n, source=n, version=v) for n, v in BASE_PACKAGES.items()]
    for name, (source, version, files) in PLATFORM_PACKAGES.items():
        stanzas.append(STATUS_ENTRY.format(name=name, source=source, version=version))
        write(root, f"var/lib/dpkg/info/{name}.list", "\n".join(files) + "\n")
        for file in files:
            write(root, file.lstrip("/"), f"#!/bin/sh\n# placeholder for {file}\n", 0o755)
    write(root, "var/lib/dpkg/status", "\n".join(stanzas))
    write(root, "lib/systemd/system/docker.service",
          "[Unit]\nDescription=Docker Application Container Engine\n\n[Service]\nEnvironmentFile=-/etc/default/docker\n"
          "ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n\n[Install]\nWantedBy=multi-user.target\n")  # fmt: skip
    write(
        root,
        "lib/systemd/system/docker.socket",
        "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketUser=root\nSocketGroup=docker\n",
    )
    write(root, "etc/default/docker", 'DOCKER_OPTS="--containerd=/run/containerd/containerd.sock"\n')
    (root / "etc/docker").mkdir(parents=True, exist_ok=True)
    os.chmod(root / "etc/docker", 0o755)
    write(root, "etc/docker/daemon.json", json.dumps(GOOD_DAEMON, indent=2))
    write(root, "etc/docker/tls/ca.pem", "-----BEGIN CERTIFICATE-----\n", 0o444)
    write(root, "etc/docker/tls/server-cert.pem", "-----BEGIN CERTIFICATE-----\n", 0o444)
    write(root, "etc/docker/tls/server-key.pem", "-----BEGIN PRIVATE KEY-----\n", 0o400)
    write(root, "etc/docker/certs.d/registry.example.invalid:5000/ca.crt", "-----BEGIN CERTIFICATE-----\n", 0o444)
    write(root, "etc/containerd/config.toml", "version = 2\n")
    make_socket(root, "run/docker.sock", 0o660, (0, DOCKER_GID))
    make_socket(root, "run/containerd/containerd.sock", 0o660, (0, 0))
    os.chmod(root / "run/containerd", 0o711)
    rules = "".join(f"-w {path} -p wa -k docker\n" for path in AUDITED)
    write(root, "etc/audit/rules.d/docker.rules", rules, 0o640)
    return root


def apply(root: Path, spec: dict[str, Any]) -> None:
    """Apply a fixture's changes to a tree."""
    if "daemon" in spec:
        path = root / "etc/docker/daemon.json"
        document = json.loads(path.read_text())
        for key, value in spec["daemon"].items():
            if value is None:
                document.pop(key, None)
            else:
                document[key] = value
        path.write_text(json.dumps(document, indent=2))
    for path, item in spec.get("files", {}).items():
        uid, gid = (int(x) for x in item.get("owner", "0:0").split(":"))
        write(root, path, item.get("text", ""), int(item.get("mode", "0644"), 8), (uid, gid))
    for path, item in spec.get("sockets", {}).items():
        uid, gid = (int(x) for x in item.get("owner", "0:0").split(":"))
        make_socket(root, path, int(item.get("mode", "0660"), 8), (uid, gid))
    for path, text in spec.get("append", {}).items():
        with open(root / path, "a") as handle:
            handle.write(text)
    for path, (old, new) in spec.get("replace", {}).items():
        target = root / path
        text = target.read_text()
        assert old in text, (path, old)
        target.write_text(text.replace(old, new))
    for path, mode in spec.get("chmod", {}).items():
        os.chmod(root / path, int(mode, 8))
    for path, owner in spec.get("chown", {}).items():
        uid, gid = (int(x) for x in owner.split(":"))
        os.chown(root / path, uid, gid, follow_symlinks=False)
    for path in spec.get("remove", []):
        target = root / path
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
