"""SemVer 2.0 precedence for npm, Go modules and crates.io, by python-semver.

* ``cargo``: strict SemVer; build metadata does not take part in the order (OSV ``SEMVER`` ranges).
* ``npm``: what npm's ``semver.clean`` accepts (a leading ``v`` or ``=``, surrounding blanks); a few
  advisories write ``1.0`` for ``1.0.0``, so a missing minor or patch counts as 0.
* ``go``: Go's module versions: an optional ``v`` (OSV drops it, build info keeps it), ``v1.2``
  shorthand for ``v1.2.0``, pseudo-versions (``v0.0.0-20191109021931-daa7c04131f5``, ordinary
  pre-releases) and ``+incompatible`` (build metadata, ignored), like ``golang.org/x/mod/semver``.
"""

from __future__ import annotations

from collections.abc import Callable

from semver import Version

from mamoru.versions import CompareScheme, InvalidVersion

MAX_LENGTH = 256


def _parser(strip: str, partial: bool) -> Callable[[str], Version]:
    def parse(text: str) -> Version:
        if len(text) > MAX_LENGTH:
            raise InvalidVersion(f"version too long: {text[:80]!r}…")
        cleaned = text.strip()
        if strip and cleaned[:1] in strip:
            cleaned = cleaned[1:]
        try:
            return Version.parse(cleaned, optional_minor_and_patch=partial)
        except (ValueError, TypeError):
            raise InvalidVersion(f"not a semantic version: {text!r}") from None

    return parse


def _cmp(a: Version, b: Version) -> int:
    return a.compare(b)


SCHEMES = {
    "npm": CompareScheme("npm", _parser("v=", True), _cmp),
    "go": CompareScheme("go", _parser("v", True), _cmp),
    "cargo": CompareScheme("cargo", _parser("", False), _cmp),
}
