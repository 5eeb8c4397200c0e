"""Compliance specs: frameworks as YAML data (``compliance/specs/*.yaml``), and the rules that evidence them.

A spec lists its controls; each control may name the mamoru rule ids that evidence it (``rules``), a
vulnerability criterion (``vulnerabilities: {severity: HIGH}`` — any vulnerability at or above it
fails the control), and what a person must check (``manual``). Most evidence comes from the rules
themselves: a rule whose ``compliance`` names ``(spec id, control id)`` evidences that control, so
specs grow as rules are added without editing them. ``include: other-spec`` takes in another spec's
controls first (PSS Restricted includes Baseline).

Format::

    id: cis-docker-1.6.0
    title: CIS Docker Benchmark
    version: "1.6.0"
    description: …
    source: where the control list comes from
    controls:
      - id: "4.1"
        section: 4 Container images and build file
        title: Image defines a non-root USER
        level: 1                       # optional profile level
        assessment: automated          # optional: how the framework labels it (automated | manual)
        description: …                 # optional
        rules: [IMG-001]               # optional extra evidence
        vulnerabilities: {severity: CRITICAL, fixed_only: false}  # optional
        manual: what a person checks   # required when nothing else evidences the control
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from mamoru.errors import UsageError
from mamoru.model.finding import Severity
from mamoru.policy.yamlsource import Located, load, load_text

SPEC_KEYS = frozenset({"id", "title", "version", "description", "source", "include", "controls"})
CONTROL_KEYS = frozenset(
    {"id", "section", "title", "level", "assessment", "description", "rules", "vulnerabilities", "manual"}
)
ASSESSMENTS = frozenset({"automated", "manual"})


@dataclass(frozen=True, slots=True)
class VulnerabilityCriterion:
    """Vulnerability findings that fail a control: at or above ``severity`` (only fixable ones if ``fixed_only``)."""

    severity: Severity
    fixed_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Control:
    """One control of a spec. ``framework`` is the spec that defines it (differs for included controls)."""

    framework: str
    id: str
    section: str
    title: str
    description: str = ""
    level: int | None = None
    assessment: str = ""
    rules: tuple[str, ...] = ()
    vulnerabilities: VulnerabilityCriterion | None = None
    manual: str = ""
    source: str = ""  # file:line, for error messages

    @property
    def key(self) -> tuple[str, str]:
        return (self.framework, self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """A framework: its identity and its controls, in order."""

    id: str
    title: str
    version: str
    description: str = ""
    source: str = ""
    controls: tuple[Control, ...] = ()


def builtin_spec_ids() -> list[str]:
    """The ids of the specs that ship with mamoru."""
    folder = resources.files("mamoru.compliance") / "specs"
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_spec(name: str) -> Spec:
    """A built-in spec by id, or a spec file by path."""
    if name in builtin_spec_ids():
        resource = resources.files("mamoru.compliance") / "specs" / f"{name}.yaml"
        return _parse(load_text(resource.read_text(encoding="utf-8"), f"{name}.yaml"), f"{name}.yaml")
    path = Path(name)
    if not path.is_file():
        raise UsageError(
            f"unknown compliance spec {name!r} (built in: {', '.join(builtin_spec_ids())}; or a YAML file)"
        )
    return _parse(load(path), path.name)


def evidence(control: Control) -> tuple[str, ...]:
    """The rule ids that evidence a control: those it names, and every rule that names it."""
    return tuple(dict.fromkeys([*control.rules, *_rules_by_control().get(control.key, [])]))


@functools.cache
def _rules_by_control() -> dict[tuple[str, str], list[str]]:
    from mamoru.rules import all_rules

    index: dict[tuple[str, str], list[str]] = {}
    for rule in all_rules():
        for ref in rule.compliance:
            index.setdefault((ref.framework, ref.control), []).append(rule.id)
    return index


def _parse(root: Located, filename: str, seen: tuple[str, ...] = ()) -> Spec:
    where = f"{filename}:{root.line}"
    if not isinstance(root.value, dict):
        raise UsageError(f"{where}: a compliance spec is a mapping (id, title, version, controls)")
    fields = root.value
    unknown = set(fields) - SPEC_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "title", "version", "controls"):
        if key not in fields:
            raise UsageError(f"{where}: the spec has no {key}")
    spec_id = _text(fields["id"], filename)
    controls: list[Control] = []
    if "include" in fields:
        included = _text(fields["include"], filename)
        if included in seen or included == spec_id:
            raise UsageError(f"{filename}:{fields['include'].line}: spec {included} includes itself")
        if included not in builtin_spec_ids():
            raise UsageError(f"{filename}:{fields['include'].line}: unknown spec {included!r} to include")
        resource = resources.files("mamoru.compliance") / "specs" / f"{included}.yaml"
        controls.extend(
            _parse(load_text(resource.read_text(encoding="utf-8"), f"{included}.yaml"), f"{included}.yaml",
                   (*seen, spec_id)).controls
        )  # fmt: skip
    items = fields["controls"]
    if not isinstance(items.value, list) or not items.value:
        raise UsageError(f"{filename}:{items.line}: controls must be a non-empty list")
    ids: set[str] = {control.id for control in controls}
    for item in items.value:
        control = _control(item, spec_id, filename)
        if control.id in ids:
            raise UsageError(f"{control.source}: control {control.id} is listed twice")
        ids.add(control.id)
        controls.append(control)
    return Spec(
        id=spec_id,
        title=_text(fields["title"], filename),
        version=_text(fields["version"], filename),
        description=_text(fields["description"], filename) if "description" in fields else "",
        source=_text(fields["source"], filename) if "source" in fields else "",
        controls=tuple(controls),
    )


def _control(item: Located, framework: str, filename: str) -> Control:
    where = f"{filename}:{item.line}"
    if not isinstance(item.value, dict):
        raise UsageError(f"{where}: a control is a mapping (id, section, title …)")
    fields: dict[str, Located] = item.value
    unknown = set(fields) - CONTROL_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "section", "title"):
        if key not in fields:
            raise UsageError(f"{where}: the control has no {key}")
    assessment = _text(fields["assessment"], filename) if "assessment" in fields else ""
    if assessment and assessment not in ASSESSMENTS:
        raise UsageError(f"{filename}:{fields['assessment'].line}: assessment is automated or manual")
    rules: tuple[str, ...] = ()
    if "rules" in fields:
        if not isinstance(fields["rules"].value, list):
            raise UsageError(f"{filename}:{fields['rules'].line}: rules is a list of rule ids")
        rules = tuple(_text(rule, filename) for rule in fields["rules"].value)
    level = None
    if "level" in fields:
        if not isinstance(fields["level"].value, int):
            raise UsageError(f"{filename}:{fields['level'].line}: level is a number")
        level = fields["level"].value
    return Control(
        framework=framework,
        id=_text(fields["id"], filename),
        section=_text(fields["section"], filename),
        title=_text(fields["title"], filename),
        description=_text(fields["description"], filename) if "description" in fields else "",
        level=level,
        assessment=assessment,
        rules=rules,
        vulnerabilities=_criterion(fields["vulnerabilities"], filename) if "vulnerabilities" in fields else None,
        manual=_text(fields["manual"], filename) if "manual" in fields else "",
        source=where,
    )


def _criterion(located: Located, filename: str) -> VulnerabilityCriterion:
    value = located.value
    if not isinstance(value, dict) or "severity" not in value or set(value) - {"severity", "fixed_only"}:
        raise UsageError(f"{filename}:{located.line}: vulnerabilities is {{severity: LEVEL, fixed_only: true|false}}")
    try:
        severity = Severity.parse(_text(value["severity"], filename))
    except ValueError:
        raise UsageError(f"{filename}:{located.line}: unknown severity {value['severity'].value!r}") from None
    fixed_only = value["fixed_only"].value if "fixed_only" in value else False
    if not isinstance(fixed_only, bool):
        raise UsageError(f"{filename}:{located.line}: fixed_only is true or false")
    return VulnerabilityCriterion(severity=severity, fixed_only=fixed_only)


def _text(located: Located, filename: str) -> str:
    value: Any = located.value
    if isinstance(value, (dict, list)) or value is None:
        raise UsageError(f"{filename}:{located.line}: expected text")
    return str(value)
