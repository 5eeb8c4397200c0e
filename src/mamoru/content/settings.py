"""User settings for content scanning: their YARA rules, hash lists and secret allow-list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentSettings:
    """What the user adds to the built-in content checks (``--yara-rules``, ``--malware-hashes`` …)."""

    yara_paths: tuple[Path, ...] = ()  # .yar/.yara files or directories of them
    hash_lists: tuple[Path, ...] = ()  # sha256 lists, ClamAV .hdb (md5) and .hsb (sha1/sha256)
    secret_allowlist: tuple[tuple[str | None, str | None, str | None], ...] = field(default=())  # rule, glob, hash


def load_secret_allowlist(path: Path) -> tuple[tuple[str | None, str | None, str | None], ...]:
    """Read a secret allow-list: a YAML list (or ``{allow: [...]}``) of entries with ``rule``, ``path`` (a glob)
    and/or ``hash`` (``sha256:…`` as reports show it), and a required ``reason``."""
    import yaml

    from mamoru.errors import UsageError

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read the secret allow-list: {exc}") from None
    entries = document.get("allow") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise UsageError(f"{path}: expected a list of allow-list entries")
    allow = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("reason"):
            raise UsageError(f"{path}: entry {number} needs a reason")
        rule, glob, value = entry.get("rule"), entry.get("path"), entry.get("hash")
        if not any((rule, glob, value)):
            raise UsageError(f"{path}: entry {number} names no rule, path or hash (it would allow everything)")
        allow.append((str(rule) if rule else None, str(glob).lstrip("/") if glob else None,
                      str(value) if value else None))  # fmt: skip
    return tuple(allow)
