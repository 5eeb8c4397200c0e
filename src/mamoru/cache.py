"""mamoru's own cache directory: the only place mamoru writes to besides the report output."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import platformdirs

_override: Path | None = None


def set_cache_dir(path: str | os.PathLike[str] | None) -> None:
    """Use ``path`` as the cache directory (``--cache-dir``); None restores the default."""
    global _override  # noqa: PLW0603 - one process-wide setting, set once by the CLI
    _override = Path(path) if path is not None else None


def cache_dir() -> Path:
    """The cache directory: ``--cache-dir``, else ``$MAMORU_CACHE_DIR``, else the user cache dir."""
    if _override is not None:
        base = _override
    elif os.environ.get("MAMORU_CACHE_DIR"):
        base = Path(os.environ["MAMORU_CACHE_DIR"])
    else:
        base = Path(platformdirs.user_cache_dir("mamoru"))
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def scratch_dir() -> Path:
    """Where temporary spill files go (removed when done)."""
    path = cache_dir() / "tmp"
    path.mkdir(exist_ok=True, mode=0o700)
    return path


@contextmanager
def scratch_file(suffix: str = "") -> Iterator[tuple[IO[bytes], Path]]:
    """A private temporary file under the cache, deleted on exit."""
    handle = tempfile.NamedTemporaryFile(dir=scratch_dir(), suffix=suffix, delete=False)
    path = Path(handle.name)
    try:
        yield handle, path
    finally:
        handle.close()
        path.unlink(missing_ok=True)
