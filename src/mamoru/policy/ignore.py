"""Ignore files: accepted findings, each with a reason and, optionally, an expiry date.

Format (YAML)::

    ignore:
      - id: CVE-2023-4911          # a rule id, a peer alias of one (DL3008, DS002, CIS-DI-0001 …)
        reason: not reachable      #   or a vulnerability id (CVE-, GHSA-, PYSEC-, GO-, RUSTSEC- …)
        expires: 2027-01-31        # optional; after it the entry stops suppressing and says so
        paths: ["usr/lib/**"]      # optional globs on the finding's path
        packages: ["libc6"]        # optional globs on the package name
        purls: ["pkg:deb/debian/*"]  # optional globs on the package purl

A finding is suppressed by the first unexpired entry whose id matches it (its rule id, a vulnerability
alias, or an alias of its rule) and whose given globs all match. Mistakes are errors naming the file and
line: an unknown rule id, a missing reason, a malformed date — never a silent ignore-all.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from mamoru.errors import UsageError
from mamoru.model.finding import Finding, Rule, Suppression
from mamoru.policy.yamlsource import Located, load

VULNERABILITY_ID = re.compile(
    r"^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+|GO-\d{4}-\d+|RUSTSEC-\d{4}-\d+|"
    r"OSV-\d{4}-\d+|DSA-\d+(?:-\d+)?|DLA-\d+(?:-\d+)?|ALSA-\d{4}:\d+|RLSA-\d{4}:\d+|RHSA-\d{4}:\d+|"
    r"ALAS\d*-\d{4}-\d+|USN-\d+-\d+|GMS-\d{4}-\d+|NSWG-[A-Z]+-\d+|ELSA-\d{4}-\d+|[A-Z][A-Z0-9]*-\d{4}-[\w.-]+)$"
)
KEYS = frozenset({"id", "reason", "expires", "paths", "packages", "purls"})


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    """One accepted finding (or family of them)."""

    id: str
    reason: str
    source: str  # "file:line"
    expires: date | None = None
    paths: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    purls: tuple[str, ...] = ()

    def matches(self, finding: Finding, ids: set[str]) -> bool:
        if self.id not in ids:
            return False
        location = finding.location
        if self.paths and not (location and any(fnmatch.fnmatch(location.path, p.lstrip("/")) for p in self.paths)):
            return False
        package = finding.package
        if self.packages and not (package and any(fnmatch.fnmatch(package.name, p) for p in self.packages)):
            return False
        return not self.purls or bool(package and any(fnmatch.fnmatch(package.purl, p) for p in self.purls))


@dataclass(frozen=True, slots=True)
class Outcome:
    """Findings after the ignore list, and the expired entries that would have matched (to tell the user)."""

    findings: list[Finding]
    expired: list[IgnoreEntry]


def load_ignore_file(path: Path, rules: dict[str, Rule]) -> list[IgnoreEntry]:
    """Parse and check an ignore file against the known rules (ids and their peer aliases)."""
    root = load(path)
    items: Located | None = root.value.get("ignore") if isinstance(root.value, dict) else root
    if items is None:
        raise UsageError(f"{path}:{root.line}: expected a top-level `ignore:` list")
    if not isinstance(items.value, list):
        raise UsageError(f"{path}:{items.line}: `ignore` must be a list of entries")
    known = set(rules) | {alias for rule in rules.values() for alias in rule.aliases}
    return [_entry(item, path, known) for item in items.value]


def _entry(item: Located, path: Path, known: set[str]) -> IgnoreEntry:
    where = f"{path}:{item.line}"
    if not isinstance(item.value, dict):
        raise UsageError(f"{where}: each entry is a mapping with at least `id` and `reason`")
    fields = item.value
    unknown_keys = set(fields) - KEYS
    if unknown_keys:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown_keys))}")
    identifier = str(fields["id"].value).strip() if "id" in fields and fields["id"].value is not None else ""
    if not identifier:
        raise UsageError(f"{where}: entry has no id (an entry without one would ignore everything)")
    if identifier not in known and not VULNERABILITY_ID.match(identifier):
        raise UsageError(f"{path}:{fields['id'].line}: unknown rule id {identifier!r}")
    reason = fields.get("reason")
    if reason is None or not str(reason.value or "").strip():
        raise UsageError(f"{where}: entry for {identifier} needs a reason")
    return IgnoreEntry(
        id=identifier,
        reason=str(reason.value).strip(),
        source=f"{path.name}:{item.line}",
        expires=_date(fields.get("expires"), path),
        paths=_globs(fields.get("paths"), path, "paths"),
        packages=_globs(fields.get("packages"), path, "packages"),
        purls=_globs(fields.get("purls"), path, "purls"),
    )


def _date(value: Located | None, path: Path) -> date | None:
    if value is None or value.value is None:
        return None
    if isinstance(value.value, date):
        return value.value
    try:
        return date.fromisoformat(str(value.value))
    except ValueError:
        raise UsageError(f"{path}:{value.line}: expires must be a date like 2027-01-31, not {value.value!r}") from None


def _globs(value: Located | None, path: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.value if isinstance(value.value, list) else [value]
    globs = tuple(str(item.value) for item in items if str(item.value or "").strip())
    if not globs:
        raise UsageError(f"{path}:{value.line}: `{key}` is empty")
    return globs


def finding_ids(finding: Finding, rules: dict[str, Rule]) -> set[str]:
    """Every id an ignore entry may name for this finding."""
    ids = {finding.rule_id}
    if finding.vulnerability is not None:
        ids.add(finding.vulnerability.id)
        ids.update(finding.vulnerability.aliases)
    rule = rules.get(finding.rule_id)
    if rule is not None:
        ids.update(rule.aliases)
    return ids


def apply_ignores(findings: list[Finding], entries: list[IgnoreEntry], rules: dict[str, Rule],
                  today: date | None = None) -> Outcome:  # fmt: skip
    """Mark matching findings suppressed (they stay in the report, with their reason)."""
    today = today or date.today()
    expired: dict[str, IgnoreEntry] = {}
    result = []
    for finding in findings:
        if finding.suppression is not None:
            result.append(finding)
            continue
        ids = finding_ids(finding, rules)
        suppression = None
        for entry in entries:
            if not entry.matches(finding, ids):
                continue
            if entry.expires is not None and entry.expires < today:
                expired[entry.source] = entry
                continue
            suppression = Suppression(reason=entry.reason, source=entry.source,
                                      expires=entry.expires.isoformat() if entry.expires else "")  # fmt: skip
            break
        result.append(replace(finding, suppression=suppression) if suppression else finding)
    return Outcome(result, list(expired.values()))
