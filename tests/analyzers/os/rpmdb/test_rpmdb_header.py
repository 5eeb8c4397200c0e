"""parse_header on hand-made, mutated and random header blobs."""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mamoru.analyzers.os.rpmdb import MAX_HEADER_SIZE, RpmDbError, iter_sqlite_blobs, parse_header

INT16, INT32, INT64, STRING, BIN, STRING_ARRAY, I18NSTRING = 3, 4, 5, 6, 7, 8, 9
FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
Tag = tuple[int, int, Any]
HeaderBuilder = Callable[..., bytes]
TagsFactory = Callable[..., list[Tag]]


@functools.cache
def _real_blobs(testdata: Path) -> list[bytes]:
    return list(iter_sqlite_blobs(str(testdata / "cbl-mariner-2.0" / "rpmdb.sqlite")))


def _patch(blob: bytes, at: int, value: int) -> bytes:
    """Overwrite the big-endian 32-bit field at ``at``."""
    return blob[:at] + struct.pack(">i" if value < 0 else ">I", value) + blob[at + 4 :]


def _set_entry(blob: bytes, position: int, *, offset: int | None = None, count: int | None = None) -> bytes:
    """Rewrite the offset and/or count of index entry ``position``."""
    start = 8 + 16 * position
    tag, type_, old_offset, old_count = struct.unpack_from(">iIiI", blob, start)
    entry = struct.pack(
        ">iIiI",
        tag,
        type_,
        old_offset if offset is None else offset,
        old_count if count is None else count,
    )
    return blob[:start] + entry + blob[start + 16 :]


def _position(blob: bytes, tag: int) -> int:
    (il,) = struct.unpack_from(">I", blob)
    tags = [entry[0] for entry in struct.iter_unpack(">iIiI", blob[8 : 8 + 16 * il])]
    return tags.index(tag)


def test_typical_header(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    record = parse_header(make_header(make_tags()))
    assert record.name == "demo"
    assert (record.epoch, record.version, record.release, record.arch) == (None, "1.2.3", "4.el9", "x86_64")
    assert (record.source_rpm, record.license, record.vendor) == (
        "demo-1.2.3-4.el9.src.rpm",
        "MIT",
        "Example",
    )
    assert (record.summary, record.packager, record.modularity_label) == (
        "A demo package",
        "Builder <b@example.com>",
        "",
    )
    assert record.installed_size == 4096
    assert record.files == ("/usr/bin", "/etc/demo/demo", "/etc/demo/demo.conf")


def test_epoch_present_and_zero(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    assert parse_header(make_header(make_tags(epoch=(1003, INT32, [0])))).epoch == 0
    assert parse_header(make_header(make_tags(epoch=(1003, INT32, [7])))).epoch == 7


def test_header_without_region(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    assert parse_header(make_header(make_tags(), region=False)).name == "demo"


def test_dribble_entries_override_the_region(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags(), dribble=[(1014, STRING, "GPL-2.0-only")])
    assert parse_header(blob).license == "GPL-2.0-only"


def test_longsize_wins_over_size(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags(longsize=(5009, INT64, [5 * 2**32])))
    assert parse_header(blob).installed_size == 5 * 2**32


def test_modularity_label_and_summary_locale(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    tags = make_tags(
        i18n=(100, STRING_ARRAY, ["C", "de"]),
        summary=(1004, I18NSTRING, ["English", "Deutsch"]),
        label=(5096, STRING, "nodejs:18:8080020230719092125:rhel8"),
    )
    record = parse_header(make_header(tags))
    assert record.summary == "English"
    assert record.modularity_label == "nodejs:18:8080020230719092125:rhel8"


def test_old_filenames(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    tags = [tag for tag in make_tags() if tag[0] not in (1116, 1117, 1118)]
    tags.append((1027, STRING_ARRAY, ["/bin/old", "/etc/old.conf"]))
    assert parse_header(make_header(sorted(tags))).files == ("/bin/old", "/etc/old.conf")


def test_package_without_files(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    tags = [tag for tag in make_tags() if tag[0] not in (1116, 1117, 1118)]
    assert parse_header(make_header(tags)).files == ()


def test_undecodable_bytes(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags(basenames=(1117, STRING_ARRAY, ["bin", "dXmo", "x"])))
    blob = blob.replace(b"dXmo", b"d\xe9mo")
    assert parse_header(blob).files[1] == "/etc/demo/d\udce9mo"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": (1000, STRING, "")}, "no NAME"),
        ({"dirindexes": (1116, INT32, [0, 1, 2])}, "DIRINDEXES value 2"),
        ({"dirindexes": (1116, INT32, [0, 1])}, "3 BASENAMES but 2 DIRINDEXES"),
        ({"dirnames": (1118, INT16, [1])}, "unexpected type"),
        ({"name": (1000, INT32, [1])}, "unexpected type"),
        ({"epoch": (1003, STRING, "1")}, "unexpected type"),
    ],
)
def test_bad_tag_values(
    make_header: HeaderBuilder, make_tags: TagsFactory, change: dict[str, Tag], message: str
) -> None:
    with pytest.raises(RpmDbError, match=message):
        parse_header(make_header(make_tags(**change)))


def test_missing_dirnames(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    tags = [tag for tag in make_tags() if tag[0] != 1118]
    with pytest.raises(RpmDbError, match="without DIRNAMES"):
        parse_header(make_header(tags))


def test_missing_name(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    with pytest.raises(RpmDbError, match="no NAME"):
        parse_header(make_header([tag for tag in make_tags() if tag[0] != 1000]))


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "too short"),
        (b"\0\0\0", "too short"),
        (struct.pack(">II", 0, 0), "index count 0"),
        (struct.pack(">II", 0x10000, 0), "index count 65536"),
        (struct.pack(">II", 1, MAX_HEADER_SIZE + 1), "exceeds"),
        (struct.pack(">II", 1, 4) + b"\0" * 16, "intro says 28"),
        (struct.pack(">II", 1, 5) + struct.pack(">iIiI", 1000, 6, 0, 1) + b"abc\0", "header is 28"),
    ],
)
def test_bad_intro(blob: bytes, message: str) -> None:
    with pytest.raises(RpmDbError, match=message):
        parse_header(blob)


def test_offset_beyond_data(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags())
    (dl,) = struct.unpack_from(">I", blob, 4)
    for offset in (dl, dl + 100, 2**31 - 1, -1, -(2**31)):
        with pytest.raises(RpmDbError, match="offset"):
            parse_header(_set_entry(blob, _position(blob, 1000), offset=offset))


def test_counts_beyond_data(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags())
    for tag, count in ((1117, 1000), (1117, 2**32 - 1), (1116, 2**30), (1004, 0), (1000, 2)):
        with pytest.raises(RpmDbError):
            parse_header(_set_entry(blob, _position(blob, tag), count=count))


def test_unterminated_string() -> None:
    blob = struct.pack(">II", 1, 4) + struct.pack(">iIiI", 1000, STRING, 0, 1) + b"demo"
    with pytest.raises(RpmDbError, match="string runs past"):
        parse_header(blob)
    index = struct.pack(">iIiI", 1000, STRING, 0, 1) + struct.pack(">iIiI", 1117, STRING_ARRAY, 2, 3)
    with pytest.raises(RpmDbError, match="3 strings run past"):
        parse_header(struct.pack(">II", 2, 6) + index + b"x\0a\0b\0")


def test_too_many_files(make_header: HeaderBuilder) -> None:
    blob = make_header([(1000, STRING, "x"), (1027, STRING_ARRAY, [""] * 600_000)], region=False)
    with pytest.raises(RpmDbError, match="more than the limit"):
        parse_header(blob)


def test_misaligned_integer(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags())
    position = _position(blob, 1009)
    offset = struct.unpack_from(">i", blob, 8 + 16 * position + 8)[0]
    with pytest.raises(RpmDbError, match="bad offset"):
        parse_header(_set_entry(blob, position, offset=offset + 1))


def test_unknown_type_and_reserved_tag(make_header: HeaderBuilder) -> None:
    blob = make_header([(1000, STRING, "x"), (1150, BIN, b"ab")], region=False)
    assert parse_header(blob).name == "x"
    entry = 8 + 16  # the second index entry: tag, type, offset, count
    for type_ in (0, 10, 2**32 - 1):
        with pytest.raises(RpmDbError, match=f"unknown type {type_}"):
            parse_header(_patch(blob, entry + 4, type_))
    with pytest.raises(RpmDbError, match="reserved tag"):
        parse_header(_patch(blob, entry, 62))


def test_bad_region(make_header: HeaderBuilder, make_tags: TagsFactory) -> None:
    blob = make_header(make_tags())
    (il, dl) = struct.unpack_from(">II", blob)
    trailer_at = 8 + 16 * il + struct.unpack_from(">i", blob, 8 + 8)[0]
    cases = {
        "bad type": blob[:12] + struct.pack(">I", 4) + blob[16:],
        "trailer offset": _set_entry(blob, 0, offset=dl - 8),
        "bad trailer": blob[:trailer_at] + struct.pack(">i", 62) + blob[trailer_at + 4 :],
        "bad region size": blob[: trailer_at + 8] + struct.pack(">i", -(il + 1) * 16) + blob[trailer_at + 12 :],
    }
    for message, broken in cases.items():
        with pytest.raises(RpmDbError, match=message):
            parse_header(broken)


def test_real_headers_survive_every_truncation(testdata: Path) -> None:
    blob = min(_real_blobs(testdata), key=len)
    for size in range(0, len(blob), max(1, len(blob) // 200)):
        with pytest.raises(RpmDbError):
            parse_header(blob[:size])
    with pytest.raises(RpmDbError):
        parse_header(blob + b"\0")


def _parse_or_reject(blob: bytes) -> None:
    try:
        parse_header(blob)
    except RpmDbError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _parse_or_reject(blob)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from([63, 100, 1000, 1003, 1004, 1009, 1116, 1117, 1118, 5009, 1027]),
            st.integers(0, 12),
            st.integers(-(2**31), 2**31 - 1) | st.integers(-4, 64),
            st.integers(0, 2**32 - 1) | st.integers(0, 8),
        ),
        min_size=1,
        max_size=12,
    ),
    st.binary(max_size=96),
)
def test_fuzz_random_index(entries: list[tuple[int, int, int, int]], data: bytes) -> None:
    index = b"".join(struct.pack(">iIiI", *entry) for entry in entries)
    _parse_or_reject(struct.pack(">II", len(entries), len(data)) + index + data)


@FUZZ
@given(st.data())
def test_fuzz_mutated_real_header(testdata: Path, data: st.DataObject) -> None:
    blob = bytearray(data.draw(st.sampled_from(_real_blobs(testdata)[:8])))
    (il,) = struct.unpack_from(">I", blob)
    hot = st.integers(0, 8 + 16 * il - 1)  # the intro and index, where damage matters most
    for position in data.draw(st.lists(hot | st.integers(0, len(blob) - 1), min_size=1, max_size=6)):
        blob[position] = data.draw(st.integers(0, 255))
    _parse_or_reject(bytes(blob))
