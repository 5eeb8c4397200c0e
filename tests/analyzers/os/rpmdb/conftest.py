"""Shared fixtures for the rpmdb reader tests: the real test databases and a header builder.

The test modules use the builders through fixtures only (no ``import conftest``), so they keep
working whatever other conftest files the suite gains.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# tests/analyzers/os/rpmdb/ -> tests/data/rpmdb (a copy of the team's shared real rpm databases)
TESTDATA = Path(__file__).parents[3] / "data" / "rpmdb"

INT8, INT16, INT32, INT64, STRING, BIN, STRING_ARRAY, I18NSTRING = 2, 3, 4, 5, 6, 7, 8, 9
_INT_FORMATS = {INT8: "B", INT16: "H", INT32: "I", INT64: "Q"}

TagValue = str | bytes | Sequence[str] | Sequence[int]
Tag = tuple[int, int, TagValue]
HeaderBuilder = Callable[..., bytes]


def _encode(type_: int, value: TagValue) -> tuple[bytes, int]:
    """Return the data bytes and the count of one tag value."""
    if type_ == STRING:
        assert isinstance(value, str)
        return value.encode() + b"\0", 1
    if type_ == BIN:
        assert isinstance(value, bytes)
        return value, len(value)
    assert not isinstance(value, str | bytes)
    if type_ in (STRING_ARRAY, I18NSTRING):
        return b"".join(str(item).encode() + b"\0" for item in value), len(value)
    ints = [int(item) for item in value]
    return struct.pack(f">{len(ints)}{_INT_FORMATS[type_]}", *ints), len(ints)


def _append(data: bytearray, type_: int, value: TagValue) -> tuple[int, int]:
    """Append one value to the data store with rpm's alignment; return its offset and count."""
    align = {INT16: 2, INT32: 4, INT64: 8}.get(type_, 1)
    data.extend(b"\0" * (-len(data) % align))
    encoded, count = _encode(type_, value)
    offset = len(data)
    data.extend(encoded)
    return offset, count


def build_header(tags: Sequence[Tag], *, region: bool = True, dribble: Sequence[Tag] = ()) -> bytes:
    """Build an rpm header blob like rpm stores it: an immutable region, then optional dribble tags."""
    data = bytearray()
    index = [(tag, type_, *_append(data, type_, value)) for tag, type_, value in tags]
    if region:
        trailer_offset = len(data)
        data.extend(struct.pack(">iIiI", 63, BIN, -(len(index) + 1) * 16, 16))
        index.insert(0, (63, BIN, trailer_offset, 16))
    index += [(tag, type_, *_append(data, type_, value)) for tag, type_, value in dribble]
    entries = b"".join(struct.pack(">iIiI", *entry) for entry in index)
    return struct.pack(">II", len(index), len(data)) + entries + bytes(data)


def package_tags(**overrides: Tag) -> list[Tag]:
    """A typical package's tags; ``overrides`` replace or add tags by keyword."""
    tags: dict[str, Tag] = {
        "i18n": (100, STRING_ARRAY, ["C"]),
        "name": (1000, STRING, "demo"),
        "version": (1001, STRING, "1.2.3"),
        "release": (1002, STRING, "4.el9"),
        "summary": (1004, I18NSTRING, ["A demo package"]),
        "size": (1009, INT32, [4096]),
        "vendor": (1011, STRING, "Example"),
        "license": (1014, STRING, "MIT"),
        "packager": (1015, STRING, "Builder <b@example.com>"),
        "arch": (1022, STRING, "x86_64"),
        "sourcerpm": (1044, STRING, "demo-1.2.3-4.el9.src.rpm"),
        "dirindexes": (1116, INT32, [0, 1, 1]),
        "basenames": (1117, STRING_ARRAY, ["bin", "demo", "demo.conf"]),
        "dirnames": (1118, STRING_ARRAY, ["/usr/", "/etc/demo/"]),
    }
    tags.update(overrides)
    return sorted(tags.values())


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The directory with the real rpmdb files (see tests/data/README.md)."""
    assert (TESTDATA / "cbl-mariner-2.0" / "rpmdb.sqlite").is_file(), f"missing test data in {TESTDATA}"
    return TESTDATA


@pytest.fixture(scope="session")
def make_header() -> HeaderBuilder:
    """:func:`build_header` as a fixture."""
    return build_header


@pytest.fixture(scope="session")
def make_tags() -> Callable[..., list[Tag]]:
    """:func:`package_tags` as a fixture."""
    return package_tags
