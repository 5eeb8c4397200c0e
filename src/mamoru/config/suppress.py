"""Inline suppressions: ``# mamoru:ignore=MDF-011,DL3008 reason: why this does not apply``.

Where a comment applies:

- **Dockerfile**: a comment line suppresses the findings of the next instruction (all its lines).
- **YAML** (Compose, Kubernetes): a comment at the end of a line suppresses findings on that line; a
  comment on its own line suppresses the next line and every line indented below it (a whole
  container, a whole ``securityContext:``); just before the first line of a document it covers the
  whole document.
- ``# mamoru:ignore-file=ID… reason: …`` anywhere covers the whole file.

Ids may be mamoru's or any alias (``DL3008``, ``KSV012``, ``CKV_K8S_20``), so ignore lists of other
tools keep working. The reason is required: a suppression without one suppresses nothing and is
itself reported (rule MCF-002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mamoru.config.detect import ConfigType
from mamoru.model.finding import Finding, Rule, Suppression

_PRAGMA = re.compile(
    r"mamoru:ignore(?P<file>-file)?\s*=\s*(?P<ids>[A-Za-z0-9_,\s-]+?)\s*(?:(?:reason\s*[:=]|--)\s*(?P<reason>.*?))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    """One pragma: the ids it names, why, the comment's line and the lines it covers."""

    ids: frozenset[str]
    reason: str
    line: int
    first: int
    last: int

    def covers(self, rule: Rule, line: int | None) -> bool:
        if line is None or not self.first <= line <= self.last:
            return False
        names = {rule.id.upper(), *(a.upper() for a in rule.aliases)}
        return bool(names & self.ids)


def find_suppressions(
    lines: list[str], kind: ConfigType, instruction_ranges: list[tuple[int, int]] | None = None
) -> list[InlineSuppression]:
    """Every pragma of a file (``instruction_ranges``: the (first, last) lines of Dockerfile instructions)."""
    found: list[InlineSuppression] = []
    for number, text in enumerate(lines, 1):
        if "mamoru:ignore" not in text:
            continue
        hash_at = text.find("#")
        if hash_at < 0:
            continue
        match = _PRAGMA.search(text[hash_at:])
        if match is None:
            continue
        ids = frozenset(i.strip().upper() for i in re.split(r"[,\s]+", match.group("ids")) if i.strip())
        reason = (match.group("reason") or "").strip()
        own_line = text[:hash_at].strip() == ""
        if match.group("file"):
            first, last = 1, len(lines)
        elif kind is ConfigType.DOCKERFILE:
            first, last = _next_instruction(number, instruction_ranges or [])
        elif own_line:
            first, last = _yaml_block(lines, number)
        else:
            first, last = number, number
        found.append(InlineSuppression(ids, reason, number, first, last))
    return found


def _next_instruction(line: int, ranges: list[tuple[int, int]]) -> tuple[int, int]:
    for first, last in ranges:
        if first > line:
            return first, last
        if first <= line <= last:  # a comment inside a continued instruction covers that instruction
            return first, last
    return line, line


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _yaml_block(lines: list[str], line: int) -> tuple[int, int]:
    """The next content line after ``line`` and the lines nested below it (the whole document at its start)."""
    index = line  # 0-based index of the line after the comment
    while index < len(lines) and (not lines[index].strip() or lines[index].lstrip().startswith("#")):
        index += 1
    if index >= len(lines):
        return line, line
    base = _indent(lines[index])
    is_item = lines[index].lstrip().startswith("- ")
    whole_document = base == 0 and _document_start(lines, line)
    end = index + 1
    while end < len(lines):
        text = lines[end]
        if text.startswith("---"):
            break
        if not whole_document and text.strip() and not text.lstrip().startswith("#"):
            indent = _indent(text)
            nested_item = indent == base and text.lstrip().startswith("- ") and not is_item
            if indent <= base and not nested_item:
                break
        end += 1
    return index + 1, end


def _document_start(lines: list[str], line: int) -> bool:
    """Whether only comments, blank lines or ``---`` come before ``line`` in its document."""
    for index in range(line - 2, -1, -1):
        text = lines[index].strip()
        if text.startswith("---"):
            return True
        if text and not text.startswith("#"):
            return False
    return True


def apply(
    findings: list[Finding], suppressions: list[InlineSuppression], rules: dict[str, Rule], path: str
) -> list[InlineSuppression]:
    """Mark findings covered by a pragma with a reason; returns the pragmas without a reason."""
    valid = [s for s in suppressions if s.reason]
    for index, finding in enumerate(findings):
        rule = rules.get(finding.rule_id)
        if rule is None or finding.suppression is not None:
            continue
        line = finding.location.line if finding.location else None
        for suppression in valid:
            if suppression.covers(rule, line):
                findings[index] = _suppressed(finding, suppression, path)
                break
    return [s for s in suppressions if not s.reason]


def _suppressed(finding: Finding, suppression: InlineSuppression, path: str) -> Finding:
    from dataclasses import replace

    return replace(finding, suppression=Suppression(reason=suppression.reason, source=f"{path}:{suppression.line}"))
