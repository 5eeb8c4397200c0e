"""Frozen, I/O-free data types shared by every stage of the pipeline."""

from mamoru.model.artifact import Artifact, ArtifactKind, HistoryEntry, ImageMetadata, Layer
from mamoru.model.inventory import Deletion, FileKind, FileRecord, Inventory, Note, NoteKind, OSRelease
from mamoru.model.package import Location, Package, PackageKind

__all__ = [
    "Artifact",
    "ArtifactKind",
    "Deletion",
    "FileKind",
    "FileRecord",
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
]
