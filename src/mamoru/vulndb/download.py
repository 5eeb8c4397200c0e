"""Resumable, verified downloads (HTTP(S) with the standard library, or a copy from a mirror directory).

A download goes to ``<file>.part`` with its validator (ETag / Last-Modified) beside it in
``<file>.part.json``. An interrupted download resumes with ``Range`` and ``If-Range``: if the file
changed on the server meanwhile, the server answers with the whole new file and the part is
restarted, so old and new bytes never mix. A finished download is checked against the size the
server announced and, when known (a mirror's ``SHA256SUMS``), its SHA-256; only then does it replace
the previous copy. A later run sends ``If-None-Match`` / ``If-Modified-Since`` and keeps the copy on
``304 Not Modified``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mamoru import __version__
from mamoru.errors import MamoruError

CHUNK = 1 << 20
TIMEOUT = 60
MAX_DOWNLOAD = 4 << 30  # no feed is anywhere near this

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


class DownloadError(MamoruError):
    """A feed could not be fetched or failed verification (``missing``: the source does not have it)."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True, slots=True)
class Fetched:
    """A downloaded file and whether this run changed it."""

    path: Path
    changed: bool
    sha256: str


def fetch(source: str, target: Path, sha256: str | None = None, progress: Progress | None = None) -> Fetched:
    """Fetch ``source`` (an http(s) URL, a ``file:`` URL or a local path) to ``target``, verified."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.startswith(("http://", "https://")):
        return _http(source, target, sha256, progress)
    local = Path(source.removeprefix("file://")) if source.startswith("file://") else Path(source)
    return _copy(local, target, sha256, progress)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(source: Path, target: Path, sha256: str | None, progress: Progress | None) -> Fetched:
    if not source.is_file():
        raise DownloadError(f"{source} does not exist in the mirror", missing=True)
    if target.exists() and sha256 and sha256_of(target) == sha256:
        return Fetched(target, False, sha256)
    part = target.with_name(target.name + ".part")
    size = source.stat().st_size
    with open(source, "rb") as reader, open(part, "wb") as writer:
        copied = 0
        for chunk in iter(lambda: reader.read(CHUNK), b""):
            writer.write(chunk)
            copied += len(chunk)
            if progress is not None:
                progress(copied, size)
    return _finish(part, target, size, sha256)


def _http(url: str, target: Path, sha256: str | None, progress: Progress | None) -> Fetched:
    part = target.with_name(target.name + ".part")
    state_path = target.with_name(target.name + ".part.json")
    done_path = target.with_name(target.name + ".json")
    state = _load(state_path) if part.exists() else {}
    offset = part.stat().st_size if part.exists() and state else 0
    headers = {"User-Agent": f"mamoru/{__version__}", "Accept-Encoding": "identity"}
    validator = state.get("etag") or state.get("last_modified")
    if offset and validator:
        headers["Range"] = f"bytes={offset}-"
        headers["If-Range"] = validator
    elif target.exists() and not (sha256 and sha256_of(target) != sha256):
        previous = _load(done_path)
        if previous.get("etag"):
            headers["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = previous["last_modified"]
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the scheme is checked above
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            digest = sha256_of(target)
            if sha256 and digest != sha256:
                raise DownloadError(f"{url}: the kept copy does not match its SHA-256") from None
            return Fetched(target, False, digest)
        if exc.code == 416 and offset:  # the part is complete already, or stale: start over next time
            _discard(part, state_path)
            raise DownloadError(f"{url}: the server refused to resume; run the update again") from None
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}", missing=exc.code in (404, 410)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: {reason}") from None
    with response:
        resumed = response.status == 206
        if not resumed:
            offset = 0
        total = _total(response.headers, offset, resumed)
        new_state = {"etag": response.headers.get("ETag") or "", "last_modified": response.headers.get("Last-Modified")
                     or "", "url": url}  # fmt: skip
        if resumed and (state.get("etag") or state.get("last_modified")):
            new_state = {**state, **{k: v for k, v in new_state.items() if v}}
        state_path.write_text(json.dumps(new_state))
        written = offset
        try:
            with open(part, "ab" if resumed else "wb") as writer:
                while chunk := response.read(CHUNK):
                    writer.write(chunk)
                    written += len(chunk)
                    if written > MAX_DOWNLOAD:
                        raise DownloadError(f"{url}: larger than {MAX_DOWNLOAD >> 30} GiB")
                    if progress is not None:
                        progress(written, total)
        except (OSError, ValueError) as exc:  # a dropped connection: keep the part for the next run
            raise DownloadError(
                f"{url}: interrupted after {written} bytes ({exc}); run the update again to resume"
            ) from None
    if total is not None and written != total:
        raise DownloadError(f"{url}: got {written} of {total} bytes; run the update again to resume")
    fetched = _finish(part, target, total, sha256)
    done_path.write_text(json.dumps(new_state))
    state_path.unlink(missing_ok=True)
    return fetched


def _total(headers: object, offset: int, resumed: bool) -> int | None:
    get = getattr(headers, "get", lambda _key: None)
    content_range = get("Content-Range") or ""
    if resumed and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = get("Content-Length")
    if length is not None and str(length).isdigit():
        return int(length) + (offset if resumed else 0)
    return None


def _finish(part: Path, target: Path, size: int | None, sha256: str | None) -> Fetched:
    actual = part.stat().st_size
    if size is not None and actual != size:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{target.name}: {actual} bytes instead of {size}")
    digest = sha256_of(part)
    if sha256 and digest != sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{target.name}: SHA-256 {digest[:16]}… does not match the mirror's {sha256[:16]}…")
    changed = not target.exists() or sha256_of(target) != digest
    os.replace(part, target)
    return Fetched(target, changed, digest)


def _discard(part: Path, state: Path) -> None:
    part.unlink(missing_ok=True)
    state.unlink(missing_ok=True)


def _load(path: Path) -> dict[str, str]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if isinstance(data, dict):
            return {str(k): str(v) for k, v in data.items()}
    return {}
