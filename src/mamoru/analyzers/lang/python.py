"""Installed Python distributions: ``*.dist-info/METADATA``, ``*.egg-info/PKG-INFO`` and eggs anywhere.

Eggs (what ``easy_install`` and ``setup.py install`` left behind) are either directories
(``name-1.0-py3.8.egg/EGG-INFO/PKG-INFO``) or zip files; a zip egg's ``EGG-INFO/PKG-INFO`` is read
with the same bounds as Java archives (:mod:`._zip`: central directory checked before ``zipfile`` loads it).

Core metadata is parsed with ``packaging.metadata.parse_email`` (the PyPA reference parser),
leniently: fields it cannot read are ignored, a file without a name or version is an unknown.
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.model.package import Package, PackageKind

if TYPE_CHECKING:
    from packaging.metadata import RawMetadata

MAX_METADATA = 8 * 1024 * 1024
MAX_EGG = 256 * 1024 * 1024
EGG_METADATA = "EGG-INFO/PKG-INFO"
_LICENSE_CLASSIFIER = "License :: "


class PythonDistributionAnalyzer:
    """Python packages installed in any site-packages or ``--target`` directory."""

    name: ClassVar[str] = "python-dist-info"
    path_pattern: ClassVar[str] = r"\.(?:dist-info/METADATA|egg-info/PKG-INFO|egg-info|egg/EGG-INFO/PKG-INFO|egg)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        if path.endswith(".egg"):
            return size <= MAX_EGG
        if size > MAX_METADATA:
            return False
        if path.endswith("/EGG-INFO/PKG-INFO"):
            return path[: -len("/EGG-INFO/PKG-INFO")].endswith(".egg")
        if path.endswith("/METADATA"):
            return path[: -len("/METADATA")].endswith(".dist-info")
        if path.endswith("/PKG-INFO"):
            return path[: -len("/PKG-INFO")].endswith(".egg-info")
        return path.endswith(".egg-info")  # old setuptools installs write PKG-INFO as a file of this name

    def analyze(self, content: FileContent) -> AnalysisResult:
        from packaging.metadata import parse_email  # loaded only for images with Python packages

        raw, _unparsed = parse_email(_egg_metadata(content) if content.info.path.endswith(".egg") else content.read())
        name, version = (raw.get("name") or "").strip(), (raw.get("version") or "").strip()
        if not name or not version:
            raise AnalyzerParseError("Python package metadata without Name or Version")
        return AnalysisResult(packages=[Package(
            name=name,
            version=version,
            kind=PackageKind.PYPI,
            licenses=_licenses(raw),
            maintainer=(raw.get("author_email") or raw.get("author") or "").strip(),
            description=(raw.get("summary") or "").strip(),
            found_by=self.name,
        )])  # fmt: skip


def _egg_metadata(content: FileContent) -> bytes:
    """``EGG-INFO/PKG-INFO`` of a zip egg (raises :class:`AnalyzerParseError`)."""
    from mamoru.analyzers.lang._zip import ArchiveError, check_directory

    with content.open() as handle:
        try:
            check_directory(handle, content.info.size)
            with zipfile.ZipFile(handle) as egg:
                info = egg.getinfo(EGG_METADATA)
                if info.file_size > MAX_METADATA:
                    raise AnalyzerParseError(f"{EGG_METADATA} declares {info.file_size} bytes")
                with egg.open(info) as member:
                    data = member.read(MAX_METADATA + 1)
        except KeyError:
            raise AnalyzerParseError(f"egg without {EGG_METADATA}") from None
        except (ArchiveError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise AnalyzerParseError(f"unreadable egg: {exc}") from None
    if len(data) > MAX_METADATA:
        raise AnalyzerParseError(f"{EGG_METADATA} inflates past {MAX_METADATA} bytes")
    return data


def _licenses(raw: RawMetadata) -> tuple[str, ...]:
    """PEP 639 ``License-Expression`` first, then a short ``License`` field, then license classifiers."""
    expression = (raw.get("license_expression") or "").strip()
    if expression:
        return (expression,)
    text = (raw.get("license") or "").strip()
    if text and "\n" not in text and len(text) < 100:
        return (text,)
    classifiers = raw.get("classifiers") or []
    return tuple(dict.fromkeys(c.split(" :: ")[-1] for c in classifiers if c.startswith(_LICENSE_CLASSIFIER)))
