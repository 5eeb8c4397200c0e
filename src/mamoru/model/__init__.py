"""Frozen, I/O-free data types shared by every stage of the pipeline."""

from mamoru.model.artifact import Artifact, ArtifactKind, HistoryEntry, ImageMetadata, Layer
from mamoru.model.finding import (
    ComplianceRef,
    Finding,
    FindingKind,
    FixStatus,
    Rule,
    Severity,
    Suppression,
    VulnerabilityDetail,
)
from mamoru.model.inventory import Deletion, FileKind, FileRecord, Inventory, Note, NoteKind, OSRelease
from mamoru.model.package import Location, Package, PackageKind

__all__ = [
    "Artifact",
    "ArtifactKind",
    "ComplianceRef",
    "Deletion",
    "FileKind",
    "FileRecord",
    "Finding",
    "FindingKind",
    "FixStatus",
    "HistoryEntry",
    "ImageMetadata",
    "Inventory",
    "Layer",
    "Location",
    "Note",
    "NoteKind",
    "OSRelease",
    "Package",
    "PackageKind",
    "Rule",
    "Severity",
    "Suppression",
    "VulnerabilityDetail",
]
