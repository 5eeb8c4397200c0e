"""SPDX 2.3 JSON SBOM, built and validated with spdx-tools.

SPDX 2.3 packages have no free-form properties, so mamoru's layer and location details travel as
package annotations (``mamoru:layer:diff_id=sha256:…``), the way Trivy records its own.
"""

from __future__ import annotations

import re
import uuid
from typing import TextIO

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import (  # type: ignore[attr-defined]
    Actor,
    ActorType,
    Annotation,
    AnnotationType,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    ExtractedLicensingInfo,
    Package,
    PackagePurpose,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from mamoru.errors import ReportError
from mamoru.model.artifact import ArtifactKind
from mamoru.model.package import Package as MamoruPackage
from mamoru.model.report import ScanReport
from mamoru.report.properties import artifact_properties, package_properties
from mamoru.scan.purl import image_purl

DOCUMENT_ID = "SPDXRef-DOCUMENT"
NAMESPACE_BASE = "https://spdx.org/spdxdocs/mamoru"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9.-]+")


def render(report: ScanReport, stream: TextIO) -> None:
    document = build_document(report)
    try:
        write_document_to_stream(document, stream, validate=True)
    except ValueError as exc:  # spdx-tools reports validation failures as ValueError
        raise ReportError(f"SPDX document failed validation: {exc}") from None
    stream.write("\n")


def build_document(report: ScanReport) -> Document:
    """The SPDX document: the artifact package DESCRIBES-ed, CONTAINS-ing the OS and every package."""
    inventory = report.inventory
    artifact = inventory.artifact
    tool = Actor(ActorType.TOOL, f"mamoru-{report.tool_version}")
    created = report.created.replace(microsecond=0)
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id=DOCUMENT_ID,
        name=artifact.name,
        document_namespace=f"{NAMESPACE_BASE}/{_UNSAFE_ID.sub('-', artifact.name)}-{uuid.uuid4()}",
        creators=[tool],
        created=created,
    )
    document = Document(info)
    purpose = PackagePurpose.CONTAINER if artifact.kind is ArtifactKind.CONTAINER_IMAGE else PackagePurpose.SOURCE
    root = Package(
        spdx_id="SPDXRef-Artifact",
        name=artifact.name,
        download_location=SpdxNoAssertion(),
        files_analyzed=False,
        primary_package_purpose=purpose,
        external_references=[ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)]
        if (purl := image_purl(artifact.image))
        else [],
    )
    document.packages.append(root)
    document.relationships.append(Relationship(DOCUMENT_ID, RelationshipType.DESCRIBES, root.spdx_id))
    document.annotations.extend(_annotations(root.spdx_id, artifact_properties(artifact), tool, created))
    parent = root.spdx_id
    if inventory.os is not None:
        os_package = Package(
            spdx_id="SPDXRef-OperatingSystem",
            name=inventory.os.family,
            version=inventory.os.version or None,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
        )
        document.packages.append(os_package)
        document.relationships.append(Relationship(root.spdx_id, RelationshipType.CONTAINS, os_package.spdx_id))
        parent = os_package.spdx_id
    used: set[str] = set()
    licenses = LicenseMapper()
    for package in inventory.packages:
        spdx_package = _package(package, used, licenses)
        document.packages.append(spdx_package)
        container = parent if package.kind.is_os else root.spdx_id
        document.relationships.append(Relationship(container, RelationshipType.CONTAINS, spdx_package.spdx_id))
        document.annotations.extend(_annotations(spdx_package.spdx_id, package_properties(package), tool, created))
    document.extracted_licensing_info.extend(licenses.extracted.values())
    return document


def _package(package: MamoruPackage, used: set[str], licenses: LicenseMapper) -> Package:
    name, version = _UNSAFE_ID.sub("-", package.name), _UNSAFE_ID.sub("-", package.version)
    spdx_id = f"SPDXRef-Package-{package.kind.value}-{name}-{version}"
    base, n = spdx_id, 1
    while spdx_id in used:
        n += 1
        spdx_id = f"{base}-{n}"
    used.add(spdx_id)
    declared = licenses.expression(package.licenses)
    refs = (
        [ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", package.purl)] if package.purl else []
    )
    return Package(
        spdx_id=spdx_id,
        name=package.name,
        version=package.version,
        download_location=SpdxNoAssertion(),
        files_analyzed=False,
        supplier=Actor(ActorType.ORGANIZATION, package.maintainer) if package.maintainer else None,
        license_declared=declared,
        license_concluded=SpdxNoAssertion(),
        copyright_text=SpdxNoAssertion(),
        external_references=refs,
        source_info=f"built from {package.source_name} {package.source_version}".strip()
        if package.source_name and package.source_name != package.name
        else None,
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


class LicenseMapper:
    """Turns license texts into SPDX expressions; texts that are not SPDX become ``LicenseRef-`` entries.

    ``GPL-2.0-only`` stays as it is; ``GPL-2+ with Texinfo exception`` or ``public-domain`` become
    ``LicenseRef-…`` identifiers whose original text is kept in the document's extracted licensing
    info, so no license the package declared is lost.
    """

    def __init__(self) -> None:
        self._licensing = spdx_licensing  # spdx-tools' own (2,700 keys, 17 ms to build): one is enough
        self.extracted: dict[str, ExtractedLicensingInfo] = {}

    def expression(self, texts: tuple[str, ...]) -> object:
        cleaned = ("".join(ch for ch in text if ch.isprintable()).strip() for text in texts)
        parts = [self._part(text) for text in dict.fromkeys(cleaned) if text]
        if not parts:
            return SpdxNoAssertion()
        return parts[0] if len(parts) == 1 else self._licensing.AND(*parts)

    def _part(self, text: str) -> object:
        try:
            info = self._licensing.validate(text)
            if not info.errors and not info.invalid_symbols:
                return self._licensing.parse(text)
        except Exception:  # noqa: BLE001, S110 - license_expression raises assorted errors on odd input
            pass
        ref = "LicenseRef-" + (_UNSAFE_ID.sub("-", text).strip("-.") or "unnamed")
        self.extracted.setdefault(ref, ExtractedLicensingInfo(license_id=ref, extracted_text=text, license_name=text))
        return self._licensing.parse(ref)


def _annotations(spdx_id: str, properties: list[tuple[str, str]], tool: Actor, created: object) -> list[Annotation]:
    return [
        Annotation(spdx_id, AnnotationType.OTHER, tool, created, f"{name}={value}")  # type: ignore[arg-type]
        for name, value in properties
    ]
