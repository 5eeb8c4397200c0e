"""The public advisory feeds ``mamoru db update`` downloads by default (configuration, nothing else).

Each feed has a public URL and a path in the *mirror layout*: a mirror (``--mirror URL`` or
``--mirror DIR``) serves every feed at ``<mirror>/<path>``, and may publish a ``SHA256SUMS`` file
(``sha256sum`` format, paths relative to the mirror root) against which downloads are verified. To
build a mirror for an air-gapped network, download the URLs below into that layout (``mamoru db
update --download-only --mirror-dir DIR`` does it) and serve or copy the directory.
"""

from __future__ import annotations

from dataclasses import dataclass

OSV_BASE = "https://osv-vulnerabilities.storage.googleapis.com"
ALPINE_SECDB_BASE = "https://secdb.alpinelinux.org"
DEBIAN_TRACKER_URL = "https://security-tracker.debian.org/tracker/data/json"

# OSV ecosystems mamoru matches (their all.zip archives)
OSV_ECOSYSTEMS = ("PyPI", "npm", "Go", "crates.io", "Maven", "RubyGems", "Debian", "Alpine", "Ubuntu",
                  "AlmaLinux", "Rocky Linux")  # fmt: skip
ALPINE_BRANCHES = (*(f"v3.{minor}" for minor in range(12, 24)), "edge")
ALPINE_REPOSITORIES = ("main", "community")
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True, slots=True)
class Feed:
    """One downloadable file: its name (``--feeds``), public URL and path in the mirror layout."""

    name: str
    url: str
    path: str
    group: str  # osv, alpine-secdb, debian-tracker: what ``--feeds`` also accepts


def default_feeds() -> list[Feed]:
    """Every default feed, in download order."""
    feeds = [
        Feed(f"osv-{eco.lower().replace(' ', '-')}", f"{OSV_BASE}/{eco.replace(' ', '%20')}/all.zip",
             f"osv/{eco.replace(' ', '_')}/all.zip", "osv")
        for eco in OSV_ECOSYSTEMS
    ]  # fmt: skip
    feeds += [
        Feed(f"alpine-{branch}-{repo}", f"{ALPINE_SECDB_BASE}/{branch}/{repo}.json",
             f"alpine-secdb/{branch}/{repo}.json", "alpine-secdb")
        for branch in ALPINE_BRANCHES
        for repo in ALPINE_REPOSITORIES
    ]  # fmt: skip
    feeds.append(Feed("debian-tracker", DEBIAN_TRACKER_URL, "debian-tracker/tracker.json", "debian-tracker"))
    return feeds


def select(feeds: list[Feed], names: tuple[str, ...] | None) -> list[Feed]:
    """The feeds named (by name or group); all of them when ``names`` is None."""
    if not names:
        return feeds
    chosen = [f for f in feeds if f.name in names or f.group in names]
    known = {f.name for f in feeds} | {f.group for f in feeds}
    unknown = [n for n in names if n not in known]
    if unknown:
        from mamoru.errors import UsageError

        raise UsageError(f"unknown feed(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    return chosen
