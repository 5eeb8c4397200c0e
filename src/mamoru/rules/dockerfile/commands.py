"""What shell commands in ``RUN`` lines mean: options, package managers and their actions.

Package managers are recognised by their own command-line grammar (which options take a value,
which word is the action), so ``apt-get -o Dpkg::Options::=--force-confold install -y curl``
installs ``curl`` and ``apt-get install -t bookworm-backports curl`` does not install a package
called ``bookworm-backports``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mamoru.config.shell import Command
from mamoru.rules.dockerfile.context import DockerfileContext, RunCommand


@dataclass(frozen=True, slots=True)
class Options:
    """A command's arguments split into options and operands."""

    short: frozenset[str]  # single letters: -y, -qq → {"q"}, -yq → {"y", "q"}
    long: frozenset[str]  # names of --name and --name=value
    values: dict[str, list[str]]  # option → the values it was given (-o X, --opt=X)
    operands: tuple[str, ...]

    def has(self, *names: str) -> bool:
        """Any of these options given: one letter means a short option, more a long one."""
        return any((name in self.short) if len(name) == 1 else (name in self.long) for name in names)


def parse_options(args: tuple[str, ...] | list[str], with_value: frozenset[str] = frozenset()) -> Options:
    """Split ``args`` (without the command name); ``with_value`` names options that take the next word."""
    short: set[str] = set()
    long: set[str] = set()
    values: dict[str, list[str]] = {}
    operands: list[str] = []
    index = 0
    items = list(args)
    while index < len(items):
        arg = items[index]
        index += 1
        if arg == "--":
            operands.extend(items[index:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, has_value, value = arg[2:].partition("=")
            long.add(name)
            if has_value:
                values.setdefault(name, []).append(value)
            elif name in with_value and index < len(items):
                values.setdefault(name, []).append(items[index])
                index += 1
            continue
        if arg.startswith("-") and len(arg) > 1 and not arg[1].isdigit():
            letters = arg[1:]
            for position, letter in enumerate(letters):
                short.add(letter)
                if letter in with_value:
                    rest = letters[position + 1 :]
                    if rest:
                        values.setdefault(letter, []).append(rest)
                    elif index < len(items):
                        values.setdefault(letter, []).append(items[index])
                        index += 1
                    break
            continue
        operands.append(arg)
    return Options(frozenset(short), frozenset(long), values, tuple(operands))


@dataclass(frozen=True, slots=True)
class PackageCommand:
    """A package manager invocation: ``manager`` (apt-get, apk, yum, pip …), ``action`` and packages."""

    manager: str
    action: str
    packages: tuple[str, ...]
    options: Options
    at: RunCommand

    @property
    def line(self) -> int:
        return self.at.line


_VALUE_OPTIONS = {
    "apt-get": frozenset({"o", "c", "t", "option", "config-file", "target-release", "default-release"}),
    "apt": frozenset({"o", "c", "t", "option", "config-file", "target-release", "default-release"}),
    "apk": frozenset({"X", "p", "t", "repository", "root", "arch", "virtual", "cache-dir", "keys-dir",
                      "repositories-file"}),
    "yum": frozenset({"c", "d", "e", "x", "config", "installroot", "exclude", "setopt", "enablerepo",
                      "disablerepo", "releasever", "downloaddir"}),
    "dnf": frozenset({"c", "d", "e", "x", "config", "installroot", "exclude", "setopt", "enablerepo",
                      "disablerepo", "releasever", "downloaddir", "repo", "repofrompath", "forcearch"}),
    "microdnf": frozenset({"config", "installroot", "setopt", "enablerepo", "disablerepo", "releasever"}),
    "tdnf": frozenset({"c", "installroot", "setopt", "enablerepo", "disablerepo", "releasever"}),
    "zypper": frozenset({"r", "repo", "root", "R", "from", "t", "type", "D", "reposd-dir", "C", "cache-dir"}),
    "pip": frozenset({"r", "requirement", "c", "constraint", "e", "editable", "i", "index-url", "extra-index-url",
                      "f", "find-links", "t", "target", "prefix", "root", "src", "trusted-host", "platform",
                      "python-version", "implementation", "abi", "progress-bar", "proxy", "upgrade-strategy",
                      "no-binary", "only-binary", "b", "build", "cache-dir", "log", "timeout", "retries",
                      "global-option", "config-settings", "C"}),
    "npm": frozenset({"registry", "prefix", "cache", "userconfig", "w", "workspace", "omit", "include"}),
    "yarn": frozenset({"cwd", "registry", "cache-folder", "modules-folder", "network-timeout"}),
    "gem": frozenset({"v", "version", "source", "i", "install-dir", "n", "bindir", "platform"}),
    "go": frozenset({"o", "C", "mod", "tags", "ldflags", "gcflags", "p"}),
}  # fmt: skip
DNF_FAMILY = ("yum", "dnf", "microdnf", "tdnf")
PIP_NAMES = ("pip", "pip3")


def pip_invocation(command: Command) -> tuple[str, ...] | None:
    """The pip arguments of ``pip …``, ``pip3.12 …``, ``python -m pip …``, ``uv pip …``; else None."""
    name = command.name
    if name in PIP_NAMES or (name.startswith("pip") and name[3:].replace(".", "").isdigit()):
        return command.args
    if name.startswith("python") and command.args[:2] == ("-m", "pip"):
        return command.args[2:]
    if name.startswith("python") and command.args[:1] == ("-mpip",):
        return command.args[1:]
    if name == "uv" and command.args[:1] == ("pip",):
        return command.args[1:]
    return None


def package_commands(context: DockerfileContext) -> list[PackageCommand]:
    """Every package manager invocation in the Dockerfile's RUN lines (cached per file)."""
    cached: list[PackageCommand] | None = getattr(context, "_package_commands", None)
    if cached is None:
        cached = list(_scan(context))
        context._package_commands = cached  # type: ignore[attr-defined]
    return cached


def _scan(context: DockerfileContext) -> Iterator[PackageCommand]:
    for at in context.commands():
        command = at.command
        name = command.name
        pip_args = pip_invocation(command)
        if pip_args is not None:
            manager, args = "pip", pip_args
        elif name == "yarn" and command.args[:1] == ("global",):
            manager, args = "yarn", command.args[1:]
        elif name in _VALUE_OPTIONS:
            manager, args = name, command.args
        else:
            continue
        options = parse_options(args, _VALUE_OPTIONS[manager])
        if not options.operands:
            yield PackageCommand(manager, "", (), options, at)
            continue
        action = options.operands[0]
        packages = options.operands[1:]
        if manager in DNF_FAMILY and action == "module" and packages:
            action, packages = f"module {packages[0]}", packages[1:]
        yield PackageCommand(manager, action, tuple(packages), options, at)


def commands_after(at: RunCommand, context: DockerfileContext) -> list[RunCommand]:
    """The commands of the same RUN that come after ``at``."""
    return [c for c in context.commands() if c.run is at.run and c.command.index > at.command.index]
