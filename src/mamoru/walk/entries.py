"""Layer entries: one file, directory, link or special file of a layer, from a tar or a directory."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from mamoru.model.inventory import FileKind, Note


class ContentReader(Protocol):
    """What ``LayerEntry.open()`` returns: a readable, closeable byte stream."""

    def read(self, size: int = -1, /) -> bytes: ...

    def __enter__(self) -> ContentReader: ...

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> object: ...


@dataclass(slots=True, kw_only=True)
class LayerEntry:
    """One entry of a layer. ``open()`` is valid only while the entry is the current one."""

    path: str  # normalised: relative, no "." or ".." parts, "" for the root itself
    kind: FileKind
    mode: int  # permission bits incl. setuid/setgid/sticky
    uid: int = 0
    gid: int = 0
    size: int = 0
    linkname: str = ""
    opener: Callable[[], ContentReader] | None = field(default=None, repr=False)

    def open(self) -> ContentReader:
        if self.opener is None:
            raise ValueError(f"/{self.path} has no readable content")
        return self.opener()


class LayerReader(Protocol):
    """Yields the entries of one layer, in the order the layer stores them."""

    def entries(self) -> Iterator[LayerEntry]: ...

    @property
    def notes(self) -> list[Note]: ...


def normalize_name(name: str) -> str | None:
    """Return the clean relative path of an archive member, or None when it escapes the root.

    ``./usr/bin/``, ``/usr/bin`` and ``usr//bin`` all become ``usr/bin``; ``a/../../etc`` is None.
    Names that are not valid UTF-8 keep their bytes visible as ``\\xNN`` escapes so that every path
    can be printed and serialised.
    """
    if name.startswith("./"):
        name = name[2:]  # how tar writes a directory's contents ("./usr/bin/"), GNU tar and mmdebstrap do
    if name.endswith("/"):
        name = name[:-1]  # directories
    if (
        name.isascii()
        and "//" not in name
        and "/." not in name
        and not name.startswith(("/", "."))
        and not name.endswith("/")
        and name
    ):
        return name  # already clean: the common case, checked without splitting
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            return None
        parts.append(part)
    path = "/".join(parts)
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            path = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def kind_from_mode(mode: int) -> FileKind:
    """Map an ``st_mode`` to a :class:`FileKind`."""
    if stat.S_ISREG(mode):
        return FileKind.FILE
    if stat.S_ISDIR(mode):
        return FileKind.DIR
    if stat.S_ISLNK(mode):
        return FileKind.SYMLINK
    if stat.S_ISCHR(mode):
        return FileKind.CHAR_DEVICE
    if stat.S_ISBLK(mode):
        return FileKind.BLOCK_DEVICE
    if stat.S_ISFIFO(mode):
        return FileKind.FIFO
    return FileKind.OTHER
