"""``mamoru config``: find configuration files, parse them, run the checks, apply inline suppressions.

Paths are files or directories. A directory is walked without following symbolic links (VCS and
dependency directories skipped); only Dockerfile-like names and YAML/JSON files are read, and a YAML
file is kept only if it looks like a Compose file or a Kubernetes manifest. A file named on the
command line is read whatever its name, and reported if it is none of the three types.

Bad input never stops the scan: an unreadable, binary, oversized or unparsable file becomes a note
with the reason (shown on stderr and in the report) and the next file is scanned. A check that
fails on a file (a bug) also becomes a note instead of ending the scan.

Finding paths are relative to the directory that was scanned (or the file as it was named), like
the paths of ``mamoru fs``, so fingerprints and suppressions survive moving the checkout.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from mamoru.config.compose import ComposeError, parse_compose, parse_dotenv
from mamoru.config.detect import ConfigType, detect_type, is_candidate, looks_like_helm_template
from mamoru.config.dockerfile import Dockerfile, DockerfileError, parse_dockerfile
from mamoru.config.kubernetes import KubernetesError, KubernetesSet, parse_kubernetes
from mamoru.config.suppress import InlineSuppression, apply, find_suppressions
from mamoru.errors import TargetError
from mamoru.model.finding import Finding, Rule
from mamoru.model.inventory import Note, NoteKind
from mamoru.model.package import Location

MAX_FILE_BYTES = 8 << 20
MAX_FILES = 100_000  # directory entries looked at, per scan
HEAD_BYTES = 64 << 10
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".terraform", ".tox",
                                 ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"})  # fmt: skip
SOURCE = "config"


@dataclass(frozen=True, slots=True)
class Candidate:
    display: str  # path in findings: relative to the scanned directory, or the file as named
    real: str
    explicit: bool  # named on the command line


@dataclass(slots=True)
class ConfigScan:
    """What a configuration scan found."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files: list[tuple[str, ConfigType]] = field(default_factory=list)


def scan_paths(
    paths: Sequence[str],
    *,
    forced_type: ConfigType | None = None,
    extra_checks: Sequence[Any] = (),
    progress: Callable[[str], None] | None = None,
) -> ConfigScan:
    """Scan files and directories; ``extra_checks`` are :class:`~mamoru.rules.checks.Check` objects to add."""
    from mamoru.rules import all_rules
    from mamoru.rules.checks import checks_for

    rules = {rule.id: rule for rule in all_rules()}
    for extra in extra_checks:
        rules[extra.rule.id] = extra.rule
    checks = {kind: checks_for(kind) + [c for c in extra_checks if c.target is kind] for kind in ConfigType}
    result = ConfigScan()
    runner = _Runner(result, rules, checks)
    manifests = KubernetesSet()
    kubernetes_lines: dict[str, list[str]] = {}
    for candidate in _collect(paths, result.notes):
        if progress is not None:
            progress(candidate.display)
        runner.scan_file(candidate, forced_type, manifests, kubernetes_lines)
    runner.check_dockerfiles()
    if manifests.resources:
        runner.run_checks(ConfigType.KUBERNETES, manifests, default_path="")
        for path, lines in kubernetes_lines.items():
            runner.suppress(path, find_suppressions(lines, ConfigType.KUBERNETES))
    runner.drop_weak_duplicates()
    result.findings.sort(key=_order)

    return result


def _order(finding: Finding) -> tuple[str, int, str]:
    location = finding.location
    return (location.path if location else "", (location.line or 0) if location else 0, finding.rule_id)


def _collect(paths: Sequence[str], notes: list[Note]) -> Iterator[Candidate]:
    """Files named on the command line, and the candidate files (by name) of directories."""
    seen = 0
    for given in paths:
        try:
            info = os.stat(given)
        except OSError as exc:
            raise TargetError(f"cannot read {given}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            for real, relative in _walk(given, notes):
                seen += 1
                if seen > MAX_FILES:
                    notes.append(Note(kind=NoteKind.LIMIT, message=f"stopped after {MAX_FILES} files", source=SOURCE))
                    return
                if is_candidate(relative):
                    prefix = "" if len(paths) == 1 else _display(given).rstrip("/") + "/"
                    yield Candidate(prefix + relative, real, explicit=False)
        else:
            yield Candidate(_display(given), given, explicit=True)


def _display(path: str) -> str:
    """A path as the user named it (normalised): reports show config paths as given."""
    return os.path.normpath(path)


def _walk(root: str, notes: list[Note]) -> Iterator[tuple[str, str]]:
    """(real path, path relative to root) of the regular files below ``root``; symbolic links are not followed."""

    def onerror(error: OSError) -> None:
        notes.append(Note(kind=NoteKind.SKIPPED, message=f"cannot read directory: {error.strerror}",
                          path=_display(str(error.filename or "")), source=SOURCE, path_as_named=True))  # fmt: skip

    for directory, directories, files in os.walk(root, onerror=onerror):
        directories[:] = sorted(d for d in directories if d not in SKIPPED_DIRECTORIES)
        for name in sorted(files):
            real = os.path.join(directory, name)
            if os.path.islink(real):
                continue
            yield real, os.path.relpath(real, root).replace(os.sep, "/")


class _Runner:
    def __init__(self, result: ConfigScan, rules: dict[str, Rule], checks: dict[ConfigType, list[Any]]) -> None:
        self.result = result
        self.rules = rules
        self.checks = checks
        self._seen: set[tuple[str, str, int | None, str]] = set()
        self._weak: set[int] = set()  # id() of findings from weak hits
        self.dockerfiles: list[tuple[str, Dockerfile]] = []  # parsed, checked together by check_dockerfiles()

    def drop_weak_duplicates(self) -> None:
        """Drop weak findings on a line another finding already reports (a generic secret under MDF-090 …)."""
        strong = {(f.location.path, f.location.line) for f in self.result.findings
                  if id(f) not in self._weak and f.location is not None}  # fmt: skip
        self.result.findings = [f for f in self.result.findings if id(f) not in self._weak
                                or f.location is None or (f.location.path, f.location.line) not in strong]  # fmt: skip

    def note(self, kind: NoteKind, path: str, message: str) -> None:
        self.result.notes.append(Note(kind=kind, path=path, message=message, source=SOURCE, path_as_named=True))

    def scan_file(self, candidate: Candidate, forced: ConfigType | None, manifests: KubernetesSet,
                  kubernetes_lines: dict[str, list[str]]) -> None:  # fmt: skip
        path = candidate.display
        data = self._read(candidate)
        if data is None:
            return
        kind = forced
        text: str | None = None
        if kind is None:
            head = data[:HEAD_BYTES].decode("utf-8", "replace")
            kind = detect_type(candidate.real, head)
            if kind is None:
                if candidate.explicit:
                    self.note(NoteKind.WARNING, path, "not a Dockerfile, Compose file or Kubernetes manifest")
                return
        if kind is ConfigType.DOCKERFILE:
            self._dockerfile(path, data)
            return
        text = self._text(path, data)
        if text is None:
            return
        if kind is ConfigType.COMPOSE:
            self._compose(candidate, path, text)
        else:
            try:
                resources = parse_kubernetes(text, path)
            except KubernetesError as exc:
                self._yaml_error(path, text, str(exc))
                return
            manifests.resources.extend(resources)
            manifests.files[path] = text
            kubernetes_lines[path] = text.splitlines()
            self.result.files.append((path, kind))

    def _read(self, candidate: Candidate) -> bytes | None:
        try:
            # O_NONBLOCK: opening a FIFO (a directory may hold one named like a Dockerfile) must not
            # wait for a writer; fstat then tells it apart and it is skipped
            fd = os.open(candidate.real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    self.note(NoteKind.SKIPPED, candidate.display, "not a regular file")
                    return None
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.note(NoteKind.UNKNOWN, candidate.display, f"cannot read: {exc.strerror}")
            return None
        if len(data) > MAX_FILE_BYTES:
            self.note(NoteKind.SKIPPED, candidate.display, f"larger than {MAX_FILE_BYTES >> 20} MiB, not scanned")
            return None
        return data

    def _text(self, path: str, data: bytes) -> str | None:
        if b"\x00" in data[:8192]:
            self.note(NoteKind.UNKNOWN, path, "a binary file, not YAML")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.note(NoteKind.UNKNOWN, path, "not UTF-8 text")
            return None

    def _yaml_error(self, path: str, text: str, message: str) -> None:
        if looks_like_helm_template(text):
            message = "a Helm chart template, not YAML yet: render it with `helm template` and scan the output"
        self.note(NoteKind.UNKNOWN, path, message)

    def _dockerfile(self, path: str, data: bytes) -> None:
        try:
            dockerfile = parse_dockerfile(data, path)
        except DockerfileError as exc:
            self.note(NoteKind.UNKNOWN, path, f"not a Dockerfile BuildKit can parse: {exc}")
            return
        for line, problem in dockerfile.problems:
            self.note(NoteKind.WARNING, path, f"line {line}: {problem} (BuildKit would refuse this Dockerfile)")
        self.result.files.append((path, ConfigType.DOCKERFILE))
        self.dockerfiles.append((path, dockerfile))

    def check_dockerfiles(self) -> None:
        """Run the Dockerfile checks on every Dockerfile parsed; a check with a ``prefetch(contexts)``
        function first gets them all at once (ShellCheck: one process per scan, not per file)."""
        from mamoru.rules.dockerfile.context import DockerfileContext

        contexts = [DockerfileContext(dockerfile) for _, dockerfile in self.dockerfiles]
        for check in self.checks[ConfigType.DOCKERFILE]:
            prefetch = getattr(check.function, "prefetch", None)
            if prefetch is not None and contexts:
                try:
                    prefetch(contexts)
                except Exception as exc:  # noqa: BLE001 - as in run_checks: the per-file checks still run
                    self.note(NoteKind.WARNING, "", f"check {check.name} failed: {type(exc).__name__}: {exc}")
        for (path, dockerfile), context in zip(self.dockerfiles, contexts, strict=True):
            self.run_checks(ConfigType.DOCKERFILE, context, default_path=path)
            ranges = [(i.line, i.end_line) for i in dockerfile.instructions]
            self.suppress(path, find_suppressions(dockerfile.lines, ConfigType.DOCKERFILE, ranges))
        self.dockerfiles.clear()

    def _compose(self, candidate: Candidate, path: str, text: str) -> None:
        env: dict[str, str] = {}
        dotenv = os.path.join(os.path.dirname(candidate.real) or ".", ".env")
        try:
            if stat.S_ISREG(os.stat(dotenv).st_mode):  # a FIFO named .env would block the read
                with open(dotenv, "rb") as handle:
                    env = parse_dotenv(handle.read(256 * 1024).decode("utf-8", "replace"))
        except OSError:
            pass
        directory = os.path.dirname(candidate.real) or "."

        def read_file(name: str) -> str:  # a file a service extends from: regular (a FIFO would hang), bounded
            other = os.path.join(directory, name)
            if not stat.S_ISREG(os.stat(other).st_mode):
                raise OSError("not a regular file")
            with open(other, "rb") as handle:
                return handle.read(MAX_FILE_BYTES).decode("utf-8", "replace")

        try:
            compose = parse_compose(text, path, env, read_file)
        except ComposeError as exc:
            self._yaml_error(path, text, str(exc))
            return
        for problem in compose.problems:
            self.note(NoteKind.WARNING, path, problem)
        self.result.files.append((path, ConfigType.COMPOSE))
        self.run_checks(ConfigType.COMPOSE, compose, default_path=path)
        self.suppress(path, find_suppressions(text.splitlines(), ConfigType.COMPOSE))

    def run_checks(self, kind: ConfigType, unit: object, default_path: str) -> None:
        for check in self.checks[kind]:
            try:
                for hit in check.function(unit):
                    self._add(check.rule, hit, default_path)
            except Exception as exc:  # noqa: BLE001 - one broken check (a bug, or a plugin's) must not end the scan
                self.note(NoteKind.WARNING, default_path, f"check {check.name} failed: {type(exc).__name__}: {exc}")

    def _add(self, rule: Rule, hit: Any, default_path: str) -> None:
        path = hit.path or default_path
        key = (rule.id, path, hit.line, hit.message)
        if key in self._seen:
            return
        self._seen.add(key)
        finding = Finding(
            rule_id=rule.id,
            kind=rule.kind,
            severity=rule.severity,
            title=rule.title,
            message=hit.message,
            location=Location(path=path, line=hit.line),
            evidence=tuple(hit.evidence),
            remediation=rule.remediation,
            compliance=rule.compliance,
        )
        if getattr(hit, "weak", False):
            self._weak.add(id(finding))
        self.result.findings.append(finding)

    def suppress(self, path: str, suppressions: list[InlineSuppression]) -> None:
        if not suppressions:
            return
        mine = [f for f in self.result.findings if f.location is not None and f.location.path == path]
        others = [f for f in self.result.findings if f.location is None or f.location.path != path]
        missing = apply(mine, suppressions, self.rules, path)
        self.result.findings = others + mine
        rule = self.rules["MCF-002"]
        for pragma in missing:
            from mamoru.rules.checks import Hit

            ids = ",".join(sorted(pragma.ids))
            self._add(rule, Hit(line=pragma.line, message=f"mamoru:ignore={ids} has no reason: it suppresses nothing"),
                      path)  # fmt: skip
