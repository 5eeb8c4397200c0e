"""Alpine's secdb (JSON, and the older YAML): ``packages[].pkg.secfixes`` per branch and repository.

``secfixes`` maps the first fixed apk version of a package (the *origin*, i.e. source package) to the
vulnerability ids it fixes; the key ``"0"`` means the branch was never affected. Ids come as free
text: several in one string (``"CVE-2016-9932 XSA-200"``), with notes (``"CVE-2018-14881 (BGP)"``),
with a space or underscore for the dash (``"CVE 2018-16859"``) or simply wrong (``"CVE-46838"``); mamoru keeps
every well-formed id (CVE, GHSA, XSA, RUSTSEC, ALPINE, GNUTLS-SA, …) and counts the rest.

One file (``v3.21/main``) is one record: one advisory per vulnerability (the ids of one string are
aliases of each other, the CVE first), with an entry per package that names it.
Wolfi's and Chainguard's ``security.json`` use the same schema without ``distroversion``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mamoru.versions import get_scheme
from mamoru.vulndb.importers._fields import mapping
from mamoru.vulndb.model import Advisory, Affected, BoundKind, EntryStatus, Interval, Record, SkipCounter
from mamoru.vulndb.namespaces import distro_namespace

SOURCE = "alpine-secdb"
IDS = re.compile(
    r"\b(CVE[-_ ]\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|XSA-\d+|RUSTSEC-\d{4}-\d{4}|ALPINE-\d+"
    r"|[A-Z][A-Z0-9]+-SA-\d{4}-\d{2}-\d{2}|GHSL-\d{4}-\d+|OSV-\d{4}-\d+|PYSEC-\d{4}-\d+|GO-\d{4}-\d+)\b"
)
MAX_PACKAGES = 100_000


def is_secdb(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("packages"), list) and (
        "distroversion" in document or "apkurl" in document or "reponame" in document)  # fmt: skip


def records(document: dict[str, Any], name: str, skipped: SkipCounter) -> Iterator[Record]:
    namespace, record_name = _namespace(document, name)
    if namespace is None:
        skipped.add("secdb without a usable distroversion", name)
        return
    apk = get_scheme("apk")
    by_id: dict[str, list[Affected]] = {}
    aliases: dict[str, set[str]] = {}
    packages = [p for p in document["packages"] if isinstance(p, dict)][:MAX_PACKAGES]
    for item in packages:
        pkg = mapping(item.get("pkg"))
        package, secfixes = pkg.get("name"), pkg.get("secfixes")
        if not isinstance(package, str) or not package.strip() or not isinstance(secfixes, dict):
            if isinstance(package, str) and secfixes is None:
                continue  # a package listed without fixes
            skipped.add("secdb package entry without name or secfixes", f"{name}: {str(package)[:60]}")
            continue
        for key, ids in secfixes.items():
            version = str(key).strip()
            not_affected = version == "0"
            if not not_affected and not apk.validate(version):
                skipped.add("unparsable fixed version in secdb", f"{name}: {package} {version[:40]}")
                continue
            for same in _ids(ids, f"{name}: {package} {version}", skipped):
                vuln_id = same[0]
                entry = Affected(namespace=namespace, package=package.strip())
                if not_affected:
                    entry.status = EntryStatus.NOT_AFFECTED
                else:
                    entry.intervals = [Interval("", version, BoundKind.FIXED)]
                by_id.setdefault(vuln_id, []).append(entry)
                aliases.setdefault(vuln_id, set()).update(same[1:])
    advisories = [
        Advisory(source=SOURCE, record=record_name, id=vuln_id, aliases=sorted(aliases[vuln_id] - {vuln_id}),
                 affected=_merge(entries))
        for vuln_id, entries in sorted(by_id.items())
    ]  # fmt: skip
    yield Record(SOURCE, record_name, advisories)


def _namespace(document: dict[str, Any], name: str) -> tuple[str | None, str]:
    repo = str(document.get("reponame") or "main").strip()
    version = str(document.get("distroversion") or "").strip()
    if version:
        namespace = distro_namespace("alpine", version)
        return namespace, f"{version}/{repo}"
    prefix = str(document.get("urlprefix") or "")
    for family in ("wolfi", "chainguard"):
        if family in prefix:
            return family, f"{family}/{repo}"
    return None, name


def _ids(value: Any, where: str, skipped: SkipCounter) -> list[list[str]]:
    """The ids of each id string: one vulnerability per string (``"CVE-2016-9932 XSA-200"``: one, two names);
    the CVE (if any) first."""
    texts = (
        [value]
        if isinstance(value, str)
        else [v for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else []
    )
    result = []
    for text in texts:
        found = list(dict.fromkeys(re.sub(r"^CVE[_ ]", "CVE-", m) for m in IDS.findall(text)))
        if not found:
            skipped.add("unrecognised vulnerability id in secdb", f"{where}: {text[:60]!r}")
            continue
        found.sort(key=lambda i: not i.startswith("CVE-"))
        result.append(found)
    return result


def _merge(entries: list[Affected]) -> list[Affected]:
    """One entry per package: a fix listed twice keeps the lowest fixed version; "0" wins (never affected)."""
    merged: dict[str, Affected] = {}
    apk = get_scheme("apk")
    for entry in entries:
        known = merged.get(entry.package)
        replace = known is None or entry.status is EntryStatus.NOT_AFFECTED
        if known is not None and known.status is not EntryStatus.NOT_AFFECTED and entry.intervals:
            replace = replace or apk.compare(entry.intervals[0].bound, known.intervals[0].bound) < 0
        if replace:
            merged[entry.package] = entry
    return list(merged.values())
