"""SPDX 2.3 JSON SBOM, built and validated with spdx-tools.

SPDX 2.3 packages have no free-form properties, so mamoru's layer and location details travel as
package annotations (``mamoru:layer:diff_id=sha256:…``), the way Trivy records its own.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, TextIO

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
from spdx_tools.spdx.jsonschema.package_converter import PackageConverter
from spdx_tools.spdx.jsonschema.package_properties import PackageProperty
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
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
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
    problems = validation_problems(document)
    if problems:
        raise ReportError(f"SPDX document failed validation: {'; '.join(problems[:5])}")
    write_document_to_stream(document, stream, validate=False, converter=_converter(document))
    stream.write("\n")


# Packages validated together. spdx-tools' validator looks every reference up by scanning the whole
# document (each annotation's and relationship's element among all elements, each package's
# relationships among all relationships), so its time grows with the square of the document: 2.1 s
# for the 770 packages of the lang test image. Validating batches of packages, each with the elements
# they refer to, checks every element with the same validator in time that grows linearly.
VALIDATION_BATCH = 100


def validation_problems(document: Document) -> list[str]:
    """spdx-tools' validation of the whole document, run on batches of packages; its messages, deduplicated.

    Each batch document holds the creation info, the packages others hang off (the artifact and
    the OS: origins of CONTAINS, targets of DESCRIBES), a batch of the other packages, the
    relationships and annotations that name them (with any other package those name), the ones
    among the anchors, and every extracted license. A relationship or annotation naming an element
    the document does not have goes to the first batch, where the validator reports it. SPDX ids
    unique across batches are checked here (the validator sees one batch at a time).
    """
    document_id = document.creation_info.spdx_id
    relationships = document.relationships
    anchors = {r.spdx_element_id for r in relationships if r.relationship_type is RelationshipType.CONTAINS}
    anchors |= {
        str(r.related_spdx_element_id) for r in relationships if r.relationship_type is RelationshipType.DESCRIBES
    }
    by_id = {package.spdx_id: package for package in document.packages}
    known = {*by_id, document_id}
    others = [package for package in document.packages if package.spdx_id not in anchors]
    batch_of = {package.spdx_id: index // VALIDATION_BATCH for index, package in enumerate(others)}
    count = max(1, -(-len(others) // VALIDATION_BATCH))
    batches = [_Batch() for _ in range(count)]

    def place(names: list[str]) -> list[int]:
        """The batches an item naming ``names`` is validated in."""
        chosen = sorted({batch_of[name] for name in names if name in batch_of})
        if chosen:
            return chosen
        return list(range(count)) if all(name in known for name in names) else [0]

    for relationship in relationships:
        names = [relationship.spdx_element_id, str(relationship.related_spdx_element_id)]
        for index in place(names):
            batches[index].relationships.append(relationship)
            batches[index].members.update((name, None) for name in names if name in batch_of)
    for annotation in document.annotations:
        for index in place([annotation.spdx_id]):
            batches[index].annotations.append(annotation)
    for package in others:
        batches[batch_of[package.spdx_id]].members[package.spdx_id] = None
    problems: dict[str, None] = {}
    if len(by_id) != len(document.packages):
        problems["every spdx_id must be unique within the document"] = None
    anchor_packages = [package for package in document.packages if package.spdx_id in anchors]
    for batch in batches:
        part = Document(
            creation_info=document.creation_info,
            packages=[*anchor_packages, *(by_id[name] for name in batch.members)],
            relationships=batch.relationships,
            annotations=batch.annotations,
            extracted_licensing_info=document.extracted_licensing_info,
        )
        problems.update((message.validation_message, None) for message in validate_full_spdx_document(part))
    return list(problems)


@dataclass
class _Batch:
    """One validation batch: its packages (and any other package its items name), in order, and the
    relationships and annotations validated with them."""

    members: dict[str, None] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)


def _converter(document: Document) -> DocumentConverter:
    """spdx-tools' converter, finding each package's annotations in an index made once.

    Its own package converter scans every annotation of the document for each package (3.9 million
    comparisons, 2 s, for the lang test image's 770 packages and their 5,095 annotations).
    """
    converter = DocumentConverter()  # type: ignore[no-untyped-call]
    index: dict[str, list[Annotation]] = {}
    for annotation in document.annotations:
        index.setdefault(annotation.spdx_id, []).append(annotation)
    converter.package_converter = _IndexedPackageConverter(index)
    return converter


class _IndexedPackageConverter(PackageConverter):
    def __init__(self, annotations: dict[str, list[Annotation]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._annotations = annotations

    def _get_property_value(  # type: ignore[override]  # spdx-tools annotates the base with JsonProperty
        self, package: Package, package_property: PackageProperty, document: Document | None = None
    ) -> Any:
        if package_property == PackageProperty.ANNOTATIONS:
            found = self._annotations.get(package.spdx_id, [])
            return [self.annotation_converter.convert(annotation, document) for annotation in found] or None
        return super()._get_property_value(package, package_property, document)


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
