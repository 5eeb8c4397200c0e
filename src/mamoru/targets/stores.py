"""Blob stores: named byte ranges inside a directory or a tar archive, read without extracting.

An OCI layout, an oci-archive, a docker-archive and an extracted docker-archive differ only in
where their files live; readers in :mod:`mamoru.targets.oci` and :mod:`mamoru.targets.docker_archive`
see them all through :class:`BlobStore`.
"""

from __future__ import annotations

import json
import os
import stat
import tarfile
from typing import IO, Any, Protocol

from mamoru.errors import LimitExceeded, TargetError
from mamoru.walk.entries import normalize_name
from mamoru.walk.limits import Limits, MiB
from mamoru.walk.streams import Window

MAX_LINK_HOPS = 8
MAX_META_HEADER = 1 * MiB  # pax / GNU long-name headers: real ones are a few hundred bytes
MAX_SPARSE_FIELDS = 1 << 16


class BoundedTarInfo(tarfile.TarInfo):
    """TarInfo that refuses oversized metadata headers before :mod:`tarfile` reads them into memory.

    tarfile reads a pax or GNU long-name header's whole payload with one ``read(size)``; a hostile
    layer could claim gigabytes there. These hooks are tarfile's documented-by-source extension
    points (stable since Python 3.2).
    """

    def _proc_member(self, tarfile_: tarfile.TarFile) -> Any:
        if (
            self.type
            in (
                tarfile.GNUTYPE_LONGNAME,
                tarfile.GNUTYPE_LONGLINK,
                tarfile.XHDTYPE,
                tarfile.XGLTYPE,
                tarfile.SOLARIS_XHDTYPE,
            )
            and self.size > MAX_META_HEADER
        ):
            raise tarfile.HeaderError(f"metadata header of {self.size} bytes (limit {MAX_META_HEADER})")
        return super()._proc_member(tarfile_)  # type: ignore[misc]

    def _proc_gnusparse_10(self, next_: Any, pax_headers: Any, tarfile_: tarfile.TarFile) -> Any:
        head = tarfile_.fileobj.read(tarfile.BLOCKSIZE)
        fields, _, rest = head.partition(b"\n")
        if not fields.isdigit() or int(fields) > MAX_SPARSE_FIELDS:
            raise tarfile.HeaderError("malformed or oversized GNU sparse map")
        # The same parse tarfile does, but bounded by MAX_SPARSE_FIELDS and an end of data.
        numbers: list[int] = []
        buf = rest
        while len(numbers) < int(fields) * 2:
            if b"\n" not in buf:
                more = tarfile_.fileobj.read(tarfile.BLOCKSIZE)
                if not more:
                    raise tarfile.HeaderError("truncated GNU sparse map")
                buf += more
                continue
            number, _, buf = buf.partition(b"\n")
            if not number.isdigit():
                raise tarfile.HeaderError("malformed GNU sparse map")
            numbers.append(int(number))
        next_.offset_data = tarfile_.fileobj.tell()
        next_.sparse = list(zip(numbers[::2], numbers[1::2], strict=True))


def forget_members(archive: tarfile.TarFile) -> None:
    """Drop the TarInfo list tarfile keeps of every member read (unbounded memory on huge tars)."""
    archive.members.clear()  # type: ignore[attr-defined]  # a real attribute, missing from typeshed


class BlobStore(Protocol):
    """Read access to the named files of an image archive or layout."""

    name: str

    def exists(self, path: str) -> bool: ...

    def size(self, path: str) -> int: ...

    def open(self, path: str) -> tuple[IO[bytes], int]: ...

    def close(self) -> None: ...


def read_small(store: BlobStore, path: str, limits: Limits, what: str) -> bytes:
    """Read a metadata file whole, refusing anything larger than ``limits.max_metadata_bytes``."""
    handle, size = store.open(path)
    with handle:
        if size > limits.max_metadata_bytes:
            raise LimitExceeded(f"{what} is {size} bytes (limit {limits.max_metadata_bytes})")
        data = handle.read(limits.max_metadata_bytes + 1)
    if len(data) > limits.max_metadata_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_metadata_bytes} bytes")
    return data


def parse_json(data: bytes, what: str, expect: type = dict) -> Any:
    """Parse JSON metadata, with a one-line error naming the file when it is not what it must be."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise TargetError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, expect):
        raise TargetError(f"{what} is not a JSON {'object' if expect is dict else 'array'}")
    return value


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (untrusted metadata has any shape)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def safe_relative(path: str, what: str) -> str:
    """Validate a path named inside untrusted metadata; it must stay inside the store."""
    if "\x00" in path:
        raise TargetError(f"{what}: invalid path {path[:100]!r}")
    clean = normalize_name(path)
    if not clean:
        raise TargetError(f"{what}: path {path[:100]!r} leaves the archive")
    return clean


class DirectoryStore:
    """Files of a directory (OCI layout, extracted docker-archive); never follows links out of it."""

    def __init__(self, root: str) -> None:
        self.name = root
        self._root = os.path.realpath(root)

    def _resolve(self, path: str) -> str:
        clean = safe_relative(path, self.name)
        full = os.path.realpath(os.path.join(self._root, clean))
        if not full.startswith(self._root + os.sep):
            raise TargetError(f"{self.name}: {path!r} resolves outside the directory")
        return full

    def exists(self, path: str) -> bool:
        try:
            return os.path.isfile(self._resolve(path))
        except TargetError:
            return False

    def size(self, path: str) -> int:
        try:
            return os.stat(self._resolve(path)).st_size
        except OSError:
            raise TargetError(f"{self.name}: {path} is missing") from None

    def open(self, path: str) -> tuple[IO[bytes], int]:
        full = self._resolve(path)
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            raise TargetError(f"{self.name}: {path} is missing") from None
        except OSError as exc:
            raise TargetError(f"{self.name}: cannot open {path}: {exc.strerror}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise TargetError(f"{self.name}: {path} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size

    def close(self) -> None:
        pass


def _join_inside(base: str, link: str) -> str | None:
    """Resolve ``link`` against directory ``base`` within the archive; None if it climbs out."""
    parts = [p for p in base.split("/") if p]
    for part in link.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None


class TarStore:
    """Members of a tar archive (docker-archive, oci-archive), read in place through windows."""

    def __init__(self, path: str, limits: Limits, display_name: str | None = None) -> None:
        self.name = display_name or path
        try:
            self._file: IO[bytes] = open(path, "rb")
        except OSError as exc:
            raise TargetError(f"{self.name}: cannot open: {exc.strerror}") from None
        self._members: dict[str, tarfile.TarInfo] = {}
        try:
            self._index(limits)
        except BaseException:
            self._file.close()
            raise

    def _index(self, limits: Limits) -> None:
        file_size = os.fstat(self._file.fileno()).st_size
        try:
            archive = tarfile.open(fileobj=self._file, mode="r:", tarinfo=BoundedTarInfo)
            for count, member in enumerate(archive, start=1):
                if count > limits.max_outer_members:
                    raise LimitExceeded(f"{self.name} has more than {limits.max_outer_members} members")
                name = normalize_name(member.name)
                if member.isreg() and member.offset_data + member.size > file_size:
                    raise TargetError(f"{self.name} is truncated: {member.name[:100]} ends past the end of the file")
                if name:
                    self._members[name] = member
                forget_members(archive)
        except (tarfile.TarError, EOFError, ValueError, UnicodeError, OverflowError) as exc:
            raise TargetError(f"{self.name} is not a readable tar archive: {exc}") from None
        except OSError as exc:
            raise TargetError(f"{self.name}: read error: {exc}") from None

    def names(self) -> list[str]:
        return list(self._members)

    def _lookup(self, path: str) -> tarfile.TarInfo | None:
        name = safe_relative(path, self.name)
        for _ in range(MAX_LINK_HOPS):
            member = self._members.get(name)
            if member is None:
                return None
            if member.issym():
                parent = "" if member.linkname.startswith("/") else name.rpartition("/")[0]
                resolved = _join_inside(parent, member.linkname)
                if not resolved:
                    raise TargetError(f"{self.name}: {path} links outside the archive")
                name = resolved
            elif member.islnk():
                resolved = normalize_name(member.linkname)
                if not resolved:
                    raise TargetError(f"{self.name}: {path} links outside the archive")
                name = resolved
            else:
                return member
        raise TargetError(f"{self.name}: {path}: too many levels of links")

    def exists(self, path: str) -> bool:
        try:
            member = self._lookup(path)
        except TargetError:
            return False
        return member is not None and member.isreg()

    def size(self, path: str) -> int:
        member = self._lookup(path)
        if member is None:
            raise TargetError(f"{self.name}: {path} is missing from the archive")
        return member.size

    def open(self, path: str) -> tuple[IO[bytes], int]:
        member = self._lookup(path)
        if member is None:
            raise TargetError(f"{self.name}: {path} is missing from the archive")
        if not member.isreg():
            raise TargetError(f"{self.name}: {path} is not a regular file")
        if member.sparse:
            raise TargetError(f"{self.name}: {path} is a sparse member, which image archives never contain")
        window = Window(self._file, member.offset_data, member.size)
        return window, member.size  # type: ignore[return-value]

    def close(self) -> None:
        self._file.close()
