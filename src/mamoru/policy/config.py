"""Settings from ``mamoru.yaml`` (``--config``) merged with the command line, which wins.

``mamoru.yaml``::

    scanners: [vuln, secret, misconfig]
    severity: [HIGH, CRITICAL]
    ignore-unfixed: true
    fail-on: HIGH              # exit 1 (or --exit-code) when a finding at or above this remains
    exit-code: 1               # exit with this code when any finding remains (without fail-on)
    show-suppressed: false
    ignore-file: .mamoruignore.yaml
    vex: [vex/openvex.json]
    db: /var/cache/mamoru/db/mamoru.db
    secret-allowlist: secrets-allow.yaml
    yara-rules: [rules/yara]
    malware-hashes: [bad.sha256]
    trusted-registries: [registry.example.com, "*.mirror.example.com", docker.io]   # `mamoru config`

Relative paths are relative to the config file. Without ``--config``, ``mamoru.yaml`` in the current
directory is read when it exists, and so is ``.mamoruignore.yaml`` when no ignore file is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamoru.content.settings import ContentSettings, load_secret_allowlist
from mamoru.errors import UsageError
from mamoru.model.finding import FindingKind, Severity
from mamoru.policy.ignore import IgnoreEntry, load_ignore_file
from mamoru.policy.vex import VexStatement, check_conflicts, load_vex
from mamoru.policy.yamlsource import Located, load

DEFAULT_CONFIG = "mamoru.yaml"
DEFAULT_IGNORE_FILE = ".mamoruignore.yaml"
LIST_KEYS = ("scanners", "severity", "vex", "yara-rules", "malware-hashes", "trusted-registries")
PATH_KEYS = ("ignore-file", "db", "secret-allowlist")
BOOL_KEYS = ("ignore-unfixed", "show-suppressed")
KEYS = frozenset({*LIST_KEYS, *PATH_KEYS, *BOOL_KEYS, "fail-on", "exit-code"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """What a report shows and when the run fails."""

    severities: frozenset[Severity] | None = None
    ignore_unfixed: bool = False
    exit_code: int = 0
    fail_on: Severity | None = None
    show_suppressed: bool = False
    ignores: tuple[IgnoreEntry, ...] = ()
    vex: tuple[VexStatement, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a scanning command takes from its options and the config file."""

    policy: Policy = field(default_factory=Policy)
    scanners: frozenset[FindingKind] | None = None  # None: every available scanner
    content: ContentSettings = field(default_factory=ContentSettings)
    db_path: Path | None = None
    trusted_registries: tuple[str, ...] = ()  # `mamoru config`: base images must come from these (MDF-097)


def load_settings(cli: Mapping[str, Any], cwd: Path | None = None) -> Settings:
    """Merge the config file (explicit or discovered) with command-line values (``None``/empty = unset)."""
    cwd = cwd or Path.cwd()
    config_path = Path(cli["config"]) if cli.get("config") else cwd / DEFAULT_CONFIG
    file_values = _read_config(config_path) if (cli.get("config") or config_path.is_file()) else {}

    def value(key: str) -> Any:
        given = cli.get(key.replace("-", "_"))
        return given if given not in (None, (), False) else file_values.get(key)

    ignore_file = value("ignore-file")
    if ignore_file is None and (cwd / DEFAULT_IGNORE_FILE).is_file():
        ignore_file = cwd / DEFAULT_IGNORE_FILE
    policy = Policy(
        severities=frozenset(_severity(s) for s in _items(value("severity"))) or None,
        ignore_unfixed=bool(value("ignore-unfixed")),
        exit_code=_exit_code(value("exit-code")),
        fail_on=_severity(value("fail-on")) if value("fail-on") else None,
        show_suppressed=bool(value("show-suppressed")),
        ignores=tuple(_ignores(Path(ignore_file))) if ignore_file else (),
        vex=tuple(_vex([Path(p) for p in _items(value("vex"))])),
    )
    scanners = _items(value("scanners"))
    allowlist = value("secret-allowlist")
    return Settings(
        policy=policy,
        scanners=frozenset(_scanner(s) for s in scanners) if scanners else None,
        content=ContentSettings(
            yara_paths=tuple(Path(p) for p in _items(value("yara-rules"))),
            hash_lists=tuple(Path(p) for p in _items(value("malware-hashes"))),
            secret_allowlist=load_secret_allowlist(Path(allowlist)) if allowlist else (),
        ),
        db_path=Path(value("db")) if value("db") else None,
        trusted_registries=tuple(_items(value("trusted-registries"))),
    )


def _read_config(path: Path) -> dict[str, Any]:
    root = load(path)
    if not isinstance(root.value, dict):
        raise UsageError(f"{path}:{root.line}: the config file is a mapping of settings")
    values: dict[str, Any] = {}
    for key, located in root.value.items():
        if key not in KEYS:
            raise UsageError(f"{path}:{located.line}: unknown setting {key!r}")
        values[key] = _config_value(key, located, path)
    return values


def _config_value(key: str, located: Located, path: Path) -> Any:
    raw = located.value
    if key in LIST_KEYS:
        items = [item.value for item in raw] if isinstance(raw, list) else _items(str(raw))
        if key in ("vex", "yara-rules", "malware-hashes"):
            return [str(path.parent / str(item)) for item in items]
        return [str(item) for item in items]
    if key in PATH_KEYS:
        return str(path.parent / str(raw))
    if key in BOOL_KEYS:
        if not isinstance(raw, bool):
            raise UsageError(f"{path}:{located.line}: {key} must be true or false")
        return raw
    if key == "exit-code" and not (isinstance(raw, int) and 0 <= raw <= 255):
        raise UsageError(f"{path}:{located.line}: exit-code must be a number from 0 to 255")
    if key == "fail-on":
        try:
            Severity.parse(str(raw))
        except ValueError:
            raise UsageError(f"{path}:{located.line}: fail-on must be a severity, not {raw!r}") from None
    return raw


def _items(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return [str(item) for item in raw]


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError:
        raise UsageError(f"unknown severity {text!r} (one of {', '.join(s.value for s in Severity)})") from None


def _scanner(text: str) -> FindingKind:
    try:
        return FindingKind(text.lower())
    except ValueError:
        raise UsageError(f"unknown scanner {text!r} (one of {', '.join(k.value for k in FindingKind)})") from None


def _exit_code(raw: Any) -> int:
    return int(raw) if raw is not None else 0


def _ignores(path: Path) -> list[IgnoreEntry]:
    from mamoru.rules import all_rules

    return load_ignore_file(path, {rule.id: rule for rule in all_rules()})


def _vex(paths: list[Path]) -> list[VexStatement]:
    statements = [statement for path in paths for statement in load_vex(path)]
    check_conflicts(statements)
    return statements
