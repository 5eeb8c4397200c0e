"""``mamoru compliance``: NIST SP 800-190, CIS Docker, CIS Kubernetes §5 and Pod Security Standards reports."""

from __future__ import annotations

import sys
from typing import Any

import click

from mamoru.cli import EXIT_OK, cli_errors, main, print_notes, progress_display, write_output
from mamoru.cli.scan import _content_options, _policy_values

COMPLIANCE_FORMATS = ("table", "json", "markdown", "html")


@main.command()
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--spec",
    "spec_name",
    default="nist-sp-800-190",
    show_default=True,
    help="Built-in spec id (see --list-specs) or a spec YAML file.",
)
@click.option(
    "--list-specs",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=lambda ctx, _, value: _list_specs(ctx) if value else None,
    help="List the built-in specs and exit.",
)
@click.option(
    "--format",
    "-f",
    "format_",
    type=click.Choice(COMPLIANCE_FORMATS),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the report to this file instead of stdout ('-' for stdout).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display and no notes on stderr.")
@click.option("--debug", is_flag=True, help="mamoru's debug log on stderr; tracebacks for internal errors.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache directory (default: $MAMORU_CACHE_DIR or the user cache dir).",
)
@click.option(
    "--docker-host", help="Docker daemon for image names, `runtime` and the host's daemon (default: $DOCKER_HOST)."
)
@_content_options
def compliance(targets: tuple[str, ...], spec_name: str, format_: str, output: str | None, quiet: bool, debug: bool,
               cache_dir: str | None, docker_host: str | None, **values: Any) -> None:  # fmt: skip
    """Check targets against a compliance framework, control by control.

    \b
    TARGETS, any number and mix of:
      an image      archive, OCI layout, or a name in the Docker daemon (image:NAME to force)
      config files  a Dockerfile, Compose file, Kubernetes manifest, or a directory of them (config:PATH)
      runtime       every container of the Docker Engine (runtime:unix:///path/docker.sock for another)
      host          this host (host:/mnt/root for a mounted root filesystem)

    \b
    Each control is PASS, FAIL (with the findings that fail it), MANUAL (with what a person must
    check) or NOT ASSESSED (with the target that would assess it). As a gate: --exit-code N exits
    with N when a control fails; --fail-on SEVERITY only when a failing finding reaches SEVERITY.
    """
    policy_values = _policy_values(values)
    code = EXIT_OK
    with cli_errors(debug):
        from mamoru.cache import set_cache_dir
        from mamoru.compliance.evaluate import Status, evaluate
        from mamoru.compliance.report import writer
        from mamoru.compliance.spec import load_spec
        from mamoru.compliance.targets import scan_targets
        from mamoru.policy.apply import exit_code
        from mamoru.policy.config import load_settings

        set_cache_dir(cache_dir)
        spec = load_spec(spec_name)
        settings = load_settings(policy_values)
        with progress_display(quiet) as progress:
            results = scan_targets(targets, settings, progress, docker_host)
        result = evaluate(spec, results)
        render = writer(format_)
        write_output(lambda stream: render(result, stream), output)
        if not quiet:
            print_notes([note for target in results for note in target.notes])
        failing = [hit.finding for control in result.controls if control.status is Status.FAIL
                   for hit in control.failures]  # fmt: skip
        code = exit_code(failing, settings.policy)
    if code:
        sys.exit(code)


def _list_specs(ctx: click.Context) -> None:
    from mamoru.compliance.spec import builtin_spec_ids, load_spec

    for spec_id in builtin_spec_ids():
        spec = load_spec(spec_id)
        click.echo(f"{spec_id:22} {spec.title} ({spec.version}), {len(spec.controls)} controls")
    ctx.exit(0)
