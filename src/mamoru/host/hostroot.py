"""A host root filesystem (``/`` or ``--root DIR``) read safely: paths resolve inside the root.

Symbolic links are followed the way a process chrooted into the root would see them (an absolute
target starts again at the root, ``..`` stops at it), with a bound on links, so a prepared or hostile
tree cannot point reads outside the root. Files are opened without following a final link that
appeared after resolution, special files are never opened, and every read is bounded. Problems
become notes (``unreadable host files: one line each``), never exceptions for the checks.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from mamoru.model.inventory import Note, NoteKind

MAX_LINKS = 40
DEFAULT_READ = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileInfo:
    """Owner, mode and type of a host path (after following links inside the root)."""

    path: str  # relative to the root, resolved
    mode: int
    uid: int
    gid: int
    size: int

    @property
    def permissions(self) -> int:
        return stat.S_IMODE(self.mode)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_socket(self) -> bool:
        return stat.S_ISSOCK(self.mode)


@dataclass(slots=True)
class HostRoot:
    """The host's root directory; ``live`` when it is this machine's ``/`` (``/proc`` may be read)."""

    root: str
    notes: list[Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = os.path.realpath(self.root)

    @property
    def live(self) -> bool:
        return self.root == "/"

    def resolve(self, path: str) -> str | None:
        """``path`` (absolute or relative to the root) with links resolved inside the root; None if missing."""
        parts = [p for p in path.strip("/").split("/") if p not in ("", ".")]
        resolved: list[str] = []
        links = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = os.path.join(self.root, *resolved, part)
            try:
                info = os.lstat(candidate)
            except OSError:
                return None
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > MAX_LINKS:
                    self.note(path, "too many levels of symbolic links")
                    return None
                try:
                    target = os.readlink(candidate)
                except OSError:
                    return None
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            resolved.append(part)
        return "/".join(resolved)

    def real(self, relative: str) -> str:
        """The path on this machine of a resolved relative path."""
        return os.path.join(self.root, relative) if relative else self.root

    def info(self, path: str) -> FileInfo | None:
        """Owner and mode of ``path``; None when it does not exist (an unreadable one is noted)."""
        relative = self.resolve(path)
        if relative is None:
            return None
        try:
            st = os.lstat(self.real(relative))
        except OSError as exc:
            self.note(path, f"cannot stat: {exc.strerror}")
            return None
        return FileInfo(relative, st.st_mode, st.st_uid, st.st_gid, st.st_size)

    def exists(self, path: str) -> bool:
        relative = self.resolve(path)
        return relative is not None and os.path.lexists(self.real(relative))

    def read(self, path: str, limit: int = DEFAULT_READ) -> bytes | None:
        """A regular file's first ``limit`` bytes; None when missing, special or unreadable (noted)."""
        relative = self.resolve(path)
        if relative is None:
            return None
        try:
            fd = os.open(self.real(relative), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            self.note(path, f"cannot open: {exc.strerror}")
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self.note(path, "not a regular file: not read")
                return None
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb") as handle:
                fd = -1
                data = handle.read(limit + 1)
        except OSError as exc:
            self.note(path, f"cannot read: {exc.strerror}")
            return None
        finally:
            if fd >= 0:
                os.close(fd)
        if len(data) > limit:
            self.note(path, f"larger than {limit} bytes: only the start was read", NoteKind.LIMIT)
            data = data[:limit]
        return data

    def text(self, path: str, limit: int = DEFAULT_READ) -> str | None:
        data = self.read(path, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def listdir(self, path: str, limit: int = 10_000) -> list[str]:
        """Names in a directory (sorted, bounded); empty when it is missing or unreadable (noted)."""
        relative = self.resolve(path)
        if relative is None:
            return []
        try:
            names = sorted(os.listdir(self.real(relative)))
        except NotADirectoryError:
            return []
        except OSError as exc:
            self.note(path, f"cannot list: {exc.strerror}")
            return []
        if len(names) > limit:
            self.note(path, f"more than {limit} entries: only the first are read", NoteKind.LIMIT)
        return names[:limit]

    def note(self, path: str, message: str, kind: NoteKind = NoteKind.WARNING) -> None:
        item = Note(kind=kind, message=message, path=path.strip("/"), source="host")
        if item not in self.notes:
            self.notes.append(item)
