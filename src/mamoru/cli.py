"""The command line: the only module that parses argv, prints, or exits.

Exit codes: 0 done, 1 a policy gate failed (later stages), 2 bad usage or bad input,
3 an internal error (a bug: rerun with --debug for the traceback).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TextIO

import click

from mamoru import __version__
from mamoru.errors import MamoruError
from mamoru.model.inventory import Inventory, NoteKind
from mamoru.model.report import ScanReport

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_FORMATS = ("table", "json", "cyclonedx", "spdx-json")
SBOM_FORMATS = ("cyclonedx", "spdx-json", "json")
MAX_NOTES_ON_STDERR = 10


def _common(formats: tuple[str, ...], default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Options every scanning command takes."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        options = [
            click.option(
                "--format",
                "-f",
                "format_",
                type=click.Choice(formats),
                default=default,
                show_default=True,
                help="Report format.",
            ),
            click.option(
                "--output",
                "-o",
                type=click.Path(dir_okay=False, writable=True),
                help="Write the report to this file instead of stdout.",
            ),
            click.option("--quiet", "-q", is_flag=True, help="No progress display and no notes on stderr."),
            click.option("--debug", is_flag=True, help="Debug logging; tracebacks for internal errors."),
            click.option(
                "--cache-dir",
                type=click.Path(file_okay=False),
                help="Cache directory (default: $MAMORU_CACHE_DIR or the user cache dir).",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


_platform = click.option(
    "--platform", help="Platform of a multi-arch image, e.g. linux/arm64 (default: this machine's)."
)
_docker_host = click.option(
    "--docker-host", help="Docker daemon for image names that are not paths (default: $DOCKER_HOST)."
)
_list_pkgs = click.option("--list-all-pkgs", "list_packages", is_flag=True, help="Table format: list every package.")


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


@main.command()
@click.argument("target")
@_common(REPORT_FORMATS, "table")
@_platform
@_docker_host
@_list_pkgs
def image(target: str, platform: str | None, docker_host: str | None, list_packages: bool, **common: Any) -> None:
    """Scan a container image: OS, layers and packages (with the layer that added each)."""
    from mamoru.scan.pipeline import ScanOptions, scan_image

    options = ScanOptions(platform=platform, docker_host=docker_host)
    _run("image", target, common, lambda progress: scan_image(target, options, progress), list_packages)


@main.command()
@click.argument("target")
@_common(REPORT_FORMATS, "table")
@_list_pkgs
def fs(target: str, list_packages: bool, **common: Any) -> None:
    """Scan a root filesystem: a directory or a tarball (optionally gzip/zstd)."""
    from mamoru.scan.pipeline import ScanOptions, scan_filesystem

    _run("fs", target, common, lambda progress: scan_filesystem(target, ScanOptions(), progress), list_packages)


@main.command()
@click.argument("target")
@_common(SBOM_FORMATS, "cyclonedx")
@_platform
@_docker_host
def sbom(target: str, platform: str | None, docker_host: str | None, **common: Any) -> None:
    """Write an SBOM (CycloneDX 1.6 or SPDX 2.3 JSON) of an image or a root filesystem."""
    from mamoru.scan.pipeline import ScanOptions, scan_filesystem, scan_image
    from mamoru.targets.detect import is_image

    options = ScanOptions(platform=platform, docker_host=docker_host)
    scan = scan_image if is_image(target) else scan_filesystem
    _run("sbom", target, common, lambda progress: scan(target, options, progress), False)


@main.command()
@_common(REPORT_FORMATS, "table")
def demo(**common: Any) -> None:
    """Build a small demo image in-process (no network, no Docker) and scan it."""
    from mamoru.demo import build_demo_image
    from mamoru.scan.pipeline import ScanOptions, scan_image

    def scan(progress: Any) -> Inventory:
        path = build_demo_image()
        inventory = scan_image(str(path), ScanOptions(), progress)
        return replace(inventory, artifact=replace(inventory.artifact, name="mamoru-demo:latest"))

    _run("demo", "mamoru-demo:latest", common, scan, True)


def _run(
    command: str, target: str, common: dict[str, Any], scan: Callable[[Any], Inventory], list_packages: bool
) -> None:
    """Run a scan and write its report; map outcomes to exit codes."""
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
    except MamoruError as exc:
        _fail(str(exc), EXIT_INPUT)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", EXIT_INTERNAL)


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


def _fail(message: str, code: int) -> None:
    print(f"mamoru: error: {message}", file=sys.stderr)
    sys.exit(code)
