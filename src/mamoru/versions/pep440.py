"""PEP 440 version order (PyPI), by packaging's ``Version``.

Versions that are not PEP 440 (old "legacy" versions such as ``1.0-foo-bar``) are invalid: pip no
longer installs them and advisories name PEP 440 versions.
"""

from __future__ import annotations

from packaging.version import InvalidVersion as PackagingInvalidVersion
from packaging.version import Version

from mamoru.versions import CompareScheme, InvalidVersion

MAX_LENGTH = 256


def _parse(text: str) -> Version:
    if len(text) > MAX_LENGTH:
        raise InvalidVersion(f"version too long: {text[:80]!r}…")
    try:
        return Version(text)
    except PackagingInvalidVersion:
        raise InvalidVersion(f"not a PEP 440 version: {text!r}") from None


def _cmp(a: Version, b: Version) -> int:
    return -1 if a < b else (1 if a > b else 0)


SCHEME = CompareScheme("pep440", _parse, _cmp)
SCHEMES = {"pep440": SCHEME}
