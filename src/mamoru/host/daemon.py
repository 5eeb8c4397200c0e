"""The Docker daemon's effective configuration: its command line merged with daemon.json.

Where the command line comes from: on the live host (``/``), every running ``dockerd`` (``/proc``);
with ``--dockerd-args``, that string; otherwise the systemd unit under the root (``docker.service``
and its drop-ins, with ``EnvironmentFile`` variables such as ``$DOCKER_OPTS`` expanded) or
``/etc/default/docker``. daemon.json is the ``--config-file`` the command line names, else
``/etc/docker/daemon.json``. dockerd refuses a setting given both ways, so the two are merged.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from mamoru.host.hostroot import HostRoot
from mamoru.model.inventory import Note, NoteKind

DEFAULT_CONFIG = "etc/docker/daemon.json"
DEFAULT_DATA_ROOT = "var/lib/docker"
DEFAULT_SOCKET = "var/run/docker.sock"
DEFAULT_CONTAINERD_SOCKET = "run/containerd/containerd.sock"
UNIT_DIRS = ("etc/systemd/system", "run/systemd/system", "lib/systemd/system", "usr/lib/systemd/system")
MAX_CONFIG = 1024 * 1024
MAX_PROCESSES = 100_000
# flags that take no separate value (``--icc`` alone means true; ``--icc=false`` is explicit)
BOOL_FLAGS = frozenset({"icc", "iptables", "ip6tables", "ip-forward", "ip-masq", "live-restore", "experimental",
                        "tls", "tlsverify", "userland-proxy", "no-new-privileges", "selinux-enabled", "debug",
                        "ipv6", "raw-logs", "init", "rootless", "validate", "help", "version"})  # fmt: skip
SHORT_FLAGS = {"H": "host", "l": "log-level", "s": "storage-driver", "D": "debug", "G": "group", "g": "data-root",
               "b": "bridge", "p": "pidfile", "e": "exec-driver"}  # fmt: skip
# command-line flag → daemon.json key, where they differ
FLAG_KEYS = {"host": "hosts", "insecure-registry": "insecure-registries", "authorization-plugin":
             "authorization-plugins", "storage-opt": "storage-opts", "log-opt": "log-opts", "graph": "data-root",
             "add-runtime": "runtimes", "default-ulimit": "default-ulimits", "label": "labels",
             "registry-mirror": "registry-mirrors"}  # fmt: skip


@dataclass(slots=True)
class DaemonConfig:
    """One daemon: where its settings came from, its flags and its daemon.json."""

    origin: str  # "dockerd (pid 812)", "systemd unit lib/systemd/system/docker.service", "--dockerd-args", "defaults"
    args: list[str] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)
    config_path: str = DEFAULT_CONFIG  # relative to the root
    config: dict[str, Any] = field(default_factory=dict)
    config_found: bool = False

    def values(self, key: str) -> list[Any]:
        """Every value of a setting: the daemon.json key (scalar or list) and the command-line flag."""
        found: list[Any] = []
        value = self.config.get(key)
        if isinstance(value, list):
            found.extend(value)
        elif value is not None:
            found.append(value)
        for flag, values in self.flags.items():
            if FLAG_KEYS.get(flag, flag) == key:
                found.extend(values)
        return found

    def value(self, key: str) -> Any:
        """The effective scalar setting (the command line wins), or None when unset."""
        values = self.values(key)
        return values[-1] if values else None

    def flag_enabled(self, key: str) -> bool | None:
        """A boolean setting: True/False when set either way, None when unset (the default applies)."""
        value = self.value(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() not in ("false", "0", "no", "off")

    @property
    def data_root(self) -> str:
        return str(self.value("data-root") or self.value("graph") or "/" + DEFAULT_DATA_ROOT).strip("/")

    @property
    def hosts(self) -> list[str]:
        return [str(h) for h in self.values("hosts")] or ["unix:///var/run/docker.sock"]

    @property
    def describe(self) -> str:
        return f"dockerd ({self.origin})"


def parse_args(args: list[str]) -> dict[str, list[str]]:
    """dockerd flags → values (``--icc=false`` → ``{"icc": ["false"]}``; ``--live-restore`` → ``["true"]``)."""
    flags: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("--"):
            name, sep, value = arg[2:].partition("=")
        elif arg.startswith("-") and len(arg) >= 2:
            name, sep, value = SHORT_FLAGS.get(arg[1], arg[1:2]), "", arg[2:]
            if value.startswith("="):
                value = value[1:]
            sep = "=" if value else ""
        else:
            continue  # a stray word: not a flag
        if not sep:
            if name in BOOL_FLAGS:
                value = "true"
            elif index < len(args):
                value = args[index]
                index += 1
        flags.setdefault(name, []).append(value)
    return flags


def discover(host: HostRoot, dockerd_args: str | None) -> tuple[list[DaemonConfig], list[Note]]:
    """The daemons to audit on this host (at least one: the defaults, when nothing else says otherwise)."""
    notes: list[Note] = []
    daemons: list[DaemonConfig] = []
    if dockerd_args is not None:
        daemons.append(DaemonConfig(origin="--dockerd-args", args=_split(dockerd_args, notes, "--dockerd-args")))
    elif host.live:
        daemons.extend(_running(notes))
    if not daemons:
        unit = _from_unit(host, notes)
        daemons.append(unit if unit is not None else DaemonConfig(origin="defaults"))
    for daemon in daemons:
        daemon.flags = parse_args(daemon.args)
        config_file = daemon.flags.get("config-file", [""])[-1]
        daemon.config_path = config_file.strip("/") if config_file else DEFAULT_CONFIG
        _load_config(host, daemon, notes)
    return daemons, notes


def _split(text: str, notes: list[Note], where: str) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        notes.append(Note(kind=NoteKind.UNKNOWN, message=f"{where}: cannot split the command line: {exc}",
                          source="host"))  # fmt: skip
        words = text.split()
    if words and words[0].rsplit("/", 1)[-1] == "dockerd":
        words = words[1:]
    return words


def _running(notes: list[Note]) -> list[DaemonConfig]:
    """Every running dockerd of this machine, from /proc."""
    found = []
    try:
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:MAX_PROCESSES]
    except OSError as exc:
        notes.append(Note(kind=NoteKind.WARNING, message=f"cannot list /proc: {exc.strerror}", source="host"))
        return []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", "rb") as handle:
                if handle.read(64).strip() != b"dockerd":
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read(MAX_CONFIG).split(b"\0")
        except OSError:
            continue  # the process ended meanwhile, or is not ours to read
        words = [w.decode("utf-8", "replace") for w in argv if w]
        found.append(DaemonConfig(origin=f"pid {pid}", args=words[1:]))
    return found


def _from_unit(host: HostRoot, notes: list[Note]) -> DaemonConfig | None:
    """dockerd's command line from the docker.service unit (drop-ins applied), or /etc/default/docker."""
    unit_path = unit_file(host, "docker.service")
    if unit_path is None:
        options = _environment(host, "etc/default/docker").get("DOCKER_OPTS")
        if options is None:
            return None
        return DaemonConfig(origin="/etc/default/docker", args=_split(options, notes, "/etc/default/docker"))
    lines = (host.text(unit_path, MAX_CONFIG) or "").splitlines()
    for directory in UNIT_DIRS:
        for name in host.listdir(f"{directory}/docker.service.d"):
            if name.endswith(".conf"):
                lines += (host.text(f"{directory}/docker.service.d/{name}", MAX_CONFIG) or "").splitlines()
    exec_start = ""
    environment: dict[str, str] = {}
    for line in _join_continuations(lines):
        key, sep, value = line.strip().partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "ExecStart":
            exec_start = value  # an empty ExecStart= in a drop-in resets it
        elif key == "EnvironmentFile":
            environment.update(_environment(host, value.lstrip("-")))
        elif key == "Environment":
            for item in _split(value, notes, unit_path):
                name, _, setting = item.partition("=")
                environment[name] = setting
    if not exec_start:
        return None
    expanded = re.sub(r"\$\{?(\w+)\}?", lambda m: environment.get(m.group(1), ""), exec_start.lstrip("-@+!"))
    return DaemonConfig(origin=f"systemd unit /{unit_path}", args=_split(expanded, notes, f"/{unit_path}"))


def unit_file(host: HostRoot, name: str) -> str | None:
    """The systemd unit file ``name`` (``docker.service``), resolved, in systemd's search order."""
    for directory in UNIT_DIRS:
        resolved = host.resolve(f"{directory}/{name}")
        if resolved is not None and os.path.isfile(host.real(resolved)):
            return resolved
    return None


def _join_continuations(lines: list[str]) -> list[str]:
    joined: list[str] = []
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    if pending:
        joined.append(pending)
    return joined


def _environment(host: HostRoot, path: str) -> dict[str, str]:
    """``KEY=value`` lines of a shell environment file (/etc/default/docker)."""
    values: dict[str, str] = {}
    for raw in (host.text(path, MAX_CONFIG) or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep and re.fullmatch(r"\w+", key.strip()):
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            values[key.strip()] = " ".join(words)
    return values


def _load_config(host: HostRoot, daemon: DaemonConfig, notes: list[Note]) -> None:
    data = host.read(daemon.config_path, MAX_CONFIG)
    if data is None:
        return
    daemon.config_found = True
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeError, ValueError) as exc:
        notes.append(Note(kind=NoteKind.UNKNOWN, path=daemon.config_path, source="host",
                          message=f"daemon configuration is not valid JSON: {exc}"))  # fmt: skip
        return
    if not isinstance(document, dict):
        notes.append(Note(kind=NoteKind.UNKNOWN, path=daemon.config_path, source="host",
                          message="daemon configuration is not a JSON object"))  # fmt: skip
        return
    daemon.config = document
