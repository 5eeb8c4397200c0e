"""Secrets in file content, in every layer (files a later layer deleted included).

Files above ``MAX_SECRET_FILE`` are data (databases, archives, models, binaries), not configuration, and
are not read; ``large_files_note`` sums them up in one note per scan (the image-config secret detector
adds it, since it runs once after the walk). Binary files are not scanned, except Python modules
shipped compiled without their source (``app/settings.pyc``), whose string constants are
(:mod:`mamoru.content.secrets.pyc`), and archives up to 256 MiB (jars, wars, wheels, zips, nested
ones too, and tarballs), whose text members are (:mod:`mamoru.content.archives`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.content.archives import ARCHIVE_SUFFIXES, MAX_ARCHIVE, is_archive, visit_members
from mamoru.content.secrets.engine import Allowlist, SecretMatch, SecretScanner
from mamoru.content.secrets.pyc import is_pyc, string_constants
from mamoru.content.secrets.rules import REMEDIATION, SECRET_COMPLIANCE
from mamoru.content.settings import ContentSettings
from mamoru.model.finding import Finding, FindingKind, Severity
from mamoru.model.inventory import FileKind, FileRecord, Note, NoteKind
from mamoru.model.package import MEMBER_SEPARATOR, Location

MAX_SECRET_FILE = 8 * 1024 * 1024  # larger files are data, not configuration (and are noted as skipped)
NOTE_PATHS = 5  # the largest skipped files named in the note
BINARY_SNIFF = 8192
ARCHIVE_TIME_BUDGET = 10.0  # seconds for all the members of one archive
# distribution documentation and locale data: full of example credentials, never the image's own
SKIPPED_PREFIXES = ("usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/i18n/",
                    "usr/share/zoneinfo/", "usr/share/common-licenses/", "usr/share/X11/locale/")  # fmt: skip
# what dpkg keeps of each package it installs: the paths and checksums of its files, its libraries'
# symbols, triggers, conffiles and debconf question templates (a third of the text of a Debian
# minbase image, none of it written by the image's builder); maintainer scripts are still scanned
DPKG_INFO = "var/lib/dpkg/info/"
DPKG_RECORDS = (".list", ".md5sums", ".symbols", ".shlibs", ".triggers", ".conffiles", ".templates")

_scanner: SecretScanner | None = None


def scanner() -> SecretScanner:
    """The process-wide scanner (its automaton and expressions are built once)."""
    global _scanner  # noqa: PLW0603 - built lazily, once per process
    if _scanner is None:
        _scanner = SecretScanner()
    return _scanner


class SecretAnalyzer:
    """Every text file up to 8 MiB (archive members too), checked against 60+ secret formats and generic assignments."""

    name: ClassVar[str] = "secrets"
    kind: ClassVar[FindingKind] = FindingKind.SECRET
    path_pattern: ClassVar[str] = ""

    def __init__(self) -> None:
        self._scanner: SecretScanner | None = None

    def configure(self, settings: ContentSettings) -> None:
        """Apply the user's allow-list."""
        if settings.secret_allowlist:
            self._scanner = SecretScanner(allowlist=Allowlist(list(settings.secret_allowlist)))

    def required(self, path: str, mode: int, size: int) -> bool:
        if size <= 0 or not in_scope(path):
            return False
        return size <= MAX_SECRET_FILE or (size <= MAX_ARCHIVE and path.lower().endswith(ARCHIVE_SUFFIXES))

    def analyze(self, content: FileContent) -> AnalysisResult:
        path = content.info.path
        head = content.head(BINARY_SNIFF)
        if is_archive(path, head):
            return self._archive(content)
        if content.info.size > MAX_SECRET_FILE:
            return AnalysisResult()  # named like an archive, but none: data
        compiled = False
        if b"\x00" in head:
            if not (is_sourceless_module(path) and is_pyc(head)):
                return AnalysisResult()  # binary: compiled code and archives are not scanned for secrets
            compiled = True  # a module shipped without its source: its string constants are scanned
            constants, complete = string_constants(content.read())
            data = b"\n".join(constants)
        else:
            data, complete = content.read(), True
        outcome = (self._scanner or scanner()).scan_bytes(data, path)
        result = AnalysisResult(findings=[secret_finding(m, path, compiled=compiled) for m in outcome.matches])
        if not complete:
            result.notes.append(self._note(content, "the compiled module's string constants were read only in part"))
        if outcome.timed_out:
            result.notes.append(self._note(content, "secret scan stopped at its time budget; results are partial"))
        return result

    def _archive(self, content: FileContent) -> AnalysisResult:
        """The text members of a jar, war, wheel, zip (nested archives too) or tarball, each scanned as a file."""
        path = content.info.path
        secrets = self._scanner or scanner()
        result = AnalysisResult()

        def scan_member(place: str, data: bytes) -> None:
            if b"\x00" in data[:BINARY_SNIFF]:
                return
            outcome = secrets.scan_bytes(data, f"{path}{MEMBER_SEPARATOR}{place}")
            result.findings.extend(secret_finding(m, path, member=place) for m in outcome.matches)
            if outcome.timed_out:
                result.notes.append(
                    self._note(content, f"{place}: secret scan stopped at its time budget; results are partial")
                )

        with content.open() as handle:
            notes = visit_members(handle, content.info.size, MAX_SECRET_FILE, scan_member, text_only=True,
                                  seconds=ARCHIVE_TIME_BUDGET)  # fmt: skip
        result.notes.extend(self._note(content, f"{self.name}: {message}") for message in notes)
        return result

    def _note(self, content: FileContent, message: str) -> Note:
        return Note(kind=NoteKind.SKIPPED, path=content.info.path, layer=content.info.layer, source=self.name,
                    message=message)  # fmt: skip


def in_scope(path: str) -> bool:
    """Whether the secret scan reads files at ``path`` (relative) at all: not distribution documentation
    and locale data, not dpkg's records of what it installed. Size and content are decided later."""
    if path.startswith(SKIPPED_PREFIXES):
        return False
    return not (path.startswith(DPKG_INFO) and path.endswith(DPKG_RECORDS))


def is_sourceless_module(path: str) -> bool:
    """A ``.pyc`` Python imports without a source: beside where the ``.py`` would be, not in ``__pycache__``.

    A ``__pycache__`` file is only ever loaded for its source, which is scanned itself (the standard
    library alone has thousands of them).
    """
    return path.endswith(".pyc") and "__pycache__/" not in path


def secret_finding(match: SecretMatch, path: str, where: str = "", compiled: bool = False, member: str = "") -> Finding:
    """A finding for one match; ``where`` names non-file places (``image config ENV DB_PASSWORD``).

    ``compiled``: the match is in a string constant of a ``.pyc``, which has no lines to point at.
    ``member``: the match is in that member of the archive at ``path``: the location is
    ``path:member`` at the member's line (the resolver keeps such a path).
    """
    pattern = match.pattern
    severity = pattern.severity
    evidence = [match.redacted, match.hash]
    if match.checksum_valid is False:
        evidence.append("checksum does not verify: a test or mistyped token, or a forged one")
        severity = Severity.MEDIUM if severity.rank > Severity.MEDIUM.rank else severity
    elif match.checksum_valid:
        evidence.append("checksum verifies: a well-formed token")
    if member:
        path = f"{path}{MEMBER_SEPARATOR}{member}"
    in_file = f"/{path} (a string constant of the compiled module)" if compiled else f"/{path} line {match.line}"
    place = where or in_file
    return Finding(
        rule_id=pattern.rule_id,
        kind=FindingKind.SECRET,
        severity=severity,
        title=pattern.name,
        message=f"{pattern.name}: {place}",
        location=Location(path=path, line=None if compiled else match.line) if path else None,
        evidence=tuple(evidence),
        remediation=REMEDIATION,
        compliance=SECRET_COMPLIANCE,
    )


def large_files_note(files: Iterable[FileRecord]) -> Note | None:
    """One note for every file the secret scan did not read for its size: count, total, the largest ones."""
    skipped = [f for f in files if f.kind is FileKind.FILE and f.size > MAX_SECRET_FILE and in_scope(f.path)
               and not (f.size <= MAX_ARCHIVE and f.path.lower().endswith(ARCHIVE_SUFFIXES))]  # fmt: skip
    if not skipped:
        return None
    skipped.sort(key=lambda f: (-f.size, f.path))
    named = ", ".join(f"/{f.path} ({_mib(f.size)})" for f in skipped[:NOTE_PATHS])
    more = f" and {len(skipped) - NOTE_PATHS} more" if len(skipped) > NOTE_PATHS else ""
    count = f"{len(skipped)} file{'s' if len(skipped) > 1 else ''}"
    return Note(
        kind=NoteKind.SKIPPED,
        source=SecretAnalyzer.name,
        message=f"secret scan skipped {count} larger than {_mib(MAX_SECRET_FILE)} "
        f"({_mib(sum(f.size for f in skipped))} in all): {named}{more}",
    )


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB" if size % (1 << 20) else f"{size >> 20} MiB"
