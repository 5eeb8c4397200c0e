"""Name/value properties shared by the SBOM writers (CycloneDX properties, SPDX annotations)."""

from __future__ import annotations

from mamoru.model.artifact import Artifact
from mamoru.model.package import Package
from mamoru.report.redact import redact_command

PREFIX = "mamoru"


def artifact_properties(artifact: Artifact) -> list[tuple[str, str]]:
    """Image identity and, per layer, its digests and the instruction that made it."""
    properties = [(f"{PREFIX}:artifact:source", artifact.source)]
    image = artifact.image
    if image is not None:
        properties.append((f"{PREFIX}:image:id", image.image_id))
        if image.manifest_digest:
            properties.append((f"{PREFIX}:image:manifest_digest", image.manifest_digest))
        if image.platform:
            properties.append((f"{PREFIX}:image:platform", image.platform))
        properties.extend((f"{PREFIX}:image:repo_tag", tag) for tag in image.repo_tags)
    for layer in artifact.layers if image is not None else ():
        key = f"{PREFIX}:image:layer:{layer.index}"
        if layer.digest:
            properties.append((f"{key}:digest", layer.digest))
        if layer.diff_id:
            properties.append((f"{key}:diff_id", layer.diff_id))
        if layer.created_by:
            properties.append((f"{key}:created_by", redact_command(layer.created_by)))
    return properties


def package_properties(package: Package) -> list[tuple[str, str]]:
    """Where a package came from: its type, source package, the layer that added it, its files."""
    properties = [(f"{PREFIX}:package:type", package.kind.value), (f"{PREFIX}:package:found_by", package.found_by)]
    if package.declared:
        properties.append((f"{PREFIX}:package:declared", "true"))
    if package.arch:
        properties.append((f"{PREFIX}:package:arch", package.arch))
    if package.source_name:
        properties.append((f"{PREFIX}:package:source_name", package.source_name))
    if package.source_version:
        properties.append((f"{PREFIX}:package:source_version", package.source_version))
    layer = package.layer
    if layer is not None:
        properties.append((f"{PREFIX}:layer:index", str(layer.index)))
        if layer.digest:
            properties.append((f"{PREFIX}:layer:digest", layer.digest))
        if layer.diff_id:
            properties.append((f"{PREFIX}:layer:diff_id", layer.diff_id))
        if layer.instruction:
            properties.append((f"{PREFIX}:layer:instruction", redact_command(layer.instruction)))
    properties.extend((f"{PREFIX}:location:path", "/" + location.path) for location in package.locations)
    return properties
