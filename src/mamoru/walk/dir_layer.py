"""Read a root filesystem directory as a single layer, without following symlinks."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import IO

from mamoru.model.inventory import FileKind, Note, NoteKind
from mamoru.walk.entries import LayerEntry, kind_from_mode

# Kernel pseudo filesystems hold no package data and can hang a reader (e.g. /proc/kcore, /dev/zero).
PSEUDO_TOP_DIRS = frozenset({"proc", "sys", "dev"})


class DirectoryLayerReader:
    """Entries of a directory tree, depth first, sorted by name, never leaving the tree.

    Directories in ``skip_dirs`` (paths relative to the root) are recorded but not entered.
    """

    def __init__(self, root: str, skip_dirs: frozenset[str] = PSEUDO_TOP_DIRS) -> None:
        self._root = os.path.abspath(root)
        self._skip_dirs = skip_dirs
        self.notes: list[Note] = []

    def entries(self) -> Iterator[LayerEntry]:
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            try:
                with os.scandir(os.path.join(self._root, rel_dir)) as iterator:
                    children = sorted(iterator, key=lambda e: e.name)
            except OSError as exc:
                self.notes.append(Note(kind=NoteKind.SKIPPED, path=rel_dir, message=f"cannot list: {exc.strerror}"))
                continue
            for child in children:
                rel = f"{rel_dir}/{child.name}" if rel_dir else child.name
                try:
                    info = child.stat(follow_symlinks=False)
                except OSError as exc:
                    self.notes.append(Note(kind=NoteKind.SKIPPED, path=rel, message=f"cannot stat: {exc.strerror}"))
                    continue
                entry = self._entry(rel, info)
                yield entry
                if entry.kind is FileKind.DIR and rel not in self._skip_dirs:
                    stack.append(rel)

    def _entry(self, rel: str, info: os.stat_result) -> LayerEntry:
        kind = kind_from_mode(info.st_mode)
        entry = LayerEntry(
            path=rel,
            kind=kind,
            mode=stat.S_IMODE(info.st_mode),
            uid=info.st_uid,
            gid=info.st_gid,
            size=info.st_size if kind is FileKind.FILE else 0,
        )
        if kind is FileKind.SYMLINK:
            try:
                entry.linkname = os.readlink(os.path.join(self._root, rel))
            except OSError:
                entry.linkname = ""
        elif kind is FileKind.FILE:
            entry.opener = lambda: _open_regular(os.path.join(self._root, rel))
        return entry


def _open_regular(path: str) -> IO[bytes]:
    """Open a file that must still be a regular file (no symlink, FIFO or device swapped in)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
