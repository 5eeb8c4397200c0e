"""``mamoru db update | import | status``: get, mirror and inspect the vulnerability database."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from mamoru.cli import EXIT_INPUT, EXIT_INTERNAL, fail, main
from mamoru.errors import MamoruError

DEFAULT_MAX_AGE_DAYS = 7

_db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False),
    help="Database file (default: $MAMORU_DB, else <cache dir>/db/vulndb.sqlite).",
)  # fmt: skip
_quiet = click.option("--quiet", "-q", is_flag=True, help="No progress display.")
_cache_dir = click.option("--cache-dir", type=click.Path(file_okay=False),
                          help="Cache directory (default: $MAMORU_CACHE_DIR or the user cache dir).")  # fmt: skip


@main.group()
def db() -> None:
    """The vulnerability database: update it from the public feeds or a mirror, import files, show its state."""


@db.command()
@_db_option
@click.option("--mirror", help="Fetch the feeds from this mirror (http(s) URL or directory in the mirror layout).")
@click.option("--feeds", help="Comma-separated feeds or groups to fetch (osv, alpine-secdb, debian-tracker, or a "
              "feed name such as osv-pypi; default: all).")  # fmt: skip
@click.option(
    "--download-only",
    type=click.Path(file_okay=False),
    help="Only download the feeds into this directory, in the mirror layout with a SHA256SUMS file.",
)
@_quiet
@_cache_dir
@click.option("--debug", is_flag=True, help="Tracebacks for internal errors.")
def update(db_path: str | None, mirror: str | None, feeds: str | None, download_only: str | None, quiet: bool,
           cache_dir: str | None, debug: bool) -> None:  # fmt: skip
    """Download the advisory feeds (resumable, verified) and rebuild the database; swap it in when complete."""
    with _errors(debug):
        from mamoru.vulndb.feeds import default_feeds, select
        from mamoru.vulndb.update import update as run_update

        path = _path(db_path, cache_dir)
        chosen = select(default_feeds(), tuple(f.strip() for f in feeds.split(",") if f.strip()) if feeds else None)
        with _feed_progress(quiet) as on_feed:
            result = run_update(path, chosen, mirror, on_feed, Path(download_only) if download_only else None)
        for name, error in result.missing.items():
            print(f"mamoru: warning: feed {name} is not published, left out: {error}", file=sys.stderr)
        for name, error in result.failed.items():
            print(f"mamoru: feed {name} failed: {error}", file=sys.stderr)
        if result.failed:
            kept = "the database was not changed" if not download_only else "the mirror is incomplete"
            fail(f"{len(result.failed)} of {len(chosen)} feeds failed ({kept}); run the update again to resume",
                 EXIT_INPUT)  # fmt: skip
        if download_only:
            _say(quiet, f"downloaded {len(chosen)} feeds to {download_only} ({len(result.fetched)} changed)")
            return
        assert result.stats is not None
        _say(quiet, f"fetched {len(result.fetched)} feeds, {len(result.unchanged)} unchanged")
        _summary(quiet, path, result.stats)


@db.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@_db_option
@click.option("--fresh", is_flag=True, help="Start a new database instead of adding to the current one.")
@_quiet
@_cache_dir
@click.option("--debug", is_flag=True, help="Tracebacks for internal errors.")
def import_(paths: tuple[str, ...], db_path: str | None, fresh: bool, quiet: bool, cache_dir: str | None,
            debug: bool) -> None:  # fmt: skip
    """Import advisory files: OSV JSON/YAML (also zips), Alpine secdb, Debian tracker JSON, Red Hat CSAF.

    PATHS may be files, directories (searched recursively) or zip archives. Records already in the
    database are replaced by newer copies from the same source; the database is swapped in when the
    whole import succeeded.
    """
    with _errors(debug):
        from mamoru.vulndb.build import Source, import_sources

        path = _path(db_path, cache_dir)
        stats = import_sources(path, [Source(Path(p), os.path.abspath(p)) for p in paths], fresh=fresh)
        _summary(quiet, path, stats)


@db.command()
@_db_option
@click.option("--max-age", type=click.IntRange(0), default=None,
              help=f"Warn when the database is older than this many days (default: $MAMORU_DB_MAX_AGE or "
                   f"{DEFAULT_MAX_AGE_DAYS}).")  # fmt: skip
@click.option("--format", "-f", "format_", type=click.Choice(("table", "json")), default="table", show_default=True)
@_cache_dir
@click.option("--debug", is_flag=True, help="Tracebacks for internal errors.")
def status(db_path: str | None, max_age: int | None, format_: str, cache_dir: str | None, debug: bool) -> None:
    """Show the database: schema, build time and age, sources with their counts and dates, last imports."""
    with _errors(debug):
        from mamoru.vulndb.store import Store

        path = _path(db_path, cache_dir)
        limit = max_age if max_age is not None else int(os.environ.get("MAMORU_DB_MAX_AGE", DEFAULT_MAX_AGE_DAYS))
        store = Store.open(path)
        try:
            document = _status_document(store, path)
        finally:
            store.close()
        age = document["ageDays"]
        if format_ == "json":
            json.dump(document, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            _print_status(document)
        if age is not None and age > limit:
            print(f"mamoru: warning: the database is {age} days old (limit {limit}): run `mamoru db update`",
                  file=sys.stderr)  # fmt: skip


def _status_document(store: Any, path: Path) -> dict[str, Any]:
    meta = store.meta()
    built = meta.get("built_at", "")
    age = None
    with contextlib.suppress(ValueError):
        age = (datetime.now(UTC) - datetime.fromisoformat(built)).days
    advisories, entries = store.counts()
    return {
        "path": str(path),
        "schemaVersion": int(meta.get("schema_version", 0)),
        "builtAt": built or None,
        "ageDays": age,
        "sizeBytes": path.stat().st_size,
        "advisories": advisories,
        "affectedEntries": entries,
        "sources": [
            {"name": s.name, "advisories": s.advisories, "dataDate": s.data_date or None, "importedAt": s.imported_at,
             "origin": s.origin}
            for s in store.sources()
        ],
        "namespaces": store.namespaces(),
        "imports": [
            {"importedAt": i.imported_at, "origin": i.origin, "documents": i.documents, "records": i.records,
             "advisories": i.advisories, "skipped": i.skipped, "skippedByReason": i.skip_summary}
            for i in store.imports()
        ],
    }  # fmt: skip


def _print_status(document: dict[str, Any]) -> None:
    from rich.table import Table

    from mamoru.report.console import ReportConsole

    console = ReportConsole(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 140)
    age = document["ageDays"]
    console.print(f"Database: {document['path']} (schema {document['schemaVersion']}, "
                  f"{document['sizeBytes'] / 1e6:.1f} MB)")  # fmt: skip
    console.print(f"Built: {document['builtAt']}" + (f" ({age} days ago)" if age is not None else ""))
    console.print(f"Advisories: {document['advisories']}, affected entries: {document['affectedEntries']}, "
                  f"namespaces: {len(document['namespaces'])}")  # fmt: skip
    table = Table(title="Sources", title_justify="left")
    for column in ("Source", "Advisories", "Data up to", "Imported", "From"):
        table.add_column(column)
    for source in document["sources"]:
        table.add_row(source["name"], str(source["advisories"]), (source["dataDate"] or "")[:10],
                      source["importedAt"][:19], source["origin"][:60])  # fmt: skip
    console.print(table)
    for item in document["imports"][:1]:
        console.print(f"Last import {item['importedAt']}: {item['documents']} documents, {item['advisories']} "
                      f"advisories, {item['skipped']} items skipped")  # fmt: skip
        for reason, count in sorted(item["skippedByReason"].items(), key=lambda kv: -kv[1])[:10]:
            console.print(f"  {count:>6}  {reason}")


def _summary(quiet: bool, path: Path, stats: Any) -> None:
    sources = ", ".join(f"{name} {count}" for name, count in sorted(stats.records.items()))
    _say(quiet, f"imported {sum(stats.records.values())} records from {stats.documents} documents into {path} "
                f"({sources or 'nothing'})")  # fmt: skip
    skipped = stats.skipped
    if skipped.total:
        _say(quiet, f"skipped {skipped.total} items:")
        for reason, count in sorted(skipped.counts.items(), key=lambda kv: -kv[1]):
            example = skipped.examples.get(reason, [""])[0]
            _say(quiet, f"  {count:>6}  {reason}" + (f" (e.g. {example})" if example else ""))


def _say(quiet: bool, line: str) -> None:
    if not quiet:
        print(f"mamoru: {line}", file=sys.stderr)


def _path(db_path: str | None, cache_dir: str | None) -> Path:
    from mamoru.cache import set_cache_dir
    from mamoru.vulndb.build import default_db_path

    set_cache_dir(cache_dir)
    return Path(db_path) if db_path else default_db_path()


@contextlib.contextmanager
def _errors(debug: bool) -> Iterator[None]:
    try:
        yield
    except MamoruError as exc:
        fail(str(exc), EXIT_INPUT)
    except KeyboardInterrupt:
        fail("interrupted (the database was not changed; run the command again)", 130)
    except Exception as exc:  # noqa: BLE001 - one clear line for a bug, like the scan commands
        if debug:
            import traceback

            traceback.print_exc()
        fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", EXIT_INTERNAL)


@contextlib.contextmanager
def _feed_progress(quiet: bool) -> Iterator[Callable[[Any], Any] | None]:
    """A progress bar per feed on a terminal; one line per feed otherwise (nothing with --quiet)."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():

        def announce(feed: Any) -> None:
            print(f"mamoru: fetching {feed.name}", file=sys.stderr)

        yield announce
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=Console(stderr=True), transient=False) as bars:  # fmt: skip

        def start(feed: Any) -> Callable[[int, int | None], None]:
            task = bars.add_task(feed.name, total=None)

            def advance(done: int, total: int | None) -> None:
                bars.update(task, completed=done, total=total)

            return advance

        yield start
