"""``mamoru config PATH…``: Dockerfiles, Compose files and Kubernetes manifests (the Build phase)."""

from __future__ import annotations

from typing import Any

import click

from mamoru.cli import main, output_options, policy_options, run_report, take_policy
from mamoru.report import FORMATS as REPORT_FORMATS

# finding-centred formats only (no SBOMs: a configuration scan has no packages)
CONFIG_FORMATS = tuple(f for f in ("table", "json", "sarif", "junit", "markdown", "html") if f in REPORT_FORMATS)
TYPE_NAMES = ("dockerfile", "compose", "kubernetes")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=False))
@output_options(CONFIG_FORMATS, "table")
@click.option(
    "--type",
    "config_type",
    type=click.Choice(TYPE_NAMES),
    help="Read every file as this type (default: detected from the name and content).",
)
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Custom rules: a Rego file or a directory of them (repeatable); see docs/rules.md.",
)
@click.option(
    "--trusted-registry",
    "trusted_registries",
    multiple=True,
    help="Registry base images may come from (repeatable; docker.io is Docker Hub, *.example.com its "
    "subdomains); other FROM images are reported (MDF-097, hadolint DL3026).",
)
@policy_options
def config(paths: tuple[str, ...], config_type: str | None, rule_paths: tuple[str, ...], **values: Any) -> None:
    """Check Dockerfiles, Compose files and Kubernetes manifests (files or directories).

    \b
    Inline suppressions need a reason:
      # mamoru:ignore=MDF-011,DL3008 reason: the entrypoint drops to uid 10001
    """
    target = " ".join(paths)
    policy = take_policy(values)
    policy["trusted_registries"] = values.pop("trusted_registries")

    def scan(progress: Any, settings: Any) -> Any:
        from mamoru.config.detect import ConfigType
        from mamoru.config.scanner import scan_paths
        from mamoru.model.artifact import Artifact, ArtifactKind
        from mamoru.model.inventory import Inventory

        extra = []
        if rule_paths:
            from mamoru.rules.custom import load_custom_rules

            extra = load_custom_rules(rule_paths)
        if settings.trusted_registries:
            from mamoru.rules.dockerfile.image import trusted_registry_check

            extra.append(trusted_registry_check(settings.trusted_registries))
        forced = ConfigType(config_type) if config_type else None
        result = scan_paths(paths, forced_type=forced, extra_checks=extra)
        artifact = Artifact(name=target, kind=ArtifactKind.CONFIG, source="config-files")
        return Inventory(artifact=artifact, findings=result.findings, notes=result.notes)

    run_report("config", target, values, scan, policy=policy)
