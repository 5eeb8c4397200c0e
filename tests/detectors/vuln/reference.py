"""An independent reference for the ground-truth tests: the raw advisory files, the OSV schema's own
evaluation algorithm, and the real tools' version order — none of mamoru's importers or matcher.

``expected(...)`` answers "which vulnerabilities affect this package at this version" straight from
the feed files; each vulnerability is an id set (the record id with its aliases and upstream ids; a
DSA/DLA is one set per CVE it fixes) so that the comparison does not depend on which id mamoru shows.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Compare = Callable[[str, str], int]
BUNDLES = ("DSA-", "DLA-", "DTSA-")
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")


@dataclass(frozen=True)
class Vulnerability:
    """What one record says affects a package: its ids and the source it came from."""

    ids: frozenset[str]
    source: str


def osv_documents(*roots: Path) -> Iterator[dict[str, Any]]:
    """Every OSV record (JSON, YAML) under the roots."""
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix == ".json":
                document = json.loads(path.read_text())
            elif path.suffix == ".yaml":
                document = yaml.safe_load(path.read_text())
            else:
                continue
            if isinstance(document, dict) and "affected" in document and "id" in document:
                yield document


def entries_for(documents: Iterable[dict[str, Any]], ecosystem: str, normalize: Callable[[str], str] = str) -> dict[
        str, list[tuple[dict[str, Any], dict[str, Any]]]]:  # fmt: skip
    """package name -> [(record, affected entry)] for one OSV ecosystem (withdrawn records left out)."""
    found: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for document in documents:
        if document.get("withdrawn"):
            continue
        for entry in document["affected"]:
            package = entry.get("package") or {}
            if package.get("ecosystem") == ecosystem and package.get("name"):
                found.setdefault(normalize(package["name"]), []).append((document, entry))
    return found


def needed_pairs(installed: str, entry: dict[str, Any]) -> set[tuple[str, str]]:
    """The comparisons the OSV algorithm needs for one entry (so a real tool can answer them in one batch)."""
    values = [v for r in _ranges(entry) for e in r["events"] for v in e.values() if v != "0"]
    bound = _github_bound(entry)
    if bound:
        values.append(bound[1])
    pairs = {(installed, v) for v in values} | {(a, b) for a in values for b in values if a != b}
    pairs |= {(installed, v) for v in entry.get("versions") or []}
    return pairs


def affected(installed: str, entry: dict[str, Any], compare: Compare) -> bool:
    """The OSV schema's evaluation: per range, events sorted by version, ``introduced`` turns the status on,
    ``fixed``/``last_affected`` turn it off; ``limit`` caps the range; or an exact ``versions[]`` hit.

    GitHub's ``last_known_affected_version_range`` (``< X`` / ``<= X``) caps an entry with no fixed or
    last-affected version, as GitHub's own advisory page does.
    """
    key = functools.cmp_to_key(lambda a, b: -1 if a == "0" and b != "0" else 1 if b == "0" and a != "0" else
                               (0 if a == b else compare(a, b)))  # fmt: skip
    bound = _github_bound(entry)
    closing = any("fixed" in e or "last_affected" in e for r in _ranges(entry) for e in r["events"])
    for range_ in _ranges(entry):
        events = sorted(range_["events"], key=lambda e: key(next(iter(e.values()))))
        status = False
        for event in events:
            ((kind, value),) = event.items()
            if kind == "introduced" and (value == "0" or compare(installed, value) >= 0):
                status = True
            elif kind in ("fixed", "last_affected"):
                order = compare(installed, value)
                if order > 0 or (order == 0 and kind == "fixed"):
                    status = False
        limits = [next(iter(e.values())) for e in events if "limit" in e]
        if any(compare(installed, limit) >= 0 for limit in limits):
            status = False
        if status and bound and not closing:
            status = compare(installed, bound[1]) < 0 if bound[0] == "<" else compare(installed, bound[1]) <= 0
        if status:
            return True
    return any(compare(installed, v) == 0 for v in entry.get("versions") or [])


def vulnerabilities(record: dict[str, Any], source: str) -> list[Vulnerability]:
    """The id sets of a record (a DSA/DLA: one per CVE it fixes, with the DSA id)."""
    ids = {record["id"], *(record.get("aliases") or []), *(record.get("upstream") or [])}
    if record["id"].startswith(BUNDLES):
        cves = [i for i in [*(record.get("related") or []), *(record.get("aliases") or [])] if CVE.match(i)]
        if cves:
            return [Vulnerability(frozenset({cve, record["id"]}), source) for cve in cves]
    return [Vulnerability(frozenset(ids), source)]


def _ranges(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in entry.get("ranges") or [] if r.get("type") in ("ECOSYSTEM", "SEMVER")]


def _github_bound(entry: dict[str, Any]) -> tuple[str, str] | None:
    text = ((entry.get("database_specific") or {}).get("last_known_affected_version_range") or "").strip()
    match = re.fullmatch(r"(<=?)\s*(\S+)", text)
    return (match.group(1), match.group(2)) if match else None


def table_compare(table: dict[tuple[str, str], int]) -> Compare:
    """A comparison answered from a real tool's batch results."""

    def compare(a: str, b: str) -> int:
        if a == b:
            return 0
        if (a, b) in table:
            return table[(a, b)]
        return -table[(b, a)]

    return compare
