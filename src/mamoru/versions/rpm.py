"""rpm version order (RHEL, AlmaLinux, Rocky, CentOS, Oracle, Fedora, SUSE): ``[epoch:]version[-release]``.

Segments compare with univers' ``rpm.vercmp`` (rpm's ``rpmvercmp``: alternating numeric and alpha
segments, ``~`` sorts before everything, ``^`` after the end of a version but before any other
segment); mamoru splits the EVR the way rpm's ``rpmverParse`` does (epoch = leading digits before
``:``, release = after the last ``-``) and compares epoch, version, release in turn, with a missing
epoch as 0. Checked against rpm's own ``labelCompare`` and ``rpm.ver`` in ``tests/versions/test_rpm.py``.

Advisories often omit the epoch (AlmaLinux's OSV data says ``3.0.7-28.el9_4`` for a package installed
as ``1:3.0.7-27.el9``): :func:`align_epoch` gives such a bound the installed package's epoch, as
Grype's ``auto`` missing-epoch strategy does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from univers import rpm as univers_rpm

from mamoru.versions import CompareScheme, InvalidVersion

MAX_LENGTH = 256
vercmp: Callable[[str, str], int] = univers_rpm.vercmp  # rpmvercmp of two version or release strings


class EVR(NamedTuple):
    """An rpm version split into epoch (None when absent), version and release."""

    epoch: int | None
    version: str
    release: str


def split_evr(text: str) -> EVR:
    """``1:2.3-4.el9`` → (1, "2.3", "4.el9"), as rpm parses it."""
    epoch: int | None = None
    head, colon, rest = text.partition(":")
    if colon and head.isdigit() and head.isascii():
        epoch, text = int(head), rest
    version, dash, release = text.rpartition("-")
    if not dash:
        version, release = text, ""
    return EVR(epoch, version, release)


def _parse(text: str) -> EVR:
    if not text or len(text) > MAX_LENGTH or any(c.isspace() for c in text) or not text.isascii():
        raise InvalidVersion(f"not an rpm version: {text[:80]!r}")
    evr = split_evr(text)
    if not evr.version or text.endswith("-"):
        raise InvalidVersion(f"not an rpm version: {text!r}")
    return evr


def _cmp(a: EVR, b: EVR) -> int:
    epoch_a, epoch_b = a.epoch or 0, b.epoch or 0
    if epoch_a != epoch_b:
        return -1 if epoch_a < epoch_b else 1
    result = vercmp(a.version, b.version)
    if result:
        return result
    return vercmp(a.release, b.release)


def align_epoch(bound: str, installed: str) -> str:
    """``bound`` with the installed version's epoch when the bound has none."""
    if split_evr(bound).epoch is not None:
        return bound
    epoch = split_evr(installed).epoch
    return f"{epoch}:{bound}" if epoch else bound


SCHEME = CompareScheme("rpm", _parse, _cmp)
SCHEMES = {"rpm": SCHEME}
