"""dpkg version order (Debian, Ubuntu): ``[epoch:]upstream[-revision]`` with ``~`` sorting first.

The comparison is python-debian's ``Version`` (the algorithm of dpkg's ``verrevcmp``); mamoru only
adds the syntax check dpkg itself applies (``dpkg --compare-versions`` warns about and still orders
versions that do not start with a digit; python-debian accepts them too, and so does mamoru).
"""

from __future__ import annotations

import re

from debian.debian_support import Version

from mamoru.versions import CompareScheme, InvalidVersion

# epoch digits, upstream starting with an alphanumeric, optional revision; the characters dpkg allows
_SYNTAX = re.compile(r"^(?:\d+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*$")
MAX_LENGTH = 256


def _parse(version: str) -> Version:
    if len(version) > MAX_LENGTH or not _SYNTAX.match(version):
        raise InvalidVersion(f"not a dpkg version: {version[:80]!r}")
    try:
        return Version(version)
    except ValueError as exc:
        raise InvalidVersion(str(exc)) from None


def _cmp(a: Version, b: Version) -> int:
    return -1 if a < b else (1 if a > b else 0)


SCHEME = CompareScheme("dpkg", _parse, _cmp)
SCHEMES = {"dpkg": SCHEME}
