"""The squashed view follows the OCI whiteout rules."""

from __future__ import annotations

from mamoru.model.inventory import FileKind, FileRecord
from mamoru.walk.squash import SquashedIndex


def rec(path: str, layer: int, kind: FileKind = FileKind.FILE) -> FileRecord:
    return FileRecord(path=path, layer_index=layer, kind=kind, mode=0o644, uid=0, gid=0, size=1)


def test_later_layer_replaces_file_and_reports_predecessor() -> None:
    index = SquashedIndex()
    first = rec("etc/passwd", 0)
    index.add(first)
    index.begin_layer(1)
    second = rec("etc/passwd", 1)
    assert index.add(second) is first
    assert not first.visible and second.visible
    assert index.visible("etc/passwd") is second


def test_whiteout_hides_lower_subtree_but_not_same_layer_entries() -> None:
    index = SquashedIndex()
    lower = [rec("opt/app", 0, FileKind.DIR), rec("opt/app/a", 0), rec("opt/app/sub/b", 0)]
    for r in lower:
        index.add(r)
    index.begin_layer(1)
    same_layer = rec("opt/app/new", 1)
    index.add(same_layer)  # a layer may list its own files before its whiteouts
    index.whiteout("opt/app")
    assert not any(r.visible for r in lower)
    assert same_layer.visible


def test_opaque_hides_children_only() -> None:
    index = SquashedIndex()
    directory, old = rec("opt/data", 0, FileKind.DIR), rec("opt/data/old.txt", 0)
    index.add(directory)
    index.add(old)
    index.begin_layer(1)
    index.opaque("opt/data")
    new = rec("opt/data/new.txt", 1)
    index.add(new)
    assert directory.visible and new.visible and not old.visible


def test_file_replacing_directory_hides_its_children() -> None:
    index = SquashedIndex()
    child = rec("srv/x/y", 0)
    index.add(rec("srv/x", 0, FileKind.DIR))
    index.add(child)
    index.begin_layer(1)
    index.add(rec("srv/x", 1, FileKind.SYMLINK))
    assert not child.visible


def test_whiteout_of_missing_path_and_deep_paths_are_harmless() -> None:
    index = SquashedIndex()
    deep = "/".join(["d"] * 3000)  # deeper than Python's recursion limit
    record = rec(deep, 0)
    index.add(record)
    index.begin_layer(1)
    index.whiteout("does/not/exist")
    index.whiteout("d")
    assert not record.visible
