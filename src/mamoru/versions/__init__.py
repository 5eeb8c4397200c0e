"""Version schemes: how each ecosystem orders its versions.

One module per scheme, each exposing a :class:`Scheme` (``compare``, ``key``, ``validate``):

=========  ===========================================  =============================================
scheme     used for                                     implementation
=========  ===========================================  =============================================
``dpkg``   Debian, Ubuntu                               python-debian's ``Version``
``apk``    Alpine (secdb, OSV ``Alpine:vX.Y``)          mamoru (apk-tools' rules; see ``apk.py``)
``rpm``    RHEL, AlmaLinux, Rocky, CentOS, Oracle …     univers' ``rpm.vercmp`` plus the epoch rule
``pep440`` PyPI                                         packaging's ``Version``
``npm``    npm                                          SemVer 2.0 precedence (python-semver), npm's
                                                        loose prefixes
``go``     Go modules                                   SemVer with Go's ``v`` prefix, pseudo-versions
                                                        and ``+incompatible``
``cargo``  crates.io                                    SemVer 2.0 precedence (python-semver)
``maven``  Maven                                        mamoru (Maven 3.8's ``ComparableVersion``; see
                                                        ``maven.py``)
``gem``    RubyGems                                     univers' port of ``Gem::Version``
=========  ===========================================  =============================================

Each is checked against the real tool in ``tests/versions`` (``dpkg --compare-versions``, rpm's
``labelCompare``, ``apk version -t``, node's ``semver``, Maven's ``ComparableVersion``, Ruby's
``Gem::Version``) with hypothesis-generated versions and edge-case vectors.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any, Protocol


class InvalidVersion(ValueError):
    """A version string the scheme cannot order."""


class Scheme(Protocol):
    """How one ecosystem orders versions."""

    name: str

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1 as ``a`` is older than, equal to or newer than ``b``; InvalidVersion if unparsable."""
        ...

    def key(self, version: str) -> Any:
        """A sort key (raises InvalidVersion)."""
        ...

    def validate(self, version: str) -> bool:
        """Whether the scheme accepts ``version``."""
        ...


class CompareScheme:
    """A scheme built from a parse function and a three-way comparison of parsed versions (cached)."""

    def __init__(self, name: str, parse: Callable[[str], Any], cmp: Callable[[Any, Any], int]) -> None:
        self.name = name
        self._parse = functools.lru_cache(maxsize=65536)(parse)
        self._cmp = cmp
        self._key_type = functools.cmp_to_key(cmp)

    def parse(self, version: str) -> Any:
        """The parsed form of ``version`` (InvalidVersion when it does not parse)."""
        return self._parse(version)

    def compare(self, a: str, b: str) -> int:
        result = self._cmp(self._parse(a), self._parse(b))
        return (result > 0) - (result < 0)

    def key(self, version: str) -> Any:
        return self._key_type(self._parse(version))

    def validate(self, version: str) -> bool:
        try:
            self._parse(version)
        except InvalidVersion:
            return False
        return True


# scheme name -> module defining SCHEME
_MODULES = {
    "dpkg": "dpkg",
    "apk": "apk",
    "rpm": "rpm",
    "pep440": "pep440",
    "npm": "semver",
    "go": "semver",
    "cargo": "semver",
    "maven": "maven",
    "gem": "gem",
}
SCHEME_NAMES = tuple(_MODULES)


@functools.cache
def get_scheme(name: str) -> Scheme:
    """The scheme called ``name`` (KeyError for an unknown one); modules load on first use."""
    module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
    schemes: dict[str, Scheme] = module.SCHEMES
    return schemes[name]


def compare(scheme: str, a: str, b: str) -> int:
    """Compare two versions under ``scheme``."""
    return get_scheme(scheme).compare(a, b)
