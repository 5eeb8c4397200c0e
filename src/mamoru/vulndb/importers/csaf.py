"""Red Hat CSAF 2.0 security advisories (RHSA): per CVE, the source rpms that fix it in each product.

A product id of a vulnerability's ``product_status`` is ``<stream>:<component>``: the stream's CPE in
the product tree names the release (``cpe:/o:redhat:enterprise_linux:9::baseos`` → namespace
``rhel:9``) and the component is a package NEVRA (``python3.9-0:3.9.18-3.el9_4.5.src``). mamoru keeps
the ``src`` components (advisories are matched on the source rpm, like Trivy and Grype do) of the
main streams; Extended Update Support and other add-on streams (``rhel_eus``, ``…MAIN.EUS``,
``rhel_els``, ``rhel_aus`` …) and modular packages (``module+el8``) are counted and left out, because
their fixes do not apply to a plain RHEL/UBI image. ``fixed`` gives a fixed version,
``known_not_affected`` a never-affected entry. The RHSA id is the record and an alias of each CVE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from mamoru.versions import get_scheme
from mamoru.vulndb.importers._fields import mapping, mappings, strings
from mamoru.vulndb.model import Advisory, Affected, BoundKind, EntryStatus, Interval, Record, SkipCounter
from mamoru.vulndb.severity import cvss_score, vendor_severity

SOURCE = "redhat-csaf"
MAIN_CPE = re.compile(r"^cpe:/[ao]:redhat:enterprise_linux:(\d+)(?::|$)")
ADD_ON_STREAM = re.compile(r"(?:^|[.-])(?:EUS|AUS|E4S|TUS|ELS|SAP)(?:[.-]|$)", re.IGNORECASE)
MAX_PRODUCTS = 200_000


def is_csaf(document: Any) -> bool:
    meta = document.get("document") if isinstance(document, dict) else None
    return isinstance(meta, dict) and str(meta.get("category", "")).startswith("csaf_")


def records(document: dict[str, Any], skipped: SkipCounter) -> Iterator[Record]:
    meta = document["document"]
    tracking = mapping(meta.get("tracking"))
    record_id = str(tracking.get("id") or "").strip()
    if not record_id:
        skipped.add("CSAF document without a tracking id", str(meta.get("title", ""))[:60])
        return
    streams, components = _product_tree(document.get("product_tree"))
    rpm = get_scheme("rpm")
    advisories = []
    for vulnerability in mappings(document.get("vulnerabilities")):
        cve = vulnerability.get("cve")
        if not isinstance(cve, str) or not cve.strip():
            skipped.add("CSAF vulnerability without a CVE", record_id)
            continue
        status = mapping(vulnerability.get("product_status"))
        entries: dict[tuple[str, str], Affected] = {}
        for state, entry_status in (("fixed", EntryStatus.RANGES), ("known_not_affected", EntryStatus.NOT_AFFECTED)):
            for product_id in strings(status.get(state))[:MAX_PRODUCTS]:
                placed = _place(product_id, streams, components, record_id, skipped)
                if placed is None:
                    continue
                namespace, name, evr = placed
                if entry_status is EntryStatus.NOT_AFFECTED:
                    entries.setdefault((namespace, name), Affected(namespace=namespace, package=name,
                                                                   status=EntryStatus.NOT_AFFECTED))  # fmt: skip
                    continue
                if not rpm.validate(evr):
                    skipped.add("unparsable rpm version in CSAF", f"{record_id}: {evr[:40]}")
                    continue
                known = entries.get((namespace, name))
                if known is None or known.status is EntryStatus.NOT_AFFECTED:
                    entries[(namespace, name)] = Affected(namespace=namespace, package=name,
                                                          intervals=[Interval("", evr, BoundKind.FIXED)])  # fmt: skip
                elif rpm.compare(evr, known.intervals[0].bound) < 0:
                    known.intervals = [Interval("", evr, BoundKind.FIXED)]
        if not entries:
            continue
        vector, score = _cvss(vulnerability)
        advisories.append(Advisory(
            source=SOURCE, record=record_id, id=cve.strip(), aliases=[record_id],
            summary=str(vulnerability.get("title") or "").strip()[:300], severity=_impact(vulnerability, meta),
            cvss_vector=vector, cvss_score=score, published=str(vulnerability.get("release_date") or ""),
            modified=str(tracking.get("current_release_date") or ""),
            references=[r["url"] for r in mappings(vulnerability.get("references")) if isinstance(r.get("url"), str)],
            affected=list(entries.values()),
        ))  # fmt: skip
    if not advisories:
        skipped.add("CSAF advisory with no package mamoru can match", record_id)
    yield Record(SOURCE, record_id, advisories)


def _product_tree(tree: Any) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Streams (product id → namespace) and relationships (full product id → (stream, component))."""
    streams: dict[str, str] = {}
    components: dict[str, tuple[str, str]] = {}
    if not isinstance(tree, dict):
        return streams, components
    stack = list(mappings(tree.get("branches")))
    seen = 0
    while stack and seen < MAX_PRODUCTS:
        seen += 1
        branch = stack.pop()
        stack.extend(mappings(branch.get("branches")))
        product = mapping(branch.get("product"))
        if branch.get("category") != "product_name" or not product:
            continue
        cpe = str(mapping(product.get("product_identification_helper")).get("cpe", ""))
        product_id = str(product.get("product_id", ""))
        match = MAIN_CPE.match(cpe)
        streams[product_id] = f"rhel:{match.group(1)}" if match and not ADD_ON_STREAM.search(product_id) else ""
    for relation in mappings(tree.get("relationships"))[:MAX_PRODUCTS]:
        full = relation.get("full_product_name")
        full_id = full.get("product_id") if isinstance(full, dict) else None
        stream, component = relation.get("relates_to_product_reference"), relation.get("product_reference")
        if isinstance(full_id, str) and isinstance(stream, str) and isinstance(component, str):
            components[full_id] = (stream, component)
    return streams, components


def _place(product_id: str, streams: Mapping[str, str], components: Mapping[str, tuple[str, str]], record_id: str,
           skipped: SkipCounter) -> tuple[str, str, str] | None:  # fmt: skip
    """(namespace, source rpm name, EVR) of a product id, or None (binary rpm, add-on stream, module)."""
    if product_id in components:
        stream, component = components[product_id]
    else:
        stream, _, component = product_id.partition(":")
    if not component.endswith(".src"):
        return None  # binary rpms: matched through their source rpm
    if "module+" in component or "::" in component:
        skipped.add("modular rpm in CSAF (module streams are not matched)", f"{record_id}: {component[:60]}")
        return None
    namespace = streams.get(stream, "")
    if not namespace:
        skipped.add("CSAF product stream outside plain RHEL (EUS, ELS, add-ons)", f"{record_id}: {stream[:60]}")
        return None
    nevr = component.removesuffix(".src")
    rest, _, release = nevr.rpartition("-")
    name, _, epoch_version = rest.rpartition("-")
    if not name or not epoch_version or not release:
        skipped.add("unparsable CSAF component", f"{record_id}: {component[:60]}")
        return None
    epoch, _, version = epoch_version.rpartition(":")
    evr = f"{epoch}:{version}-{release}" if epoch and epoch != "0" else f"{version}-{release}"
    return namespace, name, evr


def _impact(vulnerability: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    for threat in mappings(vulnerability.get("threats")):
        if threat.get("category") == "impact" and isinstance(threat.get("details"), str):
            return vendor_severity(threat["details"])
    aggregate = meta.get("aggregate_severity")
    return vendor_severity(str(aggregate.get("text", ""))) if isinstance(aggregate, dict) else ""


def _cvss(vulnerability: Mapping[str, Any]) -> tuple[str, float | None]:
    for score in mappings(vulnerability.get("scores")):
        for key in ("cvss_v3", "cvss_v4", "cvss_v2"):
            data = score.get(key)
            if isinstance(data, dict) and isinstance(data.get("vectorString"), str):
                vector = data["vectorString"]
                return vector, cvss_score(vector)
    return "", None
