"""Version classifiers for binaries that carry no package metadata (as Syft's binary classifiers do).

Programs built from source (``make install`` into ``/usr/local``, official ``nginx``/``redis``/
``postgres``/``node``/``python`` images, static binaries copied in) are in no package database.
Each classifier names the files it applies to and a pattern for the version string the program
embeds (``\\x00nginx/1.25.3``, ``BusyBox v1.36.1``, ``\\x00PostgreSQL 16.1``); the bytes are searched
with one compiled regular expression. Packages found this way are ``generic`` packages marked
with ``found_by = "binary-classifier"``. A binary an OS package installed is that OS package: the
resolver drops the classification of every file a package database lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.analyzers.lang._common import lang_package
from mamoru.analyzers.lang.binfile import ELF_MAGIC
from mamoru.model.package import PackageKind

MIN_BINARY = 4 * 1024
MAX_BINARY = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Classifier:
    """A program: the file names it has and the bytes that give its version."""

    package: str
    names: re.Pattern[str]
    version: re.Pattern[bytes]


def _classifier(package: str, names: str, version: bytes) -> Classifier:
    return Classifier(package, re.compile(rf"^(?:{names})$"), re.compile(version))


_SEMVER = rb"(\d+\.\d+\.\d+)"
CLASSIFIERS: tuple[Classifier, ...] = (
    _classifier("openssl", r"openssl|libcrypto\.so[.\d]*", rb"\x00OpenSSL (\d+\.\d+\.\d+[a-z]?)[ \x00]"),
    _classifier("nginx", r"nginx", rb"nginx/" + _SEMVER + rb"[\x00 ]"),
    _classifier("httpd", r"httpd|apache2", rb"Apache/" + _SEMVER + rb"[\x00 ]"),
    # redis embeds its build id right after the version: <version>[<host>-]<19 digits>
    _classifier(
        "redis", r"redis-server|redis-check-rdb", rb"(?<![\d.])" + _SEMVER + rb"(?:[a-z0-9]{1,32}-)?\d{19}\x00"
    ),
    _classifier("postgresql", r"postgres", rb"\x00PostgreSQL (\d+\.\d+(?:\.\d+)?)[ \x00]"),
    _classifier("node", r"node|nodejs|libnode\.so[.\d]*", rb"node\.js/v" + _SEMVER),
    _classifier("busybox", r"busybox", rb"BusyBox v" + _SEMVER),
    _classifier("curl", r"curl", rb"\x00curl/" + _SEMVER + rb"[\x00 ]"),
)
# python: the version follows the file name's major.minor (python3.12, libpython3.12.so.1.0)
_PYTHON_NAME = re.compile(r"^(?:python(\d)(?:\.(\d+))?|libpython(\d)\.(\d+)\.so[.\d]*)$")
_NAMES = r"openssl|libcrypto\.so[.\d]*|nginx|httpd|apache2|redis-server|redis-check-rdb|postgres|node|nodejs|"
_NAMES += r"libnode\.so[.\d]*|python\d(?:\.\d+)?|libpython\d\.\d+\.so[.\d]*|busybox|curl"


class BinaryClassifierAnalyzer:
    """Versions of well-known programs from the strings in their binaries."""

    name: ClassVar[str] = "binary-classifier"
    path_pattern: ClassVar[str] = rf"(?:^|/)(?:{_NAMES})$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return MIN_BINARY <= size <= MAX_BINARY

    def analyze(self, content: FileContent) -> AnalysisResult:
        if content.head(4) != ELF_MAGIC:
            return AnalysisResult()  # a script or a text file of the same name
        file_name = content.info.path.rpartition("/")[2]
        found = classify(file_name, content.read())
        if found is None:
            return AnalysisResult()
        package, version = found
        return AnalysisResult(packages=[lang_package(package, version, PackageKind.GENERIC, self.name)])


def classify(file_name: str, data: bytes) -> tuple[str, str] | None:
    """(program, version) of a binary named ``file_name``, or None."""
    python = _PYTHON_NAME.match(file_name)
    if python:
        major = python.group(1) or python.group(3)
        minor = python.group(2) or python.group(4)
        version = rf"{major}\.{minor}" if minor else rf"{major}\.\d+"
        match = re.search(rb"\x00(" + version.encode() + rb"\.\d+(?:(?:a|b|rc)\d+)?)\+?[\x00 ]", data)
        return ("python", match.group(1).decode()) if match else None
    for classifier in CLASSIFIERS:
        if classifier.names.match(file_name):
            match = classifier.version.search(data)
            return (classifier.package, match.group(1).decode()) if match else None
    return None
