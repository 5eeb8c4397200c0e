"""Configuration checks: a rule plus the function that finds its violations in one kind of file.

A check is registered with :func:`check`, which also registers its rule::

    RULE = Rule(id="MDF-017", title="…", …)

    @check(RULE, ConfigType.DOCKERFILE)
    def sudo_in_run(dockerfile: DockerfileContext) -> Iterator[Hit]:
        yield Hit(line=3, message="…")

Built-in checks live in ``mamoru.rules.dockerfile``, ``mamoru.rules.compose`` and
``mamoru.rules.kubernetes``; plugins register theirs the same way from a module named in the
``mamoru.rules`` entry point group. A check gets the parsed unit of its type (one Dockerfile, one
Compose file, or every Kubernetes resource of the scan, since some rules look across files) and
yields :class:`Hit` values; the scanner turns them into findings with the rule's severity, title,
remediation and compliance references, applies inline suppressions and never lets one broken
check stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mamoru.config.detect import ConfigType
from mamoru.errors import MamoruError
from mamoru.model.finding import Rule
from mamoru.rules import register


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One violation: where it is and what exactly is wrong (``evidence`` never holds a secret in clear)."""

    line: int | None
    message: str = ""
    evidence: tuple[str, ...] = ()
    path: str | None = None  # set by checks that see several files (Kubernetes); else the unit's file
    resource: str = ""  # the object the hit is about ("Deployment/web", "service web"); messages name it too
    weak: bool = False  # a generic duplicate: dropped when another rule reports the same file and line


CheckFunction = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    rule: Rule
    target: ConfigType
    function: CheckFunction

    @property
    def name(self) -> str:
        return f"{self.rule.id} ({getattr(self.function, '__qualname__', 'check')})"


_CHECKS: dict[ConfigType, list[Check]] = {kind: [] for kind in ConfigType}


def check(rule: Rule, target: ConfigType) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``rule`` and the decorated function as its check for ``target`` files."""

    def decorate(function: CheckFunction) -> CheckFunction:
        register_check(Check(rule, target, function))
        return function

    return decorate


def register_check(new: Check) -> None:
    """Add a check (and its rule); one rule may have one check per file type."""
    register(new.rule)
    existing = _CHECKS[new.target]
    for old in existing:
        if old.rule.id == new.rule.id:
            if old.function is new.function:
                return
            raise MamoruError(f"rule {new.rule.id} has two {new.target} checks")
    existing.append(new)


def checks_for(target: ConfigType) -> list[Check]:
    """The registered checks of one file type (built-ins and plugins loaded), in rule id order."""
    from mamoru.rules import all_rules

    all_rules()  # imports the built-in rule modules and plugins
    return sorted(_CHECKS[target], key=lambda c: c.rule.id)


def checked_rule_ids() -> dict[str, set[ConfigType]]:
    """For each rule id with a configuration check, the file types it checks."""
    from mamoru.rules import all_rules

    all_rules()
    found: dict[str, set[ConfigType]] = {}
    for target, checks in _CHECKS.items():
        for item in checks:
            found.setdefault(item.rule.id, set()).add(target)
    return found
