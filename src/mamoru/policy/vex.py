"""VEX input: OpenVEX and CycloneDX VEX documents that say a vulnerability does not affect a product.

A statement whose status is ``not_affected`` (with a justification or an impact statement, as both
formats require) or ``fixed`` suppresses the vulnerability findings it names, for the packages whose
purl it names (type, namespace and name must match; the version too when the statement gives one;
qualifiers are ignored). A product that is the image itself (``pkg:oci/…`` without subcomponents)
covers every package in it. Documents that are malformed, and statements that contradict each other,
are errors naming the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from mamoru.errors import UsageError
from mamoru.model.finding import Finding, FindingKind, Suppression
from mamoru.targets.stores import as_dict

SUPPRESSING = frozenset({"not_affected", "fixed"})
STATUSES = frozenset({"not_affected", "affected", "fixed", "under_investigation"})
CYCLONEDX_STATES = {"not_affected": "not_affected", "false_positive": "not_affected", "resolved": "fixed",
                    "resolved_with_pedigree": "fixed", "exploitable": "affected",
                    "in_triage": "under_investigation"}  # fmt: skip
MAX_VEX_BYTES = 32 * 1024 * 1024
STATEMENTS_KEY = '"statements"'


@dataclass(frozen=True, slots=True)
class VexStatement:
    """One (vulnerability, product) claim."""

    vulnerability: str
    aliases: frozenset[str]
    product: str  # a purl
    status: str
    justification: str
    source: str  # "file:line"

    def covers(self, finding: Finding) -> bool:
        detail = finding.vulnerability
        if detail is None or finding.package is None:
            return False
        if not ({detail.id, *detail.aliases, finding.rule_id} & {self.vulnerability, *self.aliases}):
            return False
        return purl_matches(self.product, finding.package.purl)


def purl_matches(statement: str, package: str) -> bool:
    """Whether a statement's product purl names this package (qualifiers ignored, version if given)."""
    try:
        wanted, actual = PackageURL.from_string(statement), PackageURL.from_string(package)
    except ValueError:
        return False
    if wanted.type == "oci":
        return True  # the image as a whole
    same = (wanted.type, wanted.namespace, wanted.name) == (actual.type, actual.namespace, actual.name)
    return same and (not wanted.version or wanted.version == actual.version)


def load_vex(path: Path) -> list[VexStatement]:
    """Statements of an OpenVEX or CycloneDX VEX JSON document."""
    try:
        if path.stat().st_size > MAX_VEX_BYTES:
            raise UsageError(f"{path}: larger than {MAX_VEX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}:1: a VEX document is a JSON object")
    if "statements" in document:
        return _openvex(document, text, path)
    if document.get("bomFormat") == "CycloneDX" or "vulnerabilities" in document:
        return _cyclonedx(document, text, path)
    raise UsageError(f"{path}:1: neither an OpenVEX document (statements) nor CycloneDX VEX (vulnerabilities)")


def _openvex(document: dict[str, Any], text: str, path: Path) -> list[VexStatement]:
    statements = document["statements"]
    if not isinstance(statements, list):
        raise UsageError(f"{path}:{_line(text, STATEMENTS_KEY)}: `statements` must be a list")
    found = []
    cursor = 0
    for number, statement in enumerate(statements, start=1):
        cursor = text.find('"vulnerability"', cursor) + 1 or cursor
        where = f"{path}:{text.count(chr(10), 0, cursor) + 1}"
        if not isinstance(statement, dict):
            raise UsageError(f"{where}: statement {number} is not an object")
        vulnerability = statement.get("vulnerability")
        name = vulnerability.get("name") if isinstance(vulnerability, dict) else vulnerability
        aliases = vulnerability.get("aliases", []) if isinstance(vulnerability, dict) else []
        if not isinstance(name, str) or not name:
            raise UsageError(f"{where}: statement {number} has no vulnerability name")
        status = statement.get("status")
        if status not in STATUSES:
            raise UsageError(f"{where}: statement {number} has an unknown status {status!r}")
        justification = str(statement.get("justification") or statement.get("impact_statement") or "")
        if status == "not_affected" and not justification:
            raise UsageError(f"{where}: statement {number} is not_affected without a justification or impact statement")
        products = statement.get("products")
        if not isinstance(products, list) or not products:
            raise UsageError(f"{where}: statement {number} names no products")
        for product in products:
            for purl in _product_purls(product, where, number):
                found.append(VexStatement(name, frozenset(str(a) for a in aliases if isinstance(a, str)), purl,
                                          status, justification, f"{path.name}:{where.rsplit(':', 1)[1]}"))  # fmt: skip
    return found


def _product_purls(product: Any, where: str, number: int) -> list[str]:
    if isinstance(product, str):
        return [product]
    if not isinstance(product, dict):
        raise UsageError(f"{where}: statement {number} has a malformed product")
    subcomponents = product.get("subcomponents")
    if isinstance(subcomponents, list) and subcomponents:
        return [p for item in subcomponents for p in _product_purls(item, where, number)]
    identifiers = as_dict(product.get("identifiers"))
    purl = product.get("@id") or identifiers.get("purl")
    if not isinstance(purl, str) or not purl.startswith("pkg:"):
        raise UsageError(f"{where}: statement {number} has a product without a purl")
    return [purl]


def _cyclonedx(document: dict[str, Any], text: str, path: Path) -> list[VexStatement]:
    refs: dict[str, str] = {}
    for component in document.get("components") or []:
        if isinstance(component, dict) and component.get("bom-ref") and component.get("purl"):
            refs[str(component["bom-ref"])] = str(component["purl"])
    found = []
    cursor = 0
    for number, vulnerability in enumerate(document.get("vulnerabilities") or [], start=1):
        cursor = text.find('"id"', cursor) + 1 or cursor
        where = f"{path}:{text.count(chr(10), 0, cursor) + 1}"
        if not isinstance(vulnerability, dict) or not isinstance(vulnerability.get("id"), str):
            raise UsageError(f"{where}: vulnerability {number} has no id")
        analysis = as_dict(vulnerability.get("analysis"))
        state = CYCLONEDX_STATES.get(str(analysis.get("state")))
        if state is None:
            raise UsageError(f"{where}: vulnerability {number} has no known analysis state")
        justification = str(analysis.get("justification") or analysis.get("detail") or "")
        if state == "not_affected" and not justification:
            raise UsageError(f"{where}: vulnerability {number} is not_affected without a justification or detail")
        affects = vulnerability.get("affects")
        if not isinstance(affects, list) or not affects:
            raise UsageError(f"{where}: vulnerability {number} affects nothing")
        for affected in affects:
            ref = str(affected.get("ref", "")) if isinstance(affected, dict) else ""
            purl = refs.get(ref, ref)
            if not purl.startswith("pkg:"):
                raise UsageError(f"{where}: vulnerability {number} refers to {ref!r}, which is no component purl")
            found.append(VexStatement(vulnerability["id"], frozenset(), purl, state, justification,
                                      f"{path.name}:{where.rsplit(':', 1)[1]}"))  # fmt: skip
    return found


def _line(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def check_conflicts(statements: list[VexStatement]) -> None:
    """Two statements about the same vulnerability and product with different statuses are an error."""
    seen: dict[tuple[str, str], VexStatement] = {}
    for statement in statements:
        key = (statement.vulnerability, statement.product)
        earlier = seen.get(key)
        if earlier is not None and earlier.status != statement.status:
            raise UsageError(f"{statement.source}: says {statement.vulnerability} is {statement.status} for "
                             f"{statement.product}, but {earlier.source} says {earlier.status}")  # fmt: skip
        seen.setdefault(key, statement)


def apply_vex(findings: list[Finding], statements: list[VexStatement]) -> list[Finding]:
    """Suppress the vulnerability findings that a not_affected or fixed statement covers."""
    result = []
    for finding in findings:
        statement = None
        if finding.kind is FindingKind.VULNERABILITY and finding.suppression is None:
            statement = next((s for s in statements if s.status in SUPPRESSING and s.covers(finding)), None)
        if statement is None:
            result.append(finding)
            continue
        reason = f"VEX: {statement.status}" + (f" ({statement.justification})" if statement.justification else "")
        suppression = Suppression(reason=reason, source=statement.source, vex_status=statement.status,
                                  vex_justification=statement.justification)  # fmt: skip
        result.append(replace(finding, suppression=suppression))
    return result
