"""The command line: the only package that parses argv, prints, or exits.

``mamoru/cli/__init__.py`` holds the ``main`` group and what every command shares (report output,
notes, exit codes); each family of commands lives in its own module (``scan.py``: image, fs, sbom,
demo) and registers itself on ``main``; every module of the package is imported at start-up, so
command modules keep their heavy imports inside the command functions.

Exit codes: 0 done, 1 a policy gate failed (``--exit-code`` decides the code), 2 bad usage or bad
input, 3 an internal error (a bug: rerun with --debug for the traceback), 130 interrupted, 141 the
reader of the output went away (a closed pipe).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

import click

from mamoru import __version__
from mamoru.errors import MamoruError
from mamoru.model.inventory import Inventory, Note, NoteKind
from mamoru.model.report import ScanReport

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CLOSED_PIPE = 141  # what a shell reports for a program stopped by SIGPIPE (128 + 13)
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
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
            click.option("--debug", is_flag=True, help="mamoru's debug log on stderr; tracebacks for internal errors."),
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
      oci-archive tar, gzip/zstd-compressed archives, registry://HOST/REPO:TAG (Registry API v2),
      an image name in a Docker daemon,
      and, for `fs`, a root filesystem directory or tarball.
    """


def policy_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The policy options every command that reports findings takes (see mamoru.policy.config)."""
    options = [
        click.option("--config", type=click.Path(exists=True, dir_okay=False),
                     help="Settings file (default: ./mamoru.yaml when it exists)."),
        click.option("--severity", help=f"Report only these severities, comma-separated ({','.join(SEVERITIES)})."),
        click.option("--ignore-unfixed", is_flag=True, default=None,
                     help="Leave out vulnerabilities without a fixed version."),
        click.option("--ignore-file", type=click.Path(exists=True, dir_okay=False),
                     help="Accepted findings with reasons and expiry dates (default: ./.mamoruignore.yaml)."),
        click.option("--vex", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="OpenVEX or CycloneDX VEX document; not_affected/fixed statements suppress (repeatable)."),
        click.option("--show-suppressed", is_flag=True, default=None,
                     help="List suppressed findings too, with their reasons."),
        click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False),
                     help="Fail (exit 1, or --exit-code) when a finding at or above this severity remains."),
        click.option("--exit-code", type=click.IntRange(0, 255), default=None,
                     help="Exit with this code when any finding remains (with --fail-on: when it fails)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


POLICY_KEYS = ("config", "severity", "ignore_unfixed", "ignore_file", "vex", "show_suppressed", "fail_on", "exit_code")


def run() -> None:
    """The ``mamoru`` console script: run :func:`main`, then end the process without Python's teardown.

    At exit the interpreter frees every object and module one by one, about 25 ms after an image
    scan (a twentieth of an SBOM run). Nothing needs it: commands close their files and remove
    their temporary files themselves, and mamoru registers no exit handlers. So once the command
    has returned, the output streams and log handlers are flushed and the process ends with
    ``os._exit`` and the command's exit code.
    """
    try:
        main()
        code = EXIT_OK
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or EXIT_OK
        else:  # sys.exit("message"): print it, as the interpreter would
            print(exc.code, file=sys.stderr)
            code = 1
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away after the last write
        code = code or EXIT_CLOSED_PIPE
    os._exit(code)


def take_policy(values: dict[str, Any]) -> dict[str, Any]:
    """Move the policy options out of a command's keyword arguments."""
    return {key: values.pop(key, None) for key in POLICY_KEYS}


def run_report(
    command: str,
    target: str,
    common: dict[str, Any],
    scan: Callable[..., Inventory],
    *,
    list_packages: bool = False,
    gate: Callable[[ScanReport], int] | None = None,
    policy: dict[str, Any] | None = None,
) -> None:
    """Run a scan, apply the policy, write the report and exit with the code the outcome calls for.

    With ``policy`` (the values of ``policy_options``), settings are loaded from them and the config
    file, ``scan(progress, settings)`` is called, and the policy filters the findings and decides the
    exit code; without it ``scan(progress)`` is called and ``gate`` (if any) decides.
    """
    debug, quiet = common["debug"], common["quiet"]
    code = EXIT_OK
    with cli_errors(debug):
        from mamoru.cache import set_cache_dir

        set_cache_dir(common["cache_dir"])
        settings = None
        if policy is not None:
            from mamoru.policy.config import load_settings

            settings = load_settings(policy)
        from mamoru.cli.report_writer import report_writer

        # entered before the scan: for the SBOM formats a child loads their library while it runs
        with report_writer(common["format_"], common["output"]) as write_report:
            with progress_display(quiet) as progress:
                inventory = scan(progress, settings) if settings is not None else scan(progress)
            if settings is not None:
                from mamoru.policy.apply import apply_policy, exit_code

                apply_policy(inventory, settings.policy)
                code = exit_code(inventory.findings, settings.policy)
            report = ScanReport(inventory=inventory, target=target, command=command, list_packages=list_packages)
            write_report(report)
        if not quiet:
            print_notes(inventory.notes)
        if settings is None:
            code = gate(report) if gate is not None else EXIT_OK
    if code:
        sys.exit(code)


@contextlib.contextmanager
def cli_errors(debug: bool) -> Iterator[None]:
    """Turn errors into one line on stderr and an exit code: bad input 2, interrupted 130, bugs 3."""
    if debug:
        import logging

        # mamoru's own debug log; libraries from INFO up (py-serializable alone logs a line per object it dumps)
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("mamoru").setLevel(logging.DEBUG)
    try:
        yield
    except MamoruError as exc:
        fail(str(exc), EXIT_INPUT)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:  # the reader of stdout went away (``mamoru … | head``): nothing to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the final flush cannot fail again
        sys.exit(EXIT_CLOSED_PIPE)
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into a clear message
        if debug:
            import traceback

            traceback.print_exc()
        fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", EXIT_INTERNAL)


@contextlib.contextmanager
def progress_display(quiet: bool) -> Iterator[Any]:
    """A live progress display on a terminal (stderr), else None."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    from mamoru.progress import RichProgress

    with RichProgress(Console(stderr=True)) as progress:
        yield progress


def write_output(render: Callable[[TextIO], None], output: str | None) -> None:
    """Render to stdout, or to ``output``.

    A regular file (or a new one) is written to a temporary name beside it and renamed into place,
    so a failed run never leaves half a report; anything else (``/dev/null``, a FIFO, a terminal)
    is opened and written as it is — renaming over it would replace the device with a file.
    """
    from mamoru.errors import ReportError

    if output is None or output == "-":
        render(sys.stdout)
        sys.stdout.flush()
        return
    try:
        if os.path.exists(output) and not stat.S_ISREG(os.stat(output).st_mode):
            with open(output, "w", encoding="utf-8") as stream:
                render(stream)
            return
        temporary = f"{output}.tmp-{os.getpid()}"
        try:
            with open(temporary, "w", encoding="utf-8") as stream:
                render(stream)
            os.replace(temporary, output)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except BrokenPipeError:  # ``-o /dev/stdout`` into a closed pipe: as for stdout itself (exit 141)
        raise
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror}") from None


def print_notes(notes: Sequence[Note]) -> None:
    """The notes worth a look on stderr (skipped files only in the report), at most MAX_NOTES_ON_STDERR."""
    shown = [n for n in notes if n.kind is not NoteKind.SKIPPED]
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
