"""CycloneDX 1.6 JSON SBOM, built with cyclonedx-python-lib."""

from __future__ import annotations

from typing import TextIO

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from mamoru.model.artifact import ArtifactKind
from mamoru.model.package import Package
from mamoru.model.report import ScanReport
from mamoru.report.properties import artifact_properties, package_properties


def render(report: ScanReport, stream: TextIO) -> None:
    stream.write(JsonV1Dot6(build_bom(report)).output_as_string(indent=2))
    stream.write("\n")


def build_bom(report: ScanReport) -> Bom:
    """The BOM: the artifact as metadata component, its OS, and every package with its layer."""
    inventory = report.inventory
    artifact = inventory.artifact
    bom = Bom()
    bom.metadata.timestamp = report.created
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="mamoru", version=report.tool_version)
    )
    root_type = ComponentType.CONTAINER if artifact.kind is ArtifactKind.CONTAINER_IMAGE else ComponentType.FILE
    root = Component(
        type=root_type,
        name=artifact.name,
        bom_ref="artifact",
        properties=[Property(name=k, value=v) for k, v in artifact_properties(artifact)],
    )
    bom.metadata.component = root
    parent = root
    if inventory.os is not None:
        os_component = Component(
            type=ComponentType.OPERATING_SYSTEM,
            name=inventory.os.family,
            version=inventory.os.version or None,
            bom_ref="os",
            description=inventory.os.name or None,
        )
        bom.components.add(os_component)
        bom.register_dependency(root, [os_component])
        parent = os_component
    licenses = LicenseFactory()
    seen_refs: set[str] = set()
    os_packages: list[Component] = []
    other_packages: list[Component] = []
    for package in inventory.packages:
        component = _component(package, licenses, seen_refs)
        bom.components.add(component)
        (os_packages if package.kind.is_os else other_packages).append(component)
    if os_packages:
        bom.register_dependency(parent, os_packages)
    if other_packages:
        bom.register_dependency(root, other_packages)
    return bom


def _component(package: Package, licenses: LicenseFactory, seen_refs: set[str]) -> Component:
    ref = package.purl or f"{package.kind.value}:{package.name}@{package.version}"
    while ref in seen_refs:
        ref += "#dup"
    seen_refs.add(ref)
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version,
        bom_ref=ref,
        purl=PackageURL.from_string(package.purl) if package.purl else None,
        supplier=OrganizationalEntity(name=package.maintainer) if package.maintainer else None,
        description=package.description or None,
        licenses=[licenses.make_from_string(text) for text in package.licenses],
        properties=[Property(name=k, value=v) for k, v in package_properties(package)],
    )
