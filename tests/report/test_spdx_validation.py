"""The SPDX writer validates in batches: the same verdicts as spdx-tools' validator on the whole document."""

from __future__ import annotations

import dataclasses

import pytest
from spdx_tools.spdx.model import Annotation, AnnotationType, Relationship, RelationshipType
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from mamoru.model import Artifact, ArtifactKind, Inventory, Package, PackageKind
from mamoru.model.report import ScanReport
from mamoru.report.spdx import VALIDATION_BATCH, build_document, validation_problems

LICENSES = ("MIT", "GPL-2.0-or-later", "GPL-2+ with Texinfo exception", "public-domain", "Apache-2.0 OR MIT")


def big_document(count: int = 2 * VALIDATION_BATCH + 50):  # type: ignore[no-untyped-def]
    packages = [
        Package(
            name=f"pkg{n}", version=f"1.{n}", kind=PackageKind.DEB if n % 3 else PackageKind.PYPI,
            purl=f"pkg:{'deb/debian' if n % 3 else 'pypi'}/pkg{n}@1.{n}", licenses=(LICENSES[n % len(LICENSES)],),
        )
        for n in range(count)
    ]  # fmt: skip
    inventory = Inventory(
        artifact=Artifact(name="x", kind=ArtifactKind.FILESYSTEM, source="directory"), packages=packages
    )
    return build_document(ScanReport(inventory=inventory, target="x", command="sbom"))


def full_messages(document) -> set[str]:  # type: ignore[no-untyped-def]
    return {message.validation_message for message in validate_full_spdx_document(document)}


def test_a_valid_document_of_several_batches_is_valid_both_ways() -> None:
    document = big_document()
    assert len(document.packages) > 2 * VALIDATION_BATCH
    assert validation_problems(document) == []
    assert full_messages(document) == set()


def corrupt_purl(document) -> None:  # type: ignore[no-untyped-def]
    last = document.packages[-1]  # in the last batch
    reference = dataclasses.replace(last.external_references[0], locator="pkg:not a purl")
    document.packages[-1] = dataclasses.replace(last, external_references=[reference])


def dangling_relationship(document) -> None:  # type: ignore[no-untyped-def]
    document.relationships.append(
        Relationship(document.packages[0].spdx_id, RelationshipType.CONTAINS, "SPDXRef-Package-nowhere")
    )


def annotation_of_nothing(document) -> None:  # type: ignore[no-untyped-def]
    model = document.annotations[0]
    document.annotations.append(
        Annotation("SPDXRef-Package-nowhere", AnnotationType.OTHER, model.annotator, model.annotation_date, "x=y")
    )


@pytest.mark.parametrize("corrupt", [corrupt_purl, dangling_relationship, annotation_of_nothing])
def test_a_problem_anywhere_is_found_with_the_validators_own_message(corrupt) -> None:  # type: ignore[no-untyped-def]
    document = big_document()
    corrupt(document)
    problems = validation_problems(document)
    assert problems, corrupt.__name__
    assert set(problems) <= full_messages(document)


def test_an_spdx_id_used_in_two_batches_is_found() -> None:
    document = big_document()
    document.packages[-1] = dataclasses.replace(document.packages[-1], spdx_id=document.packages[1].spdx_id)
    assert "every spdx_id must be unique within the document" in validation_problems(document)
