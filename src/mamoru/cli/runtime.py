"""Commands that audit what runs: ``runtime`` (containers of a Docker Engine) and ``host`` (the host itself).

Both take the policy options of ``image``/``fs`` (``--severity``, ``--ignore-file``, ``--vex``,
``--fail-on``, ``--exit-code``, ``--config``) and the content options for what they scan through the
image pipeline (the containers' images; the host's software).
"""

from __future__ import annotations

from typing import Any

import click

from mamoru.cli import main, output_options, run_report
from mamoru.cli.scan import REPORT_FORMATS, _content_options, _policy_values
from mamoru.model.finding import FindingKind
from mamoru.model.inventory import Inventory


@main.command()
@output_options(REPORT_FORMATS, "table")
@click.option("--docker-host", help="Docker daemon to audit: unix:///path or tcp://host:port (default: $DOCKER_HOST; "
              "TLS from $DOCKER_TLS_VERIFY and $DOCKER_CERT_PATH).")  # fmt: skip
@click.option(
    "--container",
    "containers",
    multiple=True,
    metavar="NAME",
    help="Audit only this container (name or id; repeatable). Default: every container, running or not.",
)
@click.option("--skip-drift", is_flag=True, help="Do not read the containers' writable layers.")
@click.option("--skip-image-scan", is_flag=True, help="Do not scan the containers' images.")
@click.option("--list-all-pkgs", "list_packages", is_flag=True, help="List the packages of the containers' images.")
@_content_options
def runtime(docker_host: str | None, containers: tuple[str, ...], skip_drift: bool, skip_image_scan: bool,
            list_packages: bool, **values: Any) -> None:  # fmt: skip
    """Audit the containers of a Docker Engine: CIS Docker §5, secrets in env, sshd, drift, and their images."""
    from mamoru.runtime.audit import RuntimeOptions, audit_runtime
    from mamoru.scan.pipeline import ScanOptions, available_scanners

    policy = _policy_values(values)

    def scan(progress: Any, settings: Any) -> Inventory:
        kinds = settings.scanners if settings.scanners is not None else available_scanners()
        scan_options = ScanOptions(docker_host=docker_host, scanners=kinds, content=settings.content,
                                   db_path=settings.db_path)  # fmt: skip
        options = RuntimeOptions(docker_host=docker_host, containers=containers, drift=not skip_drift,
                                 image_scan=not skip_image_scan, list_packages=list_packages,
                                 scan=scan_options)  # fmt: skip
        return audit_runtime(options, progress)

    target = ",".join(containers) if containers else (docker_host or "docker")
    run_report("runtime", target, values, scan, list_packages=list_packages, policy=policy)


@main.command()
@output_options(REPORT_FORMATS, "table")
@click.option(
    "--root",
    default="/",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The host's root directory (a mounted host disk or image of one).",
)
@click.option(
    "--dockerd-args",
    metavar="ARGS",
    help="The daemon's command line, for a root whose daemon is not running here "
    "(default: running dockerd processes on /, else the systemd unit under the root).",
)
@click.option(
    "--docker-host", help="Also ask this daemon for its versions (default: the local daemon when --root is /)."
)
@click.option("--skip-packages", is_flag=True, help="Do not scan the host's installed software.")
@_content_options
def host(root: str, dockerd_args: str | None, docker_host: str | None, skip_packages: bool, **values: Any) -> None:
    """Audit a container host: CIS Docker §1-3, host OS end of life and services, platform component CVEs.

    The host's software is scanned with the vuln scanner unless --scanners says otherwise.
    """
    from mamoru.host.audit import HostOptions, audit_host
    from mamoru.scan.pipeline import ScanOptions, available_scanners

    policy = _policy_values(values)

    def scan(progress: Any, settings: Any) -> Inventory:
        kinds = settings.scanners
        if kinds is None:
            kinds = available_scanners() & {FindingKind.VULNERABILITY}
        scan_options = ScanOptions(scanners=kinds, content=settings.content, db_path=settings.db_path)
        options = HostOptions(root=root, dockerd_args=dockerd_args, docker_host=docker_host,
                              packages=not skip_packages, scan=scan_options)  # fmt: skip
        return audit_host(options, progress)

    run_report("host", root, values, scan, policy=policy)
