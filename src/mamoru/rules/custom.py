"""Custom rules without forking mamoru: Rego policies, evaluated with regopy (Microsoft's rego-cpp).

Why Rego: it is the policy language users of Trivy, conftest and OPA already write, so existing
policies run here nearly unchanged; it is declarative, side-effect free and sandboxed (a policy cannot
read files or the network); and regopy evaluates it in-process without an OPA binary or a Go
toolchain. A YAML matching language of our own would be one more thing to learn and would soon need
Rego's expressiveness anyway. Python rules that need more go through the ``mamoru.rules`` entry point
group (see docs/rules.md).

A rule file is a Rego module with an OPA ``# METADATA`` block (Trivy's layout)::

    # METADATA
    # title: Images come from our registry
    # custom:
    #   id: ACME-001
    #   severity: HIGH
    #   recommended_action: Use registry.acme.example/base images
    #   input:
    #     selector:
    #     - type: dockerfile
    package user.acme.ACME001

    import rego.v1

    deny contains res if {
        some cmd in input.Stages[_].Commands
        cmd.Cmd == "from"
        not startswith(cmd.Value[0], "registry.acme.example/")
        res := result.new(sprintf("base image %s", [cmd.Value[0]]), cmd)
    }

``deny`` holds messages or objects with ``msg`` (and ``startline``); ``result.new(msg, cause)`` is
provided as in Trivy. Inputs: a Dockerfile in Trivy's shape (``Stages[].Commands[]`` with ``Cmd``,
``Value``, ``Flags``, ``Original``, ``StartLine`` …), a Compose file or a Kubernetes resource as its
own YAML document (one evaluation per resource).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mamoru.config.compose import ComposeFile
from mamoru.config.detect import ConfigType
from mamoru.config.dockerfile import Dockerfile, Instruction
from mamoru.config.kubernetes import KubernetesSet
from mamoru.errors import UsageError
from mamoru.model.finding import ComplianceRef, FindingKind, Rule, Severity
from mamoru.rules.checks import Check, Hit

MAX_RULE_FILES = 1000
MAX_RULE_BYTES = 1 << 20
_SHIM = """package mamoru.result

import rego.v1

new(msg, cause) := {
	"msg": msg,
	"startline": object.get(cause, "StartLine", 0),
	"endline": object.get(cause, "EndLine", 0),
}
"""
_TYPES = {"dockerfile": ConfigType.DOCKERFILE, "compose": ConfigType.COMPOSE, "kubernetes": ConfigType.KUBERNETES}


@dataclass(slots=True)
class _Policy:
    path: str
    package: str
    interpreter: Any

    def deny(self, document: Any) -> list[Any]:
        self.interpreter.set_input_term(json.dumps(document, default=str))
        output = self.interpreter.query(f"data.{self.package}.deny")
        text = str(output)
        if text == "undefined" or not text.startswith("{"):
            return []
        expressions = json.loads(text).get("expressions") or [[]]
        values = expressions[0]
        return list(values) if isinstance(values, list) else []


def load_custom_rules(paths: Sequence[str]) -> list[Check]:
    """The checks of the Rego rule files in ``paths`` (files or directories); errors are one-line UsageErrors."""
    try:
        from regopy import Interpreter  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - regopy is a dependency
        raise UsageError("custom Rego rules need the regopy package") from None
    from mamoru.rules import all_rules

    builtin = {rule.id for rule in all_rules()}
    checks: list[Check] = []
    seen: set[str] = set()
    for file in _rule_files(paths):
        text = file.read_text(encoding="utf-8", errors="replace")
        rule, targets = _metadata(file, text)
        if rule.id in builtin or rule.id in seen:
            raise UsageError(f"{file}: rule id {rule.id} is already used")
        seen.add(rule.id)
        package = _package(file, text)
        interpreter = Interpreter()
        try:
            interpreter.add_module("mamoru_result", _SHIM)
            interpreter.add_module(file.name, _with_result_import(text))
            interpreter.query(f"data.{package}")  # compiles the module: report syntax errors now
        except Exception as exc:  # noqa: BLE001 - regopy raises its own error types for bad policies
            first = str(exc).strip().splitlines()
            raise UsageError(f"{file}: not a valid Rego module ({first[0] if first else type(exc).__name__})") from None
        policy = _Policy(str(file), package, interpreter)
        for target in targets:
            checks.append(Check(rule, target, _function(policy, target)))
    return checks


def _rule_files(paths: Sequence[str]) -> Iterator[Path]:
    count = 0
    for given in paths:
        path = Path(given)
        files = sorted(path.rglob("*.rego")) if path.is_dir() else [path]
        for file in files:
            if file.name.endswith("_test.rego"):
                continue
            count += 1
            if count > MAX_RULE_FILES:
                raise UsageError(f"more than {MAX_RULE_FILES} custom rule files")
            if file.stat().st_size > MAX_RULE_BYTES:
                raise UsageError(f"{file}: larger than 1 MiB")
            yield file


def _metadata(file: Path, text: str) -> tuple[Rule, list[ConfigType]]:
    block: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "# METADATA":
            for following in lines[index + 1 :]:
                if not following.startswith("#"):
                    break
                block.append(following[2:] if following.startswith("# ") else following[1:])
            break
    try:
        meta = yaml.safe_load("\n".join(block)) if block else None
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        raise UsageError(f"{file}: no # METADATA block with a title and custom.id")
    custom: dict[str, Any] = meta["custom"] if isinstance(meta.get("custom"), dict) else {}
    rule_id = str(custom.get("id") or "").strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{1,63}", rule_id):
        raise UsageError(f"{file}: custom.id is missing or not an id")
    try:
        severity = Severity.parse(str(custom.get("severity") or "MEDIUM"))
    except ValueError:
        raise UsageError(f"{file}: custom.severity must be one of LOW, MEDIUM, HIGH, CRITICAL") from None
    selectors = custom["input"].get("selector") or [] if isinstance(custom.get("input"), dict) else []
    targets = []
    for selector in selectors if isinstance(selectors, list) else []:
        kind = str(selector.get("type", "")).lower() if isinstance(selector, dict) else ""
        if kind in _TYPES:
            targets.append(_TYPES[kind])
    if not targets:
        raise UsageError(f"{file}: custom.input.selector names none of dockerfile, compose, kubernetes")
    compliance = []
    for item in custom.get("compliance") or []:
        framework, _, control = str(item).partition(" ")
        if control:
            compliance.append(ComplianceRef(framework, control.strip()))
    related = meta.get("related_resources") or []
    rule = Rule(
        id=rule_id,
        title=str(meta.get("title") or rule_id),
        severity=severity,
        kind=FindingKind.MISCONFIGURATION,
        description=str(meta.get("description") or ""),
        remediation=str(custom.get("recommended_action") or ""),
        references=tuple(str(r) for r in related if isinstance(r, str)),
        aliases=tuple(str(custom[key]) for key in ("avd_id",) if custom.get(key)),
        compliance=tuple(compliance),
    )
    return rule, targets


def _package(file: Path, text: str) -> str:
    match = re.search(r"(?m)^package\s+([A-Za-z_][\w.]*)", text)
    if match is None:
        raise UsageError(f"{file}: no package declaration")
    return match.group(1)


def _with_result_import(text: str) -> str:
    """Trivy's ``result.new`` is a built-in there; here it comes from a small Rego module."""
    if "result.new(" not in text or re.search(r"(?m)^import\s+data\.[\w.]*result\b", text):
        return text
    return re.sub(r"(?m)^(package\s+[\w.]+\s*)$", r"\1\nimport data.mamoru.result\n", text, count=1)


def _function(policy: _Policy, target: ConfigType) -> Any:
    if target is ConfigType.DOCKERFILE:

        def dockerfile(context: Any) -> Iterator[Hit]:
            for value in policy.deny(dockerfile_input(context.dockerfile)):
                yield _hit(value, None, None)

        return dockerfile
    if target is ConfigType.COMPOSE:

        def compose(unit: ComposeFile) -> Iterator[Hit]:
            for value in policy.deny(unit.data):
                yield _hit(value, None, 1)

        return compose

    def kubernetes(manifests: KubernetesSet) -> Iterator[Hit]:
        for resource in manifests.resources:
            for value in policy.deny(resource.data):
                hit = _hit(value, resource.path, resource.line)
                yield Hit(line=hit.line, path=hit.path, message=f"{resource.ident}: {hit.message}",
                          resource=resource.ident)  # fmt: skip

    return kubernetes


def _hit(value: Any, path: str | None, default_line: int | None) -> Hit:
    if isinstance(value, dict):
        message = str(value.get("msg") or value.get("message") or "")
        line = value.get("startline") or value.get("StartLine") or default_line
        return Hit(line=int(line) if isinstance(line, int) and line > 0 else default_line, path=path, message=message)
    return Hit(line=default_line, path=path, message=str(value))


def dockerfile_input(dockerfile: Dockerfile) -> dict[str, Any]:
    """A Dockerfile in the shape Trivy gives its Rego checks."""
    stages = []
    for stage in dockerfile.stages:
        commands = [_command(i, dockerfile.path) for i in stage.instructions]
        stages.append({"Name": " ".join(stage.from_instruction.raw_args), "Commands": commands})
    return {"Stages": stages}


def _command(instruction: Instruction, path: str) -> dict[str, Any]:
    keyword = instruction.keyword
    values = list(instruction.raw_args)
    if keyword in ("ENV", "LABEL"):
        values = [item for k, v in zip(values[::2], values[1::2], strict=False) for item in (k, v, "=")]
    return {
        "Cmd": keyword.lower(),
        "SubCmd": instruction.sub.keyword.lower() if instruction.sub is not None else "",
        "Flags": [f"--{k}={v}" if v else f"--{k}" for k, v in instruction.flags],
        "Value": values,
        "Original": instruction.original,
        "JSON": instruction.json,
        "Stage": instruction.stage,
        "Path": path,
        "StartLine": instruction.line,
        "EndLine": instruction.end_line,
    }
