"""The rule registry: every rule mamoru can report, by stable id.

Rules are declared next to the checks that implement them and registered with :func:`register` when
their module is imported; :func:`all_rules` imports the built-in rule modules listed in
``BUILTIN_RULE_MODULES`` (and plugins from the ``mamoru.rules`` entry point group) first. Ids are
never reused or renumbered. Every rule needs a remediation, at least one compliance reference and
``pass``/``fail`` fixtures under ``tests/fixtures/rules/<rule-id>/`` (a test enforces it).
"""

from __future__ import annotations

import importlib

from mamoru.errors import MamoruError
from mamoru.model.finding import Rule

ENTRY_POINT_GROUP = "mamoru.rules"
# modules whose import registers built-in rules (each defines its rules next to its checks)
BUILTIN_RULE_MODULES: tuple[str, ...] = (
    "mamoru.content.secrets.rules",
    "mamoru.content.malware.rules",
    "mamoru.detectors.image.rules",
    "mamoru.detectors.vuln.eol",
    "mamoru.rules.dockerfile",
    "mamoru.rules.compose",
    "mamoru.rules.kubernetes",
    "mamoru.rules.config_common",
    "mamoru.runtime.rules",
    "mamoru.host.rules",
)

_RULES: dict[str, Rule] = {}
_loaded = False


def register(*rules: Rule) -> None:
    """Add rules; an id may be registered once (re-registering the identical rule is a no-op)."""
    for rule in rules:
        existing = _RULES.get(rule.id)
        if existing is not None and existing != rule:
            raise MamoruError(f"two different rules have the id {rule.id!r}")
        _RULES[rule.id] = rule


def get(rule_id: str) -> Rule:
    """The rule with this id (``KeyError`` when there is none)."""
    _load()
    return _RULES[rule_id]


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by id."""
    _load()
    return [_RULES[key] for key in sorted(_RULES)]


def _load() -> None:
    global _loaded  # noqa: PLW0603 - load the rule modules once per process
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_RULE_MODULES:
        importlib.import_module(module)
    from mamoru.analyzers.registry import load_plugin_modules

    load_plugin_modules(ENTRY_POINT_GROUP)
