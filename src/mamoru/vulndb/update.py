"""``mamoru db update``: fetch every feed (public, or from a mirror), verify it, rebuild the database, swap it in.

Downloads are kept under ``<database dir>/feeds/`` in the mirror layout, so an interrupted update
resumes where it stopped and an unchanged feed is not fetched again. The database is rebuilt from the
downloaded files and replaced only when every selected feed was fetched and verified: a failed
update leaves the previous database in use and tells which feed failed. A feed the source does not
publish (404: an Alpine branch that does not exist yet) is left out with a warning — unless the
mirror's ``SHA256SUMS`` lists it, which makes its absence an error.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mamoru import __version__
from mamoru.vulndb.build import Source, import_sources
from mamoru.vulndb.download import DownloadError, Progress, fetch, sha256_of
from mamoru.vulndb.feeds import CHECKSUMS, Feed
from mamoru.vulndb.importers import ImportStats

MAX_CHECKSUMS = 4 << 20


@dataclass(slots=True)
class UpdateResult:
    """What an update fetched, what failed, and the import's statistics."""

    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # not published by the source (e.g. a new Alpine branch)
    failed: dict[str, str] = field(default_factory=dict)
    stats: ImportStats | None = None


def feeds_dir(db_path: Path) -> Path:
    return db_path.absolute().parent / "feeds"


def update(
    db_path: Path,
    feeds: list[Feed],
    mirror: str | None = None,
    on_feed: Callable[[Feed], Progress | None] | None = None,
    download_only: Path | None = None,
) -> UpdateResult:
    """Fetch ``feeds`` (from ``mirror`` when given) and rebuild the database.

    With ``download_only``, the feeds go to that directory in the mirror layout (with a ``SHA256SUMS``)
    and no database is built: the directory is a mirror for ``--mirror``.
    """
    result = UpdateResult()
    directory = download_only or feeds_dir(db_path)
    checksums = _checksums(mirror) if mirror else {}
    for feed in feeds:
        source = _location(feed, mirror)
        try:
            fetched = fetch(source, directory / feed.path, checksums.get(feed.path), on_feed(feed) if on_feed else None)
        except DownloadError as exc:
            # a file the source does not publish is not an error, unless the mirror's checksums list it
            if exc.missing and feed.path not in checksums:
                result.missing[feed.name] = str(exc)
                (directory / feed.path).unlink(missing_ok=True)
            else:
                result.failed[feed.name] = str(exc)
            continue
        (result.fetched if fetched.changed else result.unchanged).append(feed.name)
    if len(result.missing) == len(feeds):
        result.failed, result.missing = result.missing, {}
    if result.failed or download_only:
        if download_only and not result.failed:
            _write_checksums(directory, [f for f in feeds if f.name not in result.missing])
        return result
    sources = [Source(directory / f.path, _location(f, mirror)) for f in feeds if f.name not in result.missing]
    result.stats = import_sources(db_path, sources, fresh=True)
    return result


def _location(feed: Feed, mirror: str | None) -> str:
    if mirror is None:
        return feed.url
    if mirror.startswith(("http://", "https://", "file://")):
        return f"{mirror.rstrip('/')}/{feed.path}"
    return str(Path(mirror) / feed.path)


def _checksums(mirror: str) -> dict[str, str]:
    """The mirror's ``SHA256SUMS`` (path → digest), or {} when it has none."""
    location = _location(Feed(CHECKSUMS, "", CHECKSUMS, ""), mirror)
    try:
        if location.startswith(("http://", "https://")):
            request = urllib.request.Request(location, headers={"User-Agent": f"mamoru/{__version__}"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - http(s) only
                text = response.read(MAX_CHECKSUMS).decode("utf-8", "replace")
        else:
            path = Path(location.removeprefix("file://"))
            if not path.is_file():
                return {}
            text = path.read_text("utf-8", "replace")[:MAX_CHECKSUMS]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return {}
        raise DownloadError(f"{location}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DownloadError(f"{location}: {getattr(exc, 'reason', exc)}") from None
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.strip().partition("  ")
        if len(digest) == 64 and name:
            sums[name.lstrip("*").removeprefix("./")] = digest.lower()
    return sums


def _write_checksums(directory: Path, feeds: list[Feed]) -> None:
    lines = [f"{sha256_of(directory / f.path)}  {f.path}" for f in feeds if (directory / f.path).is_file()]
    (directory / CHECKSUMS).write_text("\n".join(lines) + "\n")
