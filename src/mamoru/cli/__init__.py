"""The command line: the only package that parses argv, prints, or exits.

``mamoru/cli/__init__.py`` holds the ``main`` group and what every command shares (report output,
notes, exit codes); each family of commands lives in its own module (``scan.py``: image, fs, sbom,
demo) and registers itself on ``main``; every module of the package is imported at start-up, so
command modules keep their heavy imports inside the command functions.

Exit codes: 0 done, 1 a policy gate failed (``--exit-code`` decides the code), 2 bad usage or bad
input, 3 an internal error (a bug: rerun with --debug for the traceback).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import click

from mamoru import __version__
from mamoru.errors import MamoruError
from mamoru.model.inventory import Inventory, NoteKind
from mamoru.model.report import ScanReport

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
MAX_NOTES_ON_STDERR = 10

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def output_options(formats: tuple[str, ...], default: str) -> Decorator:
    """``--format``, ``--output``, ``--quiet``, ``--debug`` and ``--cache-dir``: every reporting command has them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option("--format", "-f", "format_", type=click.Choice(formats), default=default,
                         show_default=True, help="Report format."),
            click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
                         help="Write the report to this file instead of stdout ('-' for stdout)."),
            click.option("--quiet", "-q", is_flag=True, help="No progress display and no notes on stderr."),
            click.option("--debug", is_flag=True, help="Debug logging; tracebacks for internal errors."),
            click.option("--cache-dir", type=click.Path(file_okay=False),
                         help="Cache directory (default: $MAMORU_CACHE_DIR or the user cache dir)."),
        ]  # fmt: skip
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="mamoru")
def main() -> None:
    """mamoru (守る): container security scanner.

    \b
    Targets are detected automatically:
      docker-archive tar (docker save, skopeo), OCI layout directory (DIR, DIR:TAG, DIR@sha256:…),
      oci-archive tar, gzip/zstd-compressed archives, an image name in a Docker daemon,
      and, for `fs`, a root filesystem directory or tarball.
    """


def run_report(
    command: str,
    target: str,
    common: dict[str, Any],
    scan: Callable[[Any], Inventory],
    *,
    list_packages: bool = False,
    gate: Callable[[ScanReport], int] | None = None,
) -> None:
    """Run a scan, write its report and exit with the code the outcome calls for."""
    debug, quiet = common["debug"], common["quiet"]
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    try:
        from mamoru.cache import set_cache_dir

        set_cache_dir(common["cache_dir"])
        with _progress(quiet) as progress:
            inventory = scan(progress)
        report = ScanReport(inventory=inventory, target=target, command=command, list_packages=list_packages)
        _write(report, common["format_"], common["output"])
        if not quiet:
            _print_notes(inventory)
        code = gate(report) if gate is not None else EXIT_OK
    except MamoruError as exc:
        fail(str(exc), EXIT_INPUT)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into a clear message
        if debug:
            import traceback

            traceback.print_exc()
        fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", EXIT_INTERNAL)
    if code:
        sys.exit(code)


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    from mamoru.progress import RichProgress

    with RichProgress(Console(stderr=True)) as progress:
        yield progress


def _write(report: ScanReport, format_name: str, output: str | None) -> None:
    """Render to stdout, or to ``output``.

    A regular file (or a new one) is written to a temporary name beside it and renamed into place,
    so a failed run never leaves half a report; anything else (``/dev/null``, a FIFO, a terminal)
    is opened and written as it is — renaming over it would replace the device with a file.
    """
    from mamoru.errors import ReportError
    from mamoru.report import writer

    render = writer(format_name)
    if output is None or output == "-":
        render(report, sys.stdout)
        sys.stdout.flush()
        return
    try:
        if os.path.exists(output) and not stat.S_ISREG(os.stat(output).st_mode):
            with open(output, "w", encoding="utf-8") as stream:
                render(report, stream)
            return
        temporary = f"{output}.tmp-{os.getpid()}"
        try:
            with open(temporary, "w", encoding="utf-8") as stream:
                render(report, stream)
            os.replace(temporary, output)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror}") from None


def _print_notes(inventory: Inventory) -> None:
    shown = [n for n in inventory.notes if n.kind is not NoteKind.SKIPPED]
    err: TextIO = sys.stderr
    for note in shown[:MAX_NOTES_ON_STDERR]:
        print(f"mamoru: {note}", file=err)
    if len(shown) > MAX_NOTES_ON_STDERR:
        print(f"mamoru: … and {len(shown) - MAX_NOTES_ON_STDERR} more notes in the report", file=err)


def fail(message: str, code: int) -> None:
    """Print one error line and exit."""
    print(f"mamoru: error: {message}", file=sys.stderr)
    sys.exit(code)


def _register_commands() -> None:
    """Import every module of this package: each registers its commands on ``main`` (``@main.command``)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register_commands()
